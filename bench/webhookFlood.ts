import { ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoBackend, startDemoBackend } from '../dev/demoBackend';
import { DEMO_CREDENTIALS } from '../dev/demoSimulators';
import { freePort } from '../dev/testing/freePort';
import { inProcessEventsService } from '../dev/testing/inProcessEvents';
import { sendDeliveryFlood } from '../dev/testing/sendDeliveryFlood';

/**
 * `npm run bench:flood`: what a flood of forged webhook deliveries costs the backend. Each flood
 * gets a backend process of its own (the demo backend with its simulators) that does nothing but
 * serve: this process sends the deliveries, so the sender's own sockets and buffers are never in
 * the memory measured. Each backend first takes a warm-up flood to an ingress topic nobody handles
 * (sockets, JIT, allocator arenas), then the flood measured: 100,000 deliveries with a wrong
 * signature to this module's ingress, 100,000 unsigned ones to it, and, as the baseline, 100,000 to
 * the topic nobody handles, measured twice (first and last) so the spread between two runs of
 * the same flood is in the table. FLOOD_DELIVERIES sets the count, FLOOD_WARMUP the warm-up's
 * (default a fifth of it), FLOOD_ORDER the floods run (e.g. `forged,baseline`). Prints the RSS and heap each flood added after two GCs, the lines its
 * backend logged (Backstage logs every request: compare with the baseline) and the Bitbucket
 * requests it caused.
 */
const DELIVERIES = Number(process.env.FLOOD_DELIVERIES ?? 100_000);
const WARMUP = Number(process.env.FLOOD_WARMUP ?? Math.round(DELIVERIES / 5));
const IN_FLIGHT = 64;
const BASELINE_TOPIC = 'nobody-handles-this';
const FLOODS = {
  baseline: { topic: BASELINE_TOPIC, secret: undefined },
  forged: { topic: 'bitbucketServer', secret: 'not-the-secret' },
  unsigned: { topic: 'bitbucketServer', secret: undefined },
} as const;
type Flood = keyof typeof FLOODS;
/** The baseline first and last: two runs of one flood show the noise and any drift with order. */
const ORDER = (process.env.FLOOD_ORDER?.split(',') ?? ['baseline', 'forged', 'unsigned', 'baseline']) as Flood[];

interface Memory {
  rss: number;
  heapUsed: number;
  /** What V8 holds for its heap, used or not: RSS less it is the memory outside V8's heap. */
  heapTotal: number;
}

/** What the orchestrator asks a backend process, and what it answers. */
type Ask = { ask: 'measure' } | { ask: 'stop' };
type Answer = { ready: string } | { memory: Memory; bitbucketRequests: number };

interface FloodResult {
  flood: Flood;
  statuses: Record<string, number>;
  warmupRssMb: number;
  rssAddedMb: number;
  /** RSS less V8's heap (used or not): native memory, Buffers and the allocator's, without V8 resizing its spaces. */
  outsideHeapAddedMb: number;
  heapAddedMb: number;
  logLines: number;
  bitbucketRequests: number;
  seconds: number;
}

// ---- the backend process: serves, measures itself when asked, sends nothing ----

