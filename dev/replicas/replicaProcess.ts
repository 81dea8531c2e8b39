import { parseArgs } from 'node:util';
import { startBackend } from '../backend';
import { routeBitbucketCloudTo } from '../simulator/routeBitbucketCloud';
import { cacheProbe } from './cacheProbe';
import { ReplicaMessage, ReplicaRequest, UNHANDLED_REJECTION_MARK } from './replicaMessages';

/** What the parent caches through a replica expires, so test runs leave nothing behind in Redis. */
const CACHED_FOR_MS = 10 * 60_000;

/**
 * One replica: the backend of `npm start` (dev/backend.ts) in a process of its own, started by
 * startReplica with `--config` files and, against the Cloud simulator, `--route-cloud-to`
 * (the routing of bitbucket.org to the simulator is per process). Tells its parent over IPC
 * when it listens; Backstage stops it on SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string', multiple: true }, 'route-cloud-to': { type: 'string' } },
  });
  const cloudSimulator = values['route-cloud-to'];
  if (cloudSimulator) {
    routeBitbucketCloudTo(cloudSimulator);
  }
  // On one line a test can find, also during and after the backend's stop; stderr is written synchronously.
  process.on('unhandledRejection', reason => {
    process.stderr.write(`${UNHANDLED_REJECTION_MARK}${JSON.stringify(reason instanceof Error ? reason.stack : String(reason))}\n`);
  });
  // A replica never outlives its parent (a test that ended, a demo stopped with Ctrl-C).
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  const probe = cacheProbe();
  const backend = await startBackend({ configFiles: values.config ?? [], watchConfig: false, features: [probe.feature] });
  process.on('message', (request: ReplicaRequest) => {
    const answer = async (): Promise<string | undefined> => {
      if (request.type === 'stop-backend') {
        // Backstage's SIGTERM handler exits as soon as the stop resolves, before a rejection the stop
        // dropped is reported (that waits for the current ticks to end); here it is reported first.
        await backend.stop();
        await new Promise(resolve => setTimeout(resolve, 100));
        return undefined;
      }
      if (request.type === 'cache-set') {
        await probe.cache().set(request.key, request.value, { ttl: CACHED_FOR_MS });
        return undefined;
      }
      return (await probe.cache().get<string>(request.key)) ?? undefined;
    };
    answer().then(
      value => send({ type: 'reply', id: request.id, value }),
      error => send({ type: 'reply', id: request.id, error: String(error) }),
    );
  });
  send({ type: 'listening', baseUrl: backend.baseUrl });
}

function send(message: ReplicaMessage): void {
  process.send?.(message);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
