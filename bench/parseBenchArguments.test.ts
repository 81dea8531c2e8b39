import { parseBenchArguments } from './parseBenchArguments';
import { SCENARIOS, selectScenarios } from './scenarios';

describe('parseBenchArguments', () => {
  it('runs every scenario by default', () => {
    expect(parseBenchArguments([]).scenarios).toBeUndefined();
    expect(selectScenarios(undefined)).toBe(SCENARIOS);
  });

  it('takes scenarios comma-separated or repeated, in the order given', () => {
    const { scenarios } = parseBenchArguments(['--scenario', 'server-5k,cloud-2k', '--scenario', 'server-50k']);
    expect(selectScenarios(scenarios).map(s => s.name)).toEqual(['server-5k', 'cloud-2k', 'server-50k']);
  });

  it('names an unknown scenario or option', () => {
    expect(() => selectScenarios(['server-5m'])).toThrow(/Unknown scenario 'server-5m'; known: server-5k/);
    expect(() => parseBenchArguments(['--scenarios', 'x'])).toThrow(/--scenarios/);
  });

  it('names the memory scenarios as a group, and takes a heap limit in whole MB', () => {
    expect(selectScenarios(['memory']).map(s => s.name)).toEqual(['server-sqlite-5k', 'server-sqlite-50k', 'server-sqlite-200k']);
    expect(selectScenarios(['memory-postgres']).every(s => s.stateStore === 'postgres' && s.latencyMs === 2)).toBe(true);
    expect(selectScenarios(['memory-postgres-20ms']).map(s => s.name)).toEqual([
      'server-postgres-5k-20ms',
      'server-postgres-50k-20ms',
      'server-postgres-200k-20ms',
    ]);
    expect(parseBenchArguments(['--max-old-space', '256']).maxOldSpaceMb).toBe(256);
    expect(() => parseBenchArguments(['--max-old-space', '1.5'])).toThrow(/--max-old-space takes a whole number of MB, got '1.5'/);
  });

  it('keeps the default run within ten minutes even if every scenario times out', () => {
    expect(SCENARIOS.reduce((total, s) => total + s.timeoutMs, 0)).toBeLessThanOrEqual(570_000);
  });
});
