import { measuredRowFixture } from './benchRowFixtures';
import { CallSeries, SeriesCall } from './CallSeries';
import { rateFloorMs } from './rateFloor';
import { MEMORY_SCENARIOS, Scenario } from './scenarios';
import { quotaLoopChecks, timedRunChecks } from './seriesTargets';
import { checkTargets, rateFloorCheck, serverLookupCheck, serverRequestCheck } from './targets';

function call(overrides: Partial<SeriesCall> = {}): SeriesCall {
  return { wallMs: 1_000, requests: 810, rateLimited: 10, emitted: 100, keptPrevious: true, complete: false, ...overrides };
}

function series(kind: CallSeries['kind'], calls: SeriesCall[]): CallSeries {
  return { kind, calls, complete: calls[calls.length - 1].complete };
}

describe('rateFloorMs', () => {
  it('lets the burst go at once and every further request wait for a token', () => {
    expect(rateFloorMs({ requests: 4_813, perSecond: 100, burst: 50 })).toBeCloseTo(47_630);
    expect(rateFloorMs({ requests: 30, perSecond: 100, burst: 50 })).toBe(0);
  });
});

describe('rateFloorCheck', () => {
  const limit = { perSecond: 100, burst: 50 };
  // 1,050 requests: 10 s at 100/s after the burst.
  const row = (wallMs: number) => measuredRowFixture({ wallMs, listingPages: 50, candidates: 1_000 });

  it('meets the target within 1.1× the rate floor and misses it beyond', () => {
    expect(rateFloorCheck(row(11_000), limit)).toMatchObject({ target: 'wall ≤ 1.1× rate-limit floor', met: true });
    const missed = rateFloorCheck(row(12_600), limit);
    expect(missed.met).toBe(false);
    expect(missed.detail).toBe('12.60 s vs 10.00 s for 1050 requests at 100/s after a burst of 50 = 1.26×');
  });
});

describe('serverRequestCheck', () => {
  it('allows one first attempt per candidate plus the listing pages', () => {
    expect(serverRequestCheck(measuredRowFixture({ requests: 1_005, retries: 5, client: { requests: 1_005, retries: 5, rateLimited: 5, serverErrors: 0 } }))).toMatchObject({
      met: true,
      detail: '1000 first attempts (+5 retries) vs 990 candidates + 10 pages = 1000',
    });
    expect(serverRequestCheck(measuredRowFixture({ requests: 1_001, client: { requests: 1_001, retries: 0, rateLimited: 0, serverErrors: 0 } })).met).toBe(false);
  });

  it('allows a pass over several runs its listing per run and the checks each abort abandoned', () => {
    const runs = series('timed-runs', [call({ overrunMs: 50 }), call({ overrunMs: 20 }), call({ complete: true })]);
    // 990 candidates + 10 pages × 3 runs + 10 in flight × 2 aborts = 1040; 3 answered 429s were repeats.
    const row = (requests: number) => measuredRowFixture({ requests, rateLimited: 3, series: runs });
    expect(serverRequestCheck(row(1_043))).toMatchObject({
      target: 'Server: ≤ 1 request per candidate + listing pages per run',
      met: true,
      detail: '1040 first attempts (+3 answered 429/5xx) vs 990 candidates + 10 pages × 3 runs + 10 in flight × 2 aborts = 1040',
    });
    expect(serverRequestCheck(row(1_044)).met).toBe(false);
  });
});

describe('serverLookupCheck', () => {
  // 500 repositories with the catalog file; 990 candidates + 10 pages.
  const simulator = (lookups: number) => ({ requests: 0, peakInFlight: 10, rateLimited: 0, serverErrors: 0, byRoute: { defaultBranch: lookups } });

  it('counts default-branch lookups apart from the candidates: at most one per repository with the file', () => {
    const row = (lookups: number) =>
      measuredRowFixture({ requests: 1_000 + lookups, simulator: simulator(lookups), client: { requests: 1_000 + lookups, retries: 0, rateLimited: 0, serverErrors: 0 } });
    expect(serverLookupCheck(row(500))).toMatchObject({ met: true, detail: '500 lookups vs 500 repositories with the file = 500' });
    expect(serverLookupCheck(row(501)).met).toBe(false);
    // The candidates' own bound holds without them, and still catches a check too many.
    expect(serverRequestCheck(row(500))).toMatchObject({ met: true, detail: '1000 first attempts (+0 retries, 500 default-branch lookups apart) vs 990 candidates + 10 pages = 1000' });
    expect(serverRequestCheck(measuredRowFixture({ requests: 1_501, simulator: simulator(500), client: { requests: 1_501, retries: 0, rateLimited: 0, serverErrors: 0 } })).met).toBe(false);
  });

  it('costs a second pass nothing, and allows a run the timeout stopped its lookups in flight', () => {
    expect(serverLookupCheck(measuredRowFixture({ simulator: simulator(0) }))).toMatchObject({ met: true, detail: '0 lookups vs 500 repositories with the file = 500' });
    const runs = series('timed-runs', [call({ overrunMs: 50 }), call({ complete: true })]);
    const row = (lookups: number) => measuredRowFixture({ simulator: simulator(lookups), series: runs });
    expect(serverLookupCheck(row(510))).toMatchObject({ met: true, detail: '510 lookups vs 500 repositories with the file + 10 in flight × 1 aborts = 510' });
    expect(serverLookupCheck(row(511)).met).toBe(false);
  });
});

