import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { readCloudProviderConfigs } from '../cloud/readCloudProviderConfigs';
import { readProcessorConfig } from '../cloud/readProcessorConfig';
import { readProviderConfigs } from '../server/readProviderConfigs';

const server = (entry: JsonObject) =>
  readProviderConfigs(new ConfigReader({ catalog: { providers: { bitbucketServer: { main: { host: 'bitbucket.example.com', ...entry } } } } }))[0];
const cloud = (entry: JsonObject) => readCloudProviderConfigs(new ConfigReader({ catalog: { providers: { bitbucketCloud: { main: { workspace: 'acme', ...entry } } } } }))[0];
const processor = (section: JsonObject) => readProcessorConfig(new ConfigReader({ catalog: { processors: { bitbucketCloudDiscovery: section } } }));

describe.each([
  ['a Server provider', (entry: JsonObject) => server(entry).maxStalenessMs, /'catalog\.providers\.bitbucketServer\.main\.maxStaleness' \(Bitbucket Server provider 'main'\)/],
  ['a Cloud provider', (entry: JsonObject) => cloud(entry).maxStalenessMs, /'catalog\.providers\.bitbucketCloud\.main\.maxStaleness' \(Bitbucket Cloud provider 'main'\)/],
  ['the Cloud processor', (section: JsonObject) => processor(section).maxStalenessMs, /'catalog\.processors\.bitbucketCloudDiscovery\.maxStaleness' \(Bitbucket Cloud discovery processor\)/],
])('maxStaleness of %s', (_what, maxStaleness, key) => {
  it('defaults to zero without a webhook secret: every catalog read asks Bitbucket, as before', () => {
    expect(maxStaleness({})).toBe(0);
  });

  it('defaults to unbounded with a webhook secret: webhooks and passes keep the files current', () => {
    expect(maxStaleness({ webhookSecret: 's' })).toBe(Infinity);
  });

  it('reads a duration in both forms, zero included', () => {
    expect(maxStaleness({ maxStaleness: '10m' })).toBe(600_000);
    expect(maxStaleness({ maxStaleness: { hours: 1 }, webhookSecret: 's' })).toBe(3_600_000);
    expect(maxStaleness({ maxStaleness: '0s', webhookSecret: 's' })).toBe(0);
  });

  it.each([
    ['a negative duration', { minutes: -1 }, /must not be negative/],
    ['a duration without a unit', 300, /expected a duration/],
    ['a misspelt unit', { mins: 5 }, /expected a duration/],
  ])('fails at startup on %s, naming the key', (_case, value, problem) => {
    expect(() => maxStaleness({ maxStaleness: value })).toThrow(key);
    expect(() => maxStaleness({ maxStaleness: value })).toThrow(problem);
  });
});
