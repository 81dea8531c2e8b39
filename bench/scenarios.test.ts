import { demoCloudEstate, demoServerEstate } from '../dev/demoEstate';
import { parseSimulatorArguments } from '../dev/simulator/cliOptions';
import { OVERLAP_SCENARIOS, SCENARIOS, selectScenarios, simulatorArguments, WEBHOOK_SCENARIOS } from './scenarios';

describe('simulatorArguments', () => {
  it('gives the simulator each scenario’s faults in a form its CLI accepts', () => {
    for (const scenario of SCENARIOS) {
      const { faults } = parseSimulatorArguments(simulatorArguments(scenario));
      expect(faults.rateLimit).toEqual(scenario.rateLimit);
      expect(faults.quota).toEqual(scenario.quota);
    }
    const [quota] = selectScenarios(['cloud-2k-quota']);
    expect(parseSimulatorArguments(simulatorArguments(quota)).faults.quota).toEqual({ requests: 800, windowSeconds: 3600 });
  });

  it('repeats only the scenarios one call cannot finish, each with what its driver needs', () => {
    for (const scenario of SCENARIOS.filter(s => s.repetition)) {
      if (scenario.repetition?.kind === 'quota-loops') {
        expect(scenario).toMatchObject({ product: 'cloud', quota: expect.anything() });
      } else {
        expect(scenario.product).toBe('server');
      }
    }
    expect(SCENARIOS.filter(s => s.repetition).map(s => s.name)).toEqual(['cloud-2k-quota', 'server-5k-dc-limiter']);
  });
});

describe('webhook scenarios', () => {
  it('push into a project of the demo estate of their product, within their time limit at 1.5 s a push', () => {
    expect(WEBHOOK_SCENARIOS.every(s => s.webhooks)).toBe(true);
    for (const scenario of WEBHOOK_SCENARIOS) {
      const estate = scenario.product === 'server' ? demoServerEstate() : demoCloudEstate();
      expect(estate.projects.map(project => project.key)).toContain(scenario.webhooks!.project);
      const { pushes, changes, streams } = scenario.webhooks!;
      expect(((pushes + changes) / streams) * 1_500).toBeLessThan(scenario.timeoutMs / 2);
    }
  });

  it('are left out of the default run and named together as `webhooks`', () => {
    expect(SCENARIOS.some(s => s.webhooks)).toBe(false);
    expect(selectScenarios(['server-50k', 'webhooks']).map(s => s.name)).toEqual(['server-50k', 'webhooks-server', 'webhooks-cloud', 'webhooks-cloud-provider']);
    expect(selectScenarios(['webhooks-cloud'])).toEqual([WEBHOOK_SCENARIOS[1]]);
  });
});

describe('overlap scenarios', () => {
  it('are left out of the default run, named together as `overlap`, one per product', () => {
    expect(SCENARIOS.some(s => s.overlap)).toBe(false);
    expect(selectScenarios(['overlap'])).toEqual(OVERLAP_SCENARIOS);
    expect(OVERLAP_SCENARIOS.map(s => s.product).sort()).toEqual(['cloud', 'server']);
  });
});