describe('quotaLoopChecks', () => {
  // 20 pages + 1,962 candidates = 1,982 needed; at 800 per window ⌈2.48⌉ + 1 = 4 loops allowed.
  const row = (loops: SeriesCall[]) => {
    const requests = loops.reduce((total, c) => total + c.requests, 0);
    const rateLimited = loops.reduce((total, c) => total + c.rateLimited, 0);
    return measuredRowFixture({
      product: 'cloud',
      listingPages: 20,
      candidates: 1_962,
      requests,
      simulator: { requests, peakInFlight: 10, rateLimited, serverErrors: 0, byRoute: {} },
    });
  };

  it('meets all three targets for a series that completes in time, within budget, without dropping anything', () => {
    const loops = [call({ emitted: 390 }), call({ emitted: 801 }), call({ requests: 408, rateLimited: 0, emitted: 995, complete: true })];
    const checks = quotaLoopChecks(row(loops), series('quota-loops', loops), 800);
    expect(checks.map(c => c.met)).toEqual([true, true, true]);
    expect(checks.map(c => c.detail)).toEqual([
      'complete after 3 loops; 1982 requests needed (20 pages + 1962 candidates) at 800 per window allow 4',
      '2028 requests (2008 answered + 20 429s) ÷ 1982 = 1.023×; per loop 800+10, 800+10, 408+0',
      'emitted 390 → 801 → 995',
    ]);
  });

  it('misses on too many loops, an unfinished series, too many requests, or a loop that drops locations', () => {
    const slow = [call(), call(), call(), call(), call({ complete: true })];
    expect(quotaLoopChecks(row(slow), series('quota-loops', slow), 800)[0].met).toBe(false);
    const unfinished = [call(), call()];
    expect(quotaLoopChecks(row(unfinished), series('quota-loops', unfinished), 800)[0].detail).toMatch(/^still incomplete after 2 loops/);
    const costly = [call({ requests: 1_200 }), call({ requests: 1_000, complete: true })];
    expect(quotaLoopChecks(row(costly), series('quota-loops', costly), 800)[1].met).toBe(false);
    const dropping = [call({ emitted: 400 }), call({ emitted: 380, keptPrevious: false, complete: true })];
    expect(quotaLoopChecks(row(dropping), series('quota-loops', dropping), 800)[2]).toMatchObject({
      met: false,
      detail: 'emitted 400 → 380; loop 2 dropped locations loop 1 emitted',
    });
  });
});

describe('timedRunChecks', () => {
  const plan = { taskTimeoutMs: 30_000, maxRuns: 10, budget: { requests: 50, perSeconds: 1 } };
  const row = (rateLimited: number) =>
    measuredRowFixture({ simulator: { requests: 5_000, peakInFlight: 10, rateLimited, serverErrors: 0, byRoute: {} } });

  it('checks completion, the worst overrun after an abort, and 429s under the budget', () => {
    const runs = [call({ wallMs: 30_000, overrunMs: 40 }), call({ wallMs: 30_100, overrunMs: 900 }), call({ wallMs: 8_300, complete: true })];
    const checks = timedRunChecks(row(10), series('timed-runs', runs), plan);
    expect(checks).toEqual([
      expect.objectContaining({ target: 'pass completes within 10 runs of 30 s', met: true, detail: 'complete in run 3; runs of 30.00 s, 30.10 s, 8.30 s' }),
      expect.objectContaining({
        target: 'no run outlives its task timeout by more than 1 s',
        met: true,
        detail: 'max 0.90 s; 2 timed-out runs settled 0.04 s, 0.90 s after the abort',
      }),
      expect.objectContaining({ target: '429s ≤ 1% of requests with the rateLimit budget', met: true, detail: '10 of 5000 (0.20%)' }),
    ]);
  });

  it('misses on an overrun beyond a second, an unfinished pass, or many 429s', () => {
    const late = [call({ overrunMs: 1_500 }), call({ complete: true })];
    expect(timedRunChecks(row(0), series('timed-runs', late), plan).map(c => c.met)).toEqual([true, false, true]);
    const unfinished = [call({ overrunMs: 10 }), call({ overrunMs: 10 })];
    expect(timedRunChecks(row(51), series('timed-runs', unfinished), plan).map(c => c.met)).toEqual([false, true, false]);
  });

  it('says so when no run timed out, and leaves 429s unjudged without a budget', () => {
    const checks = timedRunChecks(row(100), series('timed-runs', [call({ complete: true })]), { taskTimeoutMs: 30_000, maxRuns: 10 });
    expect(checks.map(c => c.detail)).toEqual(['complete in run 1; runs of 1.00 s', 'no run timed out']);
  });
});

