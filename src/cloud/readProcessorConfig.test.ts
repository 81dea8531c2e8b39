import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { captureLogger } from '../../dev/testing/captureLogger';
import { BitbucketCloudDiscoveryProcessor } from './BitbucketCloudDiscoveryProcessor';
import { CLOUD_DEFAULTS, readProcessorConfig } from './readProcessorConfig';

function load(processor: JsonValue) {
  const config = new ConfigReader({ catalog: { processors: { bitbucketCloudDiscovery: processor } } });
  return BitbucketCloudDiscoveryProcessor.fromConfig(config, { logger: captureLogger() });
}

describe('readProcessorConfig', () => {
  it('uses the documented defaults when nothing is configured', () => {
    expect(readProcessorConfig(new ConfigReader({}))).toEqual({
      cacheTtlMs: 1_800_000,
      concurrency: 10,
      requestTimeoutMs: 30_000,
      maxFilesPerRepository: 5000,
      allowUnsignedWebhooks: false,
      maxStalenessMs: 0,
    });
    expect(readProcessorConfig(new ConfigReader({}))).toEqual(CLOUD_DEFAULTS);
  });

  it('reads durations in both forms', () => {
    const config = new ConfigReader({
      catalog: { processors: { bitbucketCloudDiscovery: { cacheTtl: { minutes: 5 }, requestTimeout: '500ms', concurrency: 4 } } },
    });
    expect(readProcessorConfig(config)).toEqual({ cacheTtlMs: 300_000, concurrency: 4, requestTimeoutMs: 500, maxFilesPerRepository: 5000, allowUnsignedWebhooks: false, maxStalenessMs: 0 });
  });

  const key = 'catalog\\.processors\\.bitbucketCloudDiscovery';
  it.each([
    ['a typo in cacheTtl', { cachettl: '5m' }, new RegExp(`Unknown config key '${key}\\.cachettl'; did you mean 'cacheTtl'\\?`)],
    ['a wrongly capitalised key', { RequestTimeout: '5s' }, new RegExp(`Unknown config key '${key}\\.RequestTimeout'; did you mean 'requestTimeout'\\?`)],
    ['a key it does not have', { pageSize: 50 }, new RegExp(`Unknown config key '${key}\\.pageSize'.*Known keys: cacheTtl, concurrency, requestTimeout`)],
    ['a zero concurrency', { concurrency: 0 }, new RegExp(`'${key}\\.concurrency' \\(Bitbucket Cloud discovery processor\\): expected a whole number from 1 to 64, got 0`)],
    ['a concurrency above 64', { concurrency: 65 }, new RegExp(`'${key}\\.concurrency'.*got 65`)],
    ['a fractional concurrency', { concurrency: 2.5 }, new RegExp(`'${key}\\.concurrency'.*got 2\\.5`)],
    ['a concurrency that is not a number', { concurrency: 'ten' }, new RegExp(`'${key}\\.concurrency'.*to a number`)],
    ['an unreadable request timeout', { requestTimeout: 'soon' }, new RegExp(`'${key}\\.requestTimeout' \\(Bitbucket Cloud discovery processor\\): expected a duration`)],
    ['a zero request timeout', { requestTimeout: '0s' }, new RegExp(`'${key}\\.requestTimeout'.*must be longer than zero`)],
    ['a negative time-to-live', { cacheTtl: { minutes: -5 } }, new RegExp(`'${key}\\.cacheTtl'.*must be longer than zero`)],
    ['a time-to-live with a misspelt unit', { cacheTtl: { mins: 5 } }, new RegExp(`'${key}\\.cacheTtl'.*expected a duration`)],
    ['a time-to-live without a unit', { cacheTtl: 300 }, new RegExp(`'${key}\\.cacheTtl'.*expected a duration`)],
    ['a section that is not an object', 'fast', new RegExp(`'${key}'.*got string, wanted object`)],
  ] as Array<[string, JsonValue, RegExp]>)('fails at startup on %s, naming the key', (_case, processor, message) => {
    expect(() => load(processor)).toThrow(message);
  });
});
