import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ReplicaMessage, ReplicaRequest } from './replicaMessages';

export interface ReplicaOptions {
  /** Names the replica in errors. */
  name: string;
  /** Config files, each overriding the ones before. */
  configFiles: string[];
  /** The Cloud simulator's URL, where the replica sends its requests for bitbucket.org. */
  routeCloudTo?: string;
  /** Each line the replica writes (its log), as it comes; every line is kept in `lines` too. */
  onLine?: (line: string) => void;
}

export interface Replica {
  name: string;
  baseUrl: string;
  pid: number;
  /** Everything the replica wrote to stdout and stderr so far, colours removed. */
  lines: string[];
  /** SIGTERM: Backstage's own graceful shutdown. Resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, mid-whatever. Resolves once the process has exited. */
  kill(): Promise<void>;
  /** Stops the backend as `backend.stop()` does, keeping the process: its later lines still arrive. */
  stopBackend(): Promise<void>;
  cacheSet(key: string, value: string): Promise<void>;
  cacheGet(key: string): Promise<string | undefined>;
}

/** Omit, applied to each member of a union. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

const STOP_GRACE_MS = 20_000;
const ANSI_COLOURS = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');

// A test that fails, or a jest run that forces its exit, must not leave backends running.
const living = new Set<ChildProcess>();
process.on('exit', () => living.forEach(child => child.kill('SIGKILL')));

/**
 * This process's environment, but for NODE_ENV=test (jest's): it turns off the scheduler's
 * janitor, the one thing that frees the lock a replica that died held on its running task.
 */
function replicaEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  if (env.NODE_ENV === 'test') {
    delete env.NODE_ENV;
  }
  return env;
}

/**
 * Starts dev/replicas/replicaProcess in a process of its own and resolves once its backend
 * listens (its plugins have started, the catalog's migrations included). From the tsc build
 * (`npm start`) it runs the compiled file; from jest, the TypeScript source through @swc/core.
 */
export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const fromSource = __filename.endsWith('.ts');
  const entry = join(__dirname, fromSource ? 'replicaProcess.ts' : 'replicaProcess.js');
  const args = [...options.configFiles.flatMap(file => ['--config', file]), ...(options.routeCloudTo ? ['--route-cloud-to', options.routeCloudTo] : [])];
  const child = fork(entry, args, {
    execArgv: fromSource ? ['-r', join(__dirname, 'registerTypeScript.js')] : [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: replicaEnvironment(),
  });
  living.add(child);
  // 'close', not 'exit': its last lines are read by then.
  const exited = new Promise<void>(resolve => child.once('close', () => resolve()));
  void exited.then(() => living.delete(child));

  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', raw => {
      const line = raw.replace(ANSI_COLOURS, '');
      lines.push(line);
      options.onLine?.(line);
    });
  }

  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.on('message', (message: ReplicaMessage) => {
      if (message.type === 'listening') {
        resolve(message.baseUrl);
      }
    });
    child.once('exit', code =>
      reject(new Error(`Replica ${options.name} exited with ${code} before it listened; its last lines:\n${lines.slice(-30).join('\n')}`)),
    );
  });

  let nextId = 0;
  const ask = (request: WithoutId<ReplicaRequest>): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      const id = (nextId += 1);
      const onReply = (message: ReplicaMessage) => {
        if (message.type === 'reply' && message.id === id) {
          child.off('message', onReply);
          if (message.error) {
            reject(new Error(`Replica ${options.name}: ${message.error}`));
          } else {
            resolve(message.value);
          }
        }
      };
      child.on('message', onReply);
      child.send({ ...request, id } as ReplicaRequest);
    });

  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill(name);
    const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(grace);
  };

  return {
    name: options.name,
    baseUrl,
    pid: child.pid!,
    lines,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    stopBackend: async () => {
      await ask({ type: 'stop-backend' });
    },
    cacheSet: async (key, value) => {
      await ask({ type: 'cache-set', key, value });
    },
    cacheGet: key => ask({ type: 'cache-get', key }),
  };
}
