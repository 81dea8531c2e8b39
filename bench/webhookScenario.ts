import { LoggerService } from '@backstage/backend-plugin-api';
import { component } from '../dev/catalogDescriptors';
import { DEMO_CLOUD_WORKSPACE } from '../dev/demoEstate';
import { BaseSimulator } from '../dev/simulator/BaseSimulator';
import { createPrng } from '../dev/simulator/prng';
import { summarizeLatencies } from './percentile';
import { CATALOG_PATH, Scenario } from './scenarios';
import { CatalogPush, timePushToCatalog, TimedPush } from './timePushToCatalog';
import { startWebhookBench, WebhookBench } from './webhookBackend';
import { WebhookRow } from './WebhookRow';

/** Often enough that the poll adds little to what is measured, rarely enough not to load the backend. */
const POLL_EVERY_MS = 25;
/** The promise is 10 s; a push is given three times that before it counts as lost. */
const PUSH_DEADLINE_MS = 30_000;
/** Requests still arriving after the last Component showed (a second read of a file) belong to the batch. */
const QUIET_MS = 1_000;
/** The catalog processes what is due once a second when idle: a pause up to that long puts a push anywhere in that loop. */
const MAX_PAUSE_MS = 1_000;

/**
 * Webhooks end to end, timed: `npm start`'s backend against its simulators; once the first pass
 * has settled, new catalog files are pushed in a few streams (each push waits for its stream's
 * previous Component and a random pause), then a burst of new ones at once, then changes to files
 * the streams pushed. Each new file goes into a repository of its own, created in the scenario's
 * project just before (untimed), so the module learns of it from the push, as of a new repository.
 * Every push goes through `PUT /__sim/files`, which commits the file and delivers the product's
 * signed webhook.
 */
export async function runWebhookScenario(scenario: Scenario, logger: LoggerService): Promise<WebhookRow[]> {
  const plan = scenario.webhooks;
  if (!plan) {
    throw new Error(`${scenario.name} is not a webhook scenario`);
  }
  const streamed = repositoryNames('push', plan.pushes).map(slug => catalogPush(scenario.product, plan.project, slug, 'Pushed'));
  const burst = repositoryNames('burst', plan.burst).map(slug => catalogPush(scenario.product, plan.project, slug, 'Pushed'));
  const changes = streamed.slice(0, plan.changes).map(push => catalogPush(scenario.product, plan.project, push.componentName, 'Changed'));
  const startedAt = performance.now();
  const bench = await startWebhookBench({
    logLevel: process.env.BENCH_VERBOSE === '1' ? 'info' : 'warn',
    prepare: demo => demo.simulators[scenario.product].setFaults({ latencyMs: scenario.latencyMs }),
  });
  logger.info(`first pass settled after ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  try {
    const simulator = bench.demo.simulators[scenario.product];
    const createRepository = (push: CatalogPush) =>
      simulator.addRepository({ projectKey: plan.project, slug: push.componentName, files: { 'README.md': `# ${push.componentName}\n` } });
    const pause = createPrng(scenario.seed);
    const randomPause = () => pause() * MAX_PAUSE_MS;
    const batches: Array<[label: string, batch: TimedBatch]> = [];
    const time = async (label: string, pushes: CatalogPush[], pacing: Pacing) => {
      batches.push([`${scenario.name}: ${label}`, await timeBatch(scenario, bench, simulator, pushes, pacing, logger)]);
    };
    await time(`${streamed.length} new files, ${plan.streams} at a time`, streamed, {
      batch: 'streams', inFlight: plan.streams, pauseMs: randomPause, beforePush: createRepository,
    });
    await time(`${burst.length} new files at once`, burst, { batch: 'burst', inFlight: burst.length, pauseMs: () => 0, beforePush: createRepository });
    await time(`${changes.length} changed files, ${plan.streams} at a time`, changes, { batch: 'changes', inFlight: plan.streams, pauseMs: randomPause });
    return batches.map(([label, batch]) => row(scenario, label, batch));
  } finally {
    await bench.stop();
  }
}

/** How a batch's pushes are sent. */
interface Pacing {
  batch: WebhookRow['batch'];
  /** Streams side by side; each push waits for its stream's previous Component. */
  inFlight: number;
  /** Waited before each push, untimed. */
  pauseMs: () => number;
  /** Done before each push, untimed: the repository a new file goes into. */
  beforePush?: (push: CatalogPush) => void;
}

