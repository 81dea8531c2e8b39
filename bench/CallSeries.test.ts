import { observationFixture } from './benchRowFixtures';
import { combineObservations, seriesCall } from './CallSeries';

describe('seriesCall', () => {
  it('tells whether a call kept everything the call before emitted', () => {
    const observation = observationFixture({
      emitted: ['a', 'b', 'c'],
      simulator: { requests: 810, peakInFlight: 10, rateLimited: 10, serverErrors: 0, byRoute: {} },
    });
    expect(seriesCall(observation, ['a', 'b'], { complete: false })).toEqual({
      wallMs: 1_000,
      requests: 810,
      rateLimited: 10,
      emitted: 3,
      keptPrevious: true,
      complete: false,
    });
    expect(seriesCall(observation, ['a', 'x'], { complete: true }).keptPrevious).toBe(false);
  });

  it('records an aborted run’s overrun', () => {
    expect(seriesCall(observationFixture(), [], { complete: false, overrunMs: 42.4 }).overrunMs).toBe(42);
  });
});

describe('combineObservations', () => {
  it('adds up times, requests and CPU, keeps the peaks, and the last call’s result', () => {
    const first = observationFixture({
      wallMs: 30_000,
      emitted: ['a'],
      client: { requests: 1, retries: 0, rateLimited: 0, serverErrors: 0 },
      simulator: { requests: 1_500, peakInFlight: 10, rateLimited: 2, serverErrors: 1, byRoute: { raw: 1_400, listRepositories: 100 }, cpuMs: 500 },
      clientCpuMs: 3_000,
      peakRssMb: 150,
      rssBeforeMb: 60,
    });
    const second = observationFixture({
      wallMs: 8_000,
      emitted: ['a', 'b'],
      simulator: { requests: 400, peakInFlight: 8, rateLimited: 0, serverErrors: 0, byRoute: { raw: 390, listProjects: 10 }, cpuMs: 100 },
      clientCpuMs: 1_000,
      peakRssMb: 140,
      rssBeforeMb: 90,
    });
    expect(combineObservations([first, second])).toEqual({
      wallMs: 38_000,
      emitted: ['a', 'b'],
      simulator: {
        requests: 1_900,
        peakInFlight: 10,
        rateLimited: 2,
        serverErrors: 1,
        byRoute: { raw: 1_790, listRepositories: 100, listProjects: 10 },
        cpuMs: 600,
      },
      clientCpuMs: 4_000,
      peakRssMb: 150,
      rssBeforeMb: 60,
    });
  });

  it('leaves the simulator CPU unknown when one call’s is', () => {
    const known = observationFixture({ simulator: { ...observationFixture().simulator, cpuMs: 5 } });
    expect(combineObservations([known, observationFixture()]).simulator.cpuMs).toBeUndefined();
  });

  it('needs at least one observation', () => {
    expect(() => combineObservations([])).toThrow(/at least one/);
  });
});
