import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { manualTaskRunner } from '../../dev/testing/catalogDoubles';
import { captureLogger } from '../../dev/testing/captureLogger';
import { DEFAULT_DISCOVERY_SCHEDULE } from '../discovery/providerTaskRunner';
import { BitbucketCloudEntityProvider } from './BitbucketCloudEntityProvider';
import { readCloudProviderConfigs } from './readCloudProviderConfigs';

const integrations = { bitbucketCloud: [{ username: 'me@example.com', token: 'api-token' }] };

function load(providers: JsonValue, withIntegrations: object = integrations) {
  const config = new ConfigReader({ integrations: withIntegrations, catalog: { providers: { bitbucketCloud: providers } } } as never);
  return BitbucketCloudEntityProvider.fromConfig(config, { logger: captureLogger(), schedule: manualTaskRunner() });
}

describe('readCloudProviderConfigs', () => {
  it('reads the single-object form as provider "default" with documented defaults', () => {
    const [config] = readCloudProviderConfigs(new ConfigReader({ catalog: { providers: { bitbucketCloud: { workspace: 'acme' } } } }));
    expect(config).toEqual({
      id: 'default',
      configKey: 'catalog.providers.bitbucketCloud',
      workspace: 'acme',
      catalogPath: '/catalog-info.yaml',
      filters: { projectKey: undefined, repoSlug: undefined },
      schedule: undefined,
      maxFilesPerRepository: 5000,
      pagelen: 100,
      concurrency: 10,
      requestTimeoutMs: 30_000,
      rateLimit: undefined,
      webhookSecret: undefined,
      allowUnsignedWebhooks: false,
      maxStalenessMs: 0,
    });
  });

  it('reads the map form, one provider per id, with names as upstream gives them', () => {
    const providers = load({ main: { workspace: 'acme' }, other: { workspace: 'globex', catalogPath: 'service.yaml', pagelen: 50 } });
    expect(providers.map(p => p.getProviderName())).toEqual(['bitbucketCloud-provider:main', 'bitbucketCloud-provider:other']);
    const [, other] = readCloudProviderConfigs(
      new ConfigReader({ catalog: { providers: { bitbucketCloud: { main: { workspace: 'acme' }, other: { workspace: 'globex', catalogPath: 'service.yaml', pagelen: 50 } } } } }),
    );
    expect(other).toMatchObject({ id: 'other', workspace: 'globex', catalogPath: '/service.yaml', pagelen: 50 });
  });

  it('anchors filters as upstream does: a pattern must match the whole key or slug', () => {
    const [config] = readCloudProviderConfigs(
      new ConfigReader({ catalog: { providers: { bitbucketCloud: { workspace: 'acme', filters: { projectKey: 'PLAT', repoSlug: '^svc-.*' } } } } }),
    );
    expect(config.filters.projectKey?.source).toBe('^PLAT$');
    expect(config.filters.repoSlug?.source).toBe('^svc-.*$');
    expect(config.filters.projectKey?.test('PLATX')).toBe(false);
  });

  it.each([
    ['a missing workspace', { catalogPath: '/x.yaml', filters: {} }, /'catalog\.providers\.bitbucketCloud\.workspace' \(Bitbucket Cloud provider 'default'\): required/],
    ['a missing workspace in the map form', { main: { catalogPath: '/x.yaml' } }, /main\.workspace' \(Bitbucket Cloud provider 'main'\): required/],
    ['a workspace URL', { main: { workspace: 'https://bitbucket.org/acme' } }, /main\.workspace' \(Bitbucket Cloud provider 'main'\): 'https:\/\/bitbucket\.org\/acme' must be a workspace id/],
    ['a bad regex', { main: { workspace: 'acme', filters: { repoSlug: 'svc-(' } } }, /main\.filters\.repoSlug' \(Bitbucket Cloud provider 'main'\): 'svc-\(' is not a valid regular expression/],
    ['an unknown key', { main: { workspace: 'acme', catalogpath: '/x.yaml' } }, /catalogpath.*did you mean 'catalogPath'/],
    ['an unknown filter', { main: { workspace: 'acme', filters: { project: 'X' } } }, /main\.filters.*project/],
    ['a page length over 100', { main: { workspace: 'acme', pagelen: 500 } }, /main\.pagelen' \(Bitbucket Cloud provider 'main'\): expected a whole number from 1 to 100, got 500/],
    ['a catalogPath naming a directory', { main: { workspace: 'acme', catalogPath: '/services/' } }, /main\.catalogPath' \(Bitbucket Cloud provider 'main'\): must name a file/],
    ['a schedule without frequency', { main: { workspace: 'acme', schedule: { timeout: { minutes: 3 } } } }, /main\.schedule' \(Bitbucket Cloud provider 'main'\).*frequency/],
    ['a non-object provider', { main: 'acme' }, /'catalog\.providers\.bitbucketCloud\.main': expected a provider object with at least 'workspace'/],
  ] as Array<[string, JsonValue, RegExp]>)('fails at startup on %s, naming the key and the provider', (_case, providers, message) => {
    expect(() => load(providers)).toThrow(message);
  });

  it('fails at startup when no integrations.bitbucketCloud is configured, naming the provider', () => {
    expect(() => load({ main: { workspace: 'acme' } }, { bitbucketServer: [{ host: 'bitbucket.example.com' }] })).toThrow(
      "Invalid config at 'catalog.providers.bitbucketCloud.main' (Bitbucket Cloud provider 'main'): no integrations.bitbucketCloud entry is configured",
    );
    expect(load({ main: { workspace: 'acme' } })).toHaveLength(1);
  });

  it('a host key is refused: @backstage/integration serves Bitbucket Cloud on bitbucket.org only', () => {
    expect(() => load({ main: { workspace: 'acme', host: 'bitbucket.example.org' } })).toThrow(/main.*host/);
  });

  it('falls back to the half-hourly default schedule when neither code nor config gives one', () => {
    const definitions: unknown[] = [];
    const scheduler = { createScheduledTaskRunner: (definition: unknown) => (definitions.push(definition), manualTaskRunner()) };
    BitbucketCloudEntityProvider.fromConfig(new ConfigReader({ integrations, catalog: { providers: { bitbucketCloud: { workspace: 'acme' } } } }), {
      logger: captureLogger(),
      scheduler: scheduler as never,
    });
    expect(definitions).toEqual([DEFAULT_DISCOVERY_SCHEDULE]);
  });
});
