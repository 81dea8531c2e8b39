import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoBackend } from '../dev/demoBackend';
import { DEMO_CREDENTIALS } from '../dev/demoSimulators';
import { serverPushDelivery } from '../dev/simulator/serverWebhookDeliveries';
import { freePort } from '../dev/testing/freePort';
import { inProcessEventsService } from '../dev/testing/inProcessEvents';

/**
 * `npm run bench:flood`: what a flood of forged webhook deliveries costs the backend. Each flood runs
 * in a process of its own (the demo backend with its simulators): 100,000 deliveries with a wrong
 * signature to this module's ingress, 100,000 unsigned ones to it, and, as the baseline, 100,000 to
 * an ingress topic nobody handles (FLOOD_DELIVERIES sets the count). Prints the RSS and heap each
 * flood added (after a GC), the lines its backend logged (the backend logs every request: compare
 * with the baseline) and the Bitbucket requests it caused.
 */
const DELIVERIES = Number(process.env.FLOOD_DELIVERIES ?? 100_000);
const IN_FLIGHT = 64;
const FLOODS = {
  forged: { topic: 'bitbucketServer', secret: 'not-the-secret' },
  unsigned: { topic: 'bitbucketServer', secret: undefined },
  baseline: { topic: 'nobody-handles-this', secret: undefined },
} as const;
type Flood = keyof typeof FLOODS;

interface FloodResult {
  flood: Flood;
  deliveries: number;
  statuses: Record<string, number>;
  rssAddedMb: number;
  heapAddedMb: number;
  logLines: number;
  bitbucketRequests: number;
  seconds: number;
}

async function runFlood(flood: Flood): Promise<FloodResult> {
  const { topic, secret } = FLOODS[flood];
  const [backend, server, cloud] = [await freePort(), await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'bench-flood-'));
  const configFile = join(dir, 'app-config.flood.yaml');
  await writeFile(
    configFile,
    JSON.stringify({
      backend: { baseUrl: `http://localhost:${backend}`, listen: { port: backend } },
      events: { http: { topics: ['nobody-handles-this'] } },
      integrations: {
        bitbucketServer: [{ host: `localhost:${server}`, apiBaseUrl: `http://localhost:${server}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
      },
      catalog: { providers: { bitbucketServer: { acme: { host: `localhost:${server}` } } } },
    }),
  );
  const demo = await startDemoBackend({
    extraConfigFiles: [configFile],
    simulatorPorts: { server, cloud },
    backendBaseUrl: `http://localhost:${backend}`,
    watchConfig: false,
    features: [inProcessEventsService],
  });
  // Let the first passes and the catalog's first loops settle before the baseline.
  await new Promise(resolve => setTimeout(resolve, 15_000));
  const requestsBefore = demo.simulators.server.stats.requests;
  const before = await settledMemory();
  const url = `${demo.baseUrl}/api/events/http/${topic}`;
  const statuses: Record<string, number> = {};
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < DELIVERIES) {
        const i = next++;
        const delivery = serverPushDelivery({ projectKey: 'PAY', slug: `random-${i.toString(36)}` }, { secret });
        // A connection the server reset under the flood counts as an answer of its own, not a failed bench.
        const status = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body }).then(
          async response => {
            await response.arrayBuffer();
            return String(response.status);
          },
          () => 'network error',
        );
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const after = await settledMemory();
  const rssAddedMb = (after.rss - before.rss) / 2 ** 20;
  const heapAddedMb = (after.heapUsed - before.heapUsed) / 2 ** 20;
  const bitbucketRequests = demo.simulators.server.stats.requests - requestsBefore;
  await demo.stop();
  await rm(dir, { recursive: true, force: true });
  return { flood, deliveries: DELIVERIES, statuses, rssAddedMb, heapAddedMb, logLines: 0, bitbucketRequests, seconds };
}

/** Memory once what a flood left in flight is done and collected. */
async function settledMemory(): Promise<{ rss: number; heapUsed: number }> {
  await new Promise(resolve => setTimeout(resolve, 5_000));
  const gc = (global as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** Runs one flood in a child process, counting the lines its backend logged. */
function floodInChild(flood: Flood): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', __filename, flood], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    let result: FloodResult | undefined;
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const all = text.split('\n');
      partial = all.pop() ?? '';
      for (const line of all) {
        if (line.startsWith('FLOOD_RESULT ')) {
          result = JSON.parse(line.slice('FLOOD_RESULT '.length));
        } else if (line.trim()) {
          lines += 1;
        }
      }
    });
    child.on('exit', code => (result ? resolve({ ...result, logLines: lines }) : reject(new Error(`flood ${flood} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const [only] = process.argv.slice(2);
  if (only) {
    const result = await runFlood(only as Flood);
    process.stdout.write(`FLOOD_RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  }
  const results: FloodResult[] = [];
  for (const flood of Object.keys(FLOODS) as Flood[]) {
    console.error(`▶ ${flood}: ${DELIVERIES} deliveries to /api/events/http/${FLOODS[flood].topic}`);
    results.push(await floodInChild(flood));
  }
  const baseline = results.find(r => r.flood === 'baseline')!;
  console.log('| flood | deliveries | answers | RSS added | vs. baseline | heap added | vs. baseline | log lines | Bitbucket requests | seconds |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const answers = Object.entries(r.statuses).map(([status, count]) => `${count} × ${status}`).join(', ');
    const mb = (value: number, signed = false) => `${signed && value >= 0 ? '+' : ''}${value.toFixed(1)} MB`;
    console.log(
      `| ${r.flood} | ${r.deliveries} | ${answers} | ${mb(r.rssAddedMb)} | ${mb(r.rssAddedMb - baseline.rssAddedMb, true)} | ` +
        `${mb(r.heapAddedMb)} | ${mb(r.heapAddedMb - baseline.heapAddedMb, true)} | ${r.logLines} | ${r.bitbucketRequests} | ${r.seconds.toFixed(1)} |`,
    );
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