async function serveBackend(): Promise<void> {
  const [backend, server, cloud] = [await freePort(), await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'bench-flood-'));
  const configFile = join(dir, 'app-config.flood.yaml');
  await writeFile(
    configFile,
    JSON.stringify({
      backend: { baseUrl: `http://localhost:${backend}`, listen: { port: backend } },
      events: { http: { topics: [BASELINE_TOPIC] } },
      integrations: {
        bitbucketServer: [{ host: `localhost:${server}`, apiBaseUrl: `http://localhost:${server}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
      },
      catalog: { providers: { bitbucketServer: { acme: { host: `localhost:${server}` } } } },
    }),
  );
  const demo: DemoBackend = await startDemoBackend({
    extraConfigFiles: [configFile],
    simulatorPorts: { server, cloud },
    backendBaseUrl: `http://localhost:${backend}`,
    watchConfig: false,
    features: [inProcessEventsService],
  });
  // Let the first passes and the catalog's first loops settle before anything is measured.
  await new Promise(resolve => setTimeout(resolve, 15_000));
  const answer = (message: Answer) => process.send!(message);
  process.on('message', async (message: Ask) => {
    if (message.ask === 'measure') {
      answer({ memory: await settledMemory(), bitbucketRequests: demo.simulators.server.stats.requests });
    } else {
      await demo.stop();
      await rm(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  answer({ ready: demo.baseUrl });
}

/** Memory once what a flood left in flight is done and collected. */
async function settledMemory(): Promise<Memory> {
  await new Promise(resolve => setTimeout(resolve, 5_000));
  const gc = (global as { gc?: () => void }).gc;
  gc?.();
  // V8 hands freed pages back in a task of its own: a second round after it reads steadier.
  await new Promise(resolve => setTimeout(resolve, 1_000));
  gc?.();
  gc?.();
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  return { rss, heapUsed, heapTotal };
}

// ---- the orchestrator: starts each backend, sends its floods, reads its memory ----

class BackendProcess {
  private lines = 0;
  private partial = '';
  private readonly answers: Answer[] = [];
  private waiting?: (answer: Answer) => void;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => {
      const all = (this.partial + chunk.toString()).split('\n');
      this.partial = all.pop() ?? '';
      this.lines += all.filter(line => line.trim()).length;
    });
    child.on('message', (answer: Answer) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) {
        waiting(answer);
      } else {
        this.answers.push(answer);
      }
    });
  }

  static start(): BackendProcess {
    // Forwards this process's environment, so MALLOC_ARENA_MAX=2 npm run bench:flood reaches the backend.
    const child = fork(__filename, ['--backend'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    return new BackendProcess(child);
  }

  get logLines(): number {
    return this.lines;
  }

  next(): Promise<Answer> {
    const queued = this.answers.shift();
    if (queued) {
      return Promise.resolve(queued);
    }
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.child.once('exit', code => reject(new Error(`the backend process exited with ${code}`)));
    });
  }

  async measure(): Promise<{ memory: Memory; bitbucketRequests: number }> {
    this.child.send({ ask: 'measure' } satisfies Ask);
    const answer = await this.next();
    if (!('memory' in answer)) {
      throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
    }
    return answer;
  }

  async stop(): Promise<void> {
    const exited = new Promise(resolve => this.child.once('exit', resolve));
    this.child.send({ ask: 'stop' } satisfies Ask);
    await exited;
  }
}

/** Sends `count` deliveries of one flood, IN_FLIGHT at a time over kept-alive connections; counts the answers. */
function sendFlood(baseUrl: string, flood: Flood, count: number): Promise<Record<string, number>> {
  const { topic, secret } = FLOODS[flood];
  return sendDeliveryFlood(new URL(`${baseUrl}/api/events/http/${topic}`), { count, inFlight: IN_FLIGHT, secret });
}

async function runFlood(flood: Flood): Promise<FloodResult> {
  const backend = BackendProcess.start();
  try {
    const ready = await backend.next();
    if (!('ready' in ready)) {
      throw new Error(`unexpected answer ${JSON.stringify(ready)}`);
    }
    const baseUrl = ready.ready;
    const started = await backend.measure();
    await sendFlood(baseUrl, 'baseline', WARMUP);
    const warm = await backend.measure();
    const linesBefore = backend.logLines;
    const startedAt = Date.now();
    const statuses = await sendFlood(baseUrl, flood, DELIVERIES);
    const seconds = (Date.now() - startedAt) / 1000;
    const after = await backend.measure();
    const mb = (bytes: number) => bytes / 2 ** 20;
    return {
      flood,
      statuses,
      warmupRssMb: mb(warm.memory.rss - started.memory.rss),
      rssAddedMb: mb(after.memory.rss - warm.memory.rss),
      outsideHeapAddedMb: mb(after.memory.rss - after.memory.heapTotal - (warm.memory.rss - warm.memory.heapTotal)),
      heapAddedMb: mb(after.memory.heapUsed - warm.memory.heapUsed),
      logLines: backend.logLines - linesBefore,
      bitbucketRequests: after.bitbucketRequests - warm.bitbucketRequests,
      seconds,
    };
  } finally {
    await backend.stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--backend')) {
    await serveBackend();
    return;
  }
  const results: FloodResult[] = [];
  for (const flood of ORDER) {
    console.error(`▶ ${flood}: ${WARMUP} warm-up deliveries to /api/events/http/${BASELINE_TOPIC}, then ${DELIVERIES} to /api/events/http/${FLOODS[flood].topic}`);
    results.push(await runFlood(flood));
  }
  const baselines = results.filter(r => r.flood === 'baseline');
  const baseline = (pick: (r: FloodResult) => number) => baselines.reduce((sum, r) => sum + pick(r), 0) / baselines.length;
  const mb = (value: number, signed = false) => `${signed && value >= 0 ? '+' : ''}${value.toFixed(1)} MB`;
  console.log(`${DELIVERIES} deliveries a flood after ${WARMUP} warm-up ones; "vs. baseline" against the mean of the ${baselines.length} baseline runs.`);
  console.log(
    '| flood | answers | warm-up RSS | RSS added | vs. baseline | outside V8 heap added | vs. baseline | heap added | vs. baseline | log lines | Bitbucket requests | seconds |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const answers = Object.entries(r.statuses).map(([status, count]) => `${count} × ${status}`).join(', ');
    console.log(
      `| ${r.flood} | ${answers} | ${mb(r.warmupRssMb)} | ${mb(r.rssAddedMb)} | ${mb(r.rssAddedMb - baseline(b => b.rssAddedMb), true)} | ` +
        `${mb(r.outsideHeapAddedMb)} | ${mb(r.outsideHeapAddedMb - baseline(b => b.outsideHeapAddedMb), true)} | ` +
        `${mb(r.heapAddedMb)} | ${mb(r.heapAddedMb - baseline(b => b.heapAddedMb), true)} | ${r.logLines} | ${r.bitbucketRequests} | ${r.seconds.toFixed(1)} |`,
    );
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