describe('checkTargets', () => {
  const base = { product: 'server', projects: 1, repositories: 1_000, latencyMs: 20, seed: 1, timeoutMs: 1_000 } as const;
  const names = (scenario: Scenario, row = measuredRowFixture({ scenario: scenario.name, scenarioName: scenario.name })) =>
    checkTargets([row], [scenario]).map(check => check.target);

  it('judges a rate-limited scan against the rate floor instead of the latency floor', () => {
    expect(names({ ...base, name: 'limited', description: '', rateLimit: { perSecond: 100, burst: 50 } })).toEqual([
      'exact (precision = recall = 1)',
      'wall ≤ 1.1× rate-limit floor',
      '≤ 5% of requests refused (429)',
      'Server: ≤ 1 request per candidate + listing pages',
      'Server: ≤ 1 default-branch lookup per repository with a catalog file',
    ]);
    expect(names({ ...base, name: 'plain', description: '' })).toContain('wall ≤ 1.5× latency floor');
  });

  it('judges a series of timed-out runs by its own targets, the rate floor only noted', () => {
    const scenario: Scenario = {
      ...base,
      name: 'runs',
      description: '',
      rateLimit: { perSecond: 50, burst: 50 },
      budget: { requests: 50, perSeconds: 1 },
      repetition: { kind: 'timed-runs', taskTimeoutMs: 30_000, maxRuns: 10 },
    };
    const row = measuredRowFixture({ scenario: 'runs', scenarioName: 'runs', series: series('timed-runs', [call({ overrunMs: 10 }), call({ complete: true })]) });
    const checks = checkTargets([row], [scenario]);
    expect(checks.map(check => check.target)).toEqual([
      'exact (precision = recall = 1)',
      'pass completes within 10 runs of 30 s',
      'no run outlives its task timeout by more than 1 s',
      '429s ≤ 1% of requests with the rateLimit budget',
      'wall vs rate-limit floor (informational)',
      'Server: ≤ 1 request per candidate + listing pages per run',
      'Server: ≤ 1 default-branch lookup per repository with a catalog file',
    ]);
    expect(checks.find(check => check.target.includes('informational'))?.met).toBe(true);
  });

  it('judges a series of quota loops by its own targets and not by wall time', () => {
    const scenario: Scenario = {
      ...base,
      product: 'cloud',
      name: 'loops',
      description: '',
      quota: { requests: 800, windowSeconds: 3600 },
      repetition: { kind: 'quota-loops', maxLoops: 10 },
    };
    const row = measuredRowFixture({ product: 'cloud', scenario: 'loops', scenarioName: 'loops', series: series('quota-loops', [call({ complete: true })]) });
    expect(names(scenario, row)).toEqual([
      'exact (precision = recall = 1)',
      '⌈needed ÷ quota⌉ + 1 loops to a complete result',
      'requests in all ≤ 1.1× one uninterrupted scan',
      'each loop emits ⊇ the loop before',
    ]);
  });
});

describe('the flat-memory check', () => {
  const memoryRow = (name: string, peakRssMb: number) => {
    const scenario = MEMORY_SCENARIOS.find(candidate => candidate.name === name)!;
    return measuredRowFixture({ scenario: name, scenarioName: name, repositories: scenario.repositories, latencyMs: scenario.latencyMs, peakRssMb });
  };
  const flatChecks = (rows: ReturnType<typeof memoryRow>[]) =>
    checkTargets(rows, MEMORY_SCENARIOS).filter(check => check.target.startsWith('peak RSS within'));

  it('holds a larger estate against the 5,000-repository row at its own latency', () => {
    const checks = flatChecks([
      memoryRow('server-postgres-5k', 175),
      memoryRow('server-postgres-200k', 260),
      memoryRow('server-postgres-5k-20ms', 200),
      memoryRow('server-postgres-200k-20ms', 250),
    ]);
    expect(checks.map(check => [check.scenario, check.met, check.detail])).toEqual([
      ['server-postgres-200k', false, '260 MB vs 175 MB = +49%'],
      ['server-postgres-200k-20ms', true, '250 MB vs 200 MB = +25%'],
    ]);
  });

  it('checks nothing without the 5,000-repository row of the same latency', () => {
    expect(flatChecks([memoryRow('server-postgres-5k', 175), memoryRow('server-postgres-200k-20ms', 400)])).toEqual([]);
  });
});
