import { MeasuredRow, Observation } from './BenchRow';

/** An observation of one call, for tests; override what the test is about. */
export function observationFixture(overrides: Partial<Observation> = {}): Observation {
  return {
    wallMs: 1_000,
    emitted: [],
    simulator: { requests: 0, peakInFlight: 0, rateLimited: 0, serverErrors: 0, byRoute: {} },
    clientCpuMs: 0,
    peakRssMb: 100,
    rssBeforeMb: 50,
    ...overrides,
  };
}

/** A scored row, for tests; override what the test is about. */
export function measuredRowFixture(overrides: Partial<MeasuredRow> = {}): MeasuredRow {
  return {
    scenario: 'server-test',
    scenarioName: 'server-test',
    status: 'ok',
    product: 'server',
    repositories: 1_000,
    latencyMs: 20,
    concurrency: 10,
    expectsCacheHit: false,
    wallMs: 1_000,
    requests: 1_000,
    requestsPerRepository: 1,
    peakInFlight: 10,
    rateLimited: 0,
    serverErrors: 0,
    retries: 0,
    peakRssMb: 100,
    rssBeforeMb: 50,
    precision: 1,
    recall: 1,
    emitted: 500,
    expected: 500,
    simulatorExpected: 500,
    listingPages: 10,
    candidates: 990,
    floorMs: 2_180,
    wallOverFloor: 1_000 / 2_180,
    clientCpuMs: 0,
    simulator: { requests: 1_000, peakInFlight: 10, rateLimited: 0, serverErrors: 0, byRoute: {} },
    unexpectedSample: [],
    missingSample: [],
    warnings: [],
    ...overrides,
  };
}