interface TimedBatch {
  batch: WebhookRow['batch'];
  timed: TimedPush[];
  inFlight: number;
  wallMs: number;
  requests: number;
  byRoute: Record<string, number>;
}

/** Pushes in `pacing.inFlight` streams; counts the Bitbucket requests from the first push until they stop. */
async function timeBatch(
  scenario: Scenario,
  bench: WebhookBench,
  simulator: BaseSimulator,
  pushes: CatalogPush[],
  pacing: Pacing,
  logger: LoggerService,
): Promise<TimedBatch> {
  const options = {
    filesUrl: bench.filesUrl[scenario.product],
    catalogBaseUrl: bench.demo.baseUrl,
    pollEveryMs: POLL_EVERY_MS,
    timeoutMs: PUSH_DEADLINE_MS,
  };
  simulator.resetStats();
  const startedAt = performance.now();
  const timed: TimedPush[] = [];
  let next = 0;
  const stream = async () => {
    while (next < pushes.length) {
      const push = pushes[next++];
      pacing.beforePush?.(push);
      await new Promise(resolve => setTimeout(resolve, pacing.pauseMs()));
      timed.push(await timePushToCatalog(push, options));
      if (timed.length % 25 === 0 || timed.length === pushes.length) {
        logger.info(`${pacing.batch}: ${timed.length}/${pushes.length} pushed, the last in ${timed[timed.length - 1].latencyMs?.toFixed(0) ?? '(lost)'} ms`);
      }
    }
  };
  await Promise.all(Array.from({ length: pacing.inFlight }, stream));
  const wallMs = performance.now() - startedAt;
  await untilQuiet(simulator);
  return { batch: pacing.batch, timed, inFlight: pacing.inFlight, wallMs, requests: simulator.stats.requests, byRoute: { ...simulator.stats.byRoute } };
}

function row(scenario: Scenario, label: string, batch: TimedBatch): WebhookRow {
  const latencies = batch.timed.flatMap(push => (push.latencyMs === undefined ? [] : [Math.round(push.latencyMs)]));
  const accepted = batch.timed.filter(push => push.delivered === 202).length;
  const warnings: string[] = [];
  if (accepted < batch.timed.length) {
    const refused = batch.timed.filter(push => push.delivered !== 202).map(push => String(push.delivered));
    warnings.push(`${refused.length} deliveries were not accepted: ${[...new Set(refused)].join(', ')}`);
  }
  if (latencies.length < batch.timed.length) {
    warnings.push(`${batch.timed.length - latencies.length} Components did not show within ${PUSH_DEADLINE_MS / 1000} s`);
  }
  return {
    kind: 'webhook-latency',
    scenario: label,
    scenarioName: scenario.name,
    status: 'ok',
    product: scenario.product,
    batch: batch.batch,
    pushes: batch.timed.length,
    inFlight: batch.inFlight,
    latencyMs: scenario.latencyMs,
    latency: latencies.length > 0 ? summarizeLatencies(latencies) : null,
    visible: latencies.length,
    accepted,
    wallMs: Math.round(batch.wallMs),
    requests: batch.requests,
    requestsPerPush: batch.requests / batch.timed.length,
    byRoute: batch.byRoute,
    warnings,
  };
}

function repositoryNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${prefix}-${String(i + 1).padStart(3, '0')}`);
}

/** A catalog file for the repository, describing a Component named after it; `verb` tells a change from the first push. */
function catalogPush(product: Scenario['product'], project: string, slug: string, verb: 'Pushed' | 'Changed'): CatalogPush {
  const owner: Record<string, string> = product === 'server' ? { project } : { workspace: DEMO_CLOUD_WORKSPACE };
  const description = `${verb} by the benchmark in ${slug}`;
  const content = component({ name: slug, description, type: 'service', owner: 'team-platform' });
  return { change: { ...owner, repo: slug, path: `/${CATALOG_PATH}`, content }, componentName: slug, description };
}

/** Until the simulator has seen no request for {@link QUIET_MS}. */
async function untilQuiet(simulator: BaseSimulator): Promise<void> {
  let seen = simulator.stats.requests;
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, QUIET_MS));
    if (simulator.stats.requests === seen && simulator.stats.inFlight === 0) {
      return;
    }
    seen = simulator.stats.requests;
  }
}
