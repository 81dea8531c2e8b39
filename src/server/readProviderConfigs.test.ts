import { SchedulerService, SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { manualTaskRunner } from '../../dev/testing/catalogDoubles';
import { captureLogger } from '../../dev/testing/captureLogger';
import { DEFAULT_DISCOVERY_SCHEDULE } from '../discovery/providerTaskRunner';
import { BitbucketServerEntityProvider } from './BitbucketServerEntityProvider';
import { readProviderConfigs } from './readProviderConfigs';

const integrations = { bitbucketServer: [{ host: 'bitbucket.example.com', token: 't' }] };

/** A scheduler that records the schedules it was asked to create runners for. */
function recordingScheduler() {
  const definitions: SchedulerServiceTaskScheduleDefinition[] = [];
  const runners: Array<ReturnType<typeof manualTaskRunner>> = [];
  const scheduler = {
    createScheduledTaskRunner: (definition: SchedulerServiceTaskScheduleDefinition) => {
      definitions.push(definition);
      const runner = manualTaskRunner();
      runners.push(runner);
      return runner;
    },
  } as unknown as SchedulerService;
  return { scheduler, definitions, runners };
}

function load(providers: JsonValue) {
  const config = new ConfigReader({ integrations, catalog: { providers: { bitbucketServer: providers } } });
  return BitbucketServerEntityProvider.fromConfig(config, { logger: captureLogger(), schedule: manualTaskRunner() });
}

describe('readProviderConfigs', () => {
  it('reads the single-object form as provider "default" with documented defaults', () => {
    const [config] = readProviderConfigs(
      new ConfigReader({ catalog: { providers: { bitbucketServer: { host: 'bitbucket.example.com' } } } }),
    );
    expect(config).toEqual({
      id: 'default',
      configKey: 'catalog.providers.bitbucketServer',
      host: 'bitbucket.example.com',
      catalogPath: '/catalog-info.yaml',
      maxFilesPerRepository: 5000,
      filters: { projectKey: undefined, repoSlug: undefined, skipArchivedRepos: false },
      validateLocationsExist: true,
      schedule: undefined,
      pageSize: 1000,
      concurrency: 10,
      requestTimeoutMs: 30000,
      allowUnsignedWebhooks: false,
      maxStalenessMs: 0,
    });
  });

  it('reads the map form as one provider per id and normalises the catalog path', () => {
    const configs = readProviderConfigs(
      new ConfigReader({
        catalog: {
          providers: {
            bitbucketServer: {
              one: { host: 'a.example.com', catalogPath: 'catalog.yaml', requestTimeout: '5s' },
              two: { host: 'b.example.com:7990', filters: { projectKey: '^P', skipArchivedRepos: true } },
            },
          },
        },
      }),
    );
    expect(configs.map(c => [c.id, c.host, c.catalogPath, c.requestTimeoutMs])).toEqual([
      ['one', 'a.example.com', '/catalog.yaml', 5000],
      ['two', 'b.example.com:7990', '/catalog-info.yaml', 30000],
    ]);
    expect(configs[1].filters.projectKey?.source).toBe('^P');
    expect(configs[1].filters.skipArchivedRepos).toBe(true);
  });

  it('returns no providers when none are configured', () => {
    expect(readProviderConfigs(new ConfigReader({}))).toEqual([]);
  });

  it.each([
    ['a missing host', { main: { catalogPath: '/x.yaml' } }, /'catalog\.providers\.bitbucketServer\.main\.host' \(Bitbucket Server provider 'main'\): required/],
    ['a host with a scheme', { host: 'https://bitbucket.example.com' }, /bitbucketServer\.host' \(Bitbucket Server provider 'default'\).*without scheme/],
    ['an unknown host', { main: { host: 'elsewhere.example.com' } }, /'catalog\.providers\.bitbucketServer\.main\.host' \(Bitbucket Server provider 'main'\): no integrations\.bitbucketServer entry has host 'elsewhere\.example\.com'/],
    ['a bad projectKey regex', { main: { host: 'bitbucket.example.com', filters: { projectKey: '(' } } }, /'catalog\.providers\.bitbucketServer\.main\.filters\.projectKey' \(Bitbucket Server provider 'main'\): '\(' is not a valid regular expression/],
    ['a bad repoSlug regex', { host: 'bitbucket.example.com', filters: { repoSlug: '[a-' } }, /bitbucketServer\.filters\.repoSlug' \(Bitbucket Server provider 'default'\)/],
    ['a bad schedule', { main: { host: 'bitbucket.example.com', schedule: { frequency: 'often' } } }, /'catalog\.providers\.bitbucketServer\.main\.schedule' \(Bitbucket Server provider 'main'\)/],
    ['a typo in a key', { main: { host: 'bitbucket.example.com', catalogpath: '/x.yaml' } }, /Unknown config key 'catalog\.providers\.bitbucketServer\.main\.catalogpath'; did you mean 'catalogPath'\?/],
    ['a typo in a filter key', { main: { host: 'bitbucket.example.com', filters: { projectkey: 'A' } } }, /'catalog\.providers\.bitbucketServer\.main\.filters\.projectkey'; did you mean 'projectKey'\?/],
    ['a catalogPath naming a directory', { main: { host: 'bitbucket.example.com', catalogPath: '/catalog/' } }, /main\.catalogPath' \(Bitbucket Server provider 'main'\): must name a file/],
    ['a catalogPath escaping the repository', { main: { host: 'bitbucket.example.com', catalogPath: '../x.yaml' } }, /main\.catalogPath'.*'\.\.'/],
    ['a page size above 1000', { main: { host: 'bitbucket.example.com', pageSize: 5000 } }, /main\.pageSize' \(Bitbucket Server provider 'main'\): expected a whole number from 1 to 1000, got 5000/],
    ['a zero concurrency', { main: { host: 'bitbucket.example.com', concurrency: 0 } }, /main\.concurrency'.*got 0/],
    ['an unreadable request timeout', { main: { host: 'bitbucket.example.com', requestTimeout: 'soon' } }, /main\.requestTimeout' \(Bitbucket Server provider 'main'\): expected a duration/],
    ['a provider that is not an object', { main: 'bitbucket.example.com' }, /'catalog\.providers\.bitbucketServer\.main': expected a provider object/],
    ['a host of the wrong type', { main: { host: 42 } }, /catalog\.providers\.bitbucketServer\.main\.host/],
    ['a host with a path', { main: { host: 'bitbucket.example.com/bitbucket' } }, /main\.host' \(Bitbucket Server provider 'main'\): 'bitbucket\.example\.com\/bitbucket' must be a host name/],
    ['a host with a port that is not a number', { main: { host: 'bitbucket.example.com:79x' } }, /main\.host'.*must be a host name \(optionally with :port\)/],
    ['a typo in a top-level key', { main: { host: 'bitbucket.example.com', filter: { projectKey: 'A' } } }, /Unknown config key 'catalog\.providers\.bitbucketServer\.main\.filter'; did you mean 'filters'\?/],
    ['filters that are not an object', { main: { host: 'bitbucket.example.com', filters: 'PLAT' } }, /'catalog\.providers\.bitbucketServer\.main\.filters'.*got string, wanted object/],
    ['a skipArchivedRepos that is not a boolean', { main: { host: 'bitbucket.example.com', filters: { skipArchivedRepos: 'maybe' } } }, /'catalog\.providers\.bitbucketServer\.main\.filters\.skipArchivedRepos'.*to a boolean/],
    ['a page size of zero', { main: { host: 'bitbucket.example.com', pageSize: 0 } }, /main\.pageSize'.*got 0/],
    ['a fractional page size', { main: { host: 'bitbucket.example.com', pageSize: 2.5 } }, /main\.pageSize'.*got 2\.5/],
    ['a concurrency above 64', { main: { host: 'bitbucket.example.com', concurrency: 100 } }, /main\.concurrency' \(Bitbucket Server provider 'main'\): expected a whole number from 1 to 64, got 100/],
    ['a zero request timeout', { main: { host: 'bitbucket.example.com', requestTimeout: '0ms' } }, /main\.requestTimeout' \(Bitbucket Server provider 'main'\): must be longer than zero/],
    ['a schedule without frequency', { main: { host: 'bitbucket.example.com', schedule: { timeout: { minutes: 3 } } } }, /main\.schedule' \(Bitbucket Server provider 'main'\).*schedule\.frequency/],
  ] as Array<[string, JsonValue, RegExp]>)('fails at startup on %s, naming the key and the provider', (_case, providers, message) => {
    expect(() => load(providers)).toThrow(message);
  });

  describe('the schedule', () => {
    const configured = (schedule?: JsonValue) =>
      new ConfigReader({
        integrations,
        catalog: { providers: { bitbucketServer: { host: 'bitbucket.example.com', ...(schedule ? { schedule } : {}) } } },
      });
    const connection = { applyMutation: async () => undefined, refresh: async () => undefined };

    it('uses a task runner given in code over a schedule in config', async () => {
      const { scheduler, definitions } = recordingScheduler();
      const schedule = manualTaskRunner();
      const [provider] = BitbucketServerEntityProvider.fromConfig(configured({ frequency: { minutes: 5 }, timeout: { minutes: 3 } }), {
        logger: captureLogger(),
        scheduler,
        schedule,
      });
      await provider.connect(connection);
      expect(definitions).toEqual([]);
      expect(schedule.tasks.map(task => task.id)).toEqual(['bitbucketServer-provider:default:refresh']);
    });

    it('creates the runner from the schedule in config when no runner is given in code', async () => {
      const { scheduler, definitions, runners } = recordingScheduler();
      const [provider] = BitbucketServerEntityProvider.fromConfig(configured({ frequency: { minutes: 5 }, timeout: { minutes: 3 } }), {
        logger: captureLogger(),
        scheduler,
      });
      expect(definitions).toEqual([expect.objectContaining({ frequency: { minutes: 5 }, timeout: { minutes: 3 } })]);
      await provider.connect(connection);
      expect(runners[0].tasks.map(task => task.id)).toEqual(['bitbucketServer-provider:default:refresh']);
    });

    it('falls back to the half-hourly default when neither code nor config gives one', () => {
      const { scheduler, definitions } = recordingScheduler();
      BitbucketServerEntityProvider.fromConfig(configured(), { logger: captureLogger(), scheduler });
      expect(definitions).toEqual([DEFAULT_DISCOVERY_SCHEDULE]);
      expect(DEFAULT_DISCOVERY_SCHEDULE.frequency).toEqual({ minutes: 30 });
    });

    it('fails at startup when given neither a scheduler nor a task runner', () => {
      expect(() => BitbucketServerEntityProvider.fromConfig(configured(), { logger: captureLogger() })).toThrow(
        "Bitbucket Server provider 'default' needs a scheduler: pass 'scheduler' or 'schedule' to fromConfig.",
      );
    });
  });

  it('fails at startup when no integrations.bitbucketServer is configured at all', () => {
    const config = new ConfigReader({ catalog: { providers: { bitbucketServer: { main: { host: 'bitbucket.example.com' } } } } });
    expect(() => BitbucketServerEntityProvider.fromConfig(config, { logger: captureLogger(), schedule: manualTaskRunner() })).toThrow(
      /'catalog\.providers\.bitbucketServer\.main\.host' \(Bitbucket Server provider 'main'\): no integrations\.bitbucketServer entry has host 'bitbucket\.example\.com'/,
    );
  });

  it('refuses an integration apiBaseUrl that carries credentials, without repeating them', () => {
    const config = new ConfigReader({
      integrations: { bitbucketServer: [{ host: 'bitbucket.example.com', apiBaseUrl: 'https://svc:pa55-SECRET@bitbucket.example.com/rest/api/1.0' }] },
      catalog: { providers: { bitbucketServer: { host: 'bitbucket.example.com' } } },
    });
    let message = '';
    try {
      BitbucketServerEntityProvider.fromConfig(config, { logger: captureLogger(), schedule: manualTaskRunner() });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'The apiBaseUrl in integrations.bitbucketServer (host bitbucket.example.com) must not contain credentials; set token or username/password instead',
    );
  });

  it('names a host that carries credentials without repeating them', () => {
    let message = '';
    try {
      load({ main: { host: 'svc-backstage:s3cr3t-PW@bitbucket.example.com' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/main\.host' \(Bitbucket Server provider 'main'\): '\*\*\*@bitbucket\.example\.com' must be a host name .*without scheme, path or credentials/);
    expect(message).not.toContain('s3cr3t-PW');
    expect(message).not.toContain('svc-backstage');
  });
});
