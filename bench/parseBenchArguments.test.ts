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

  it('keeps the default run within ten minutes even if every scenario times out', () => {
    expect(SCENARIOS.reduce((total, s) => total + s.timeoutMs, 0)).toBeLessThanOrEqual(570_000);
  });
});
