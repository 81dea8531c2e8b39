import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { readRescanConfig, RESCAN_DEFAULTS } from './readRescanConfig';

const read = (rescans: JsonObject) => readRescanConfig(new ConfigReader({ catalog: { bitbucketDiscovery: { rescans } } }));

describe('readRescanConfig', () => {
  it('defaults to an 8 s wait and 50 rescans in flight', () => {
    expect(readRescanConfig(new ConfigReader({}))).toEqual(RESCAN_DEFAULTS);
    expect(RESCAN_DEFAULTS).toEqual({ answerWithinMs: 8_000, maxInFlight: 50 });
  });

  it('reads both keys', () => {
    expect(read({ answerWithin: '2s', maxInFlight: 5 })).toEqual({ answerWithinMs: 2_000, maxInFlight: 5 });
  });

  it('refuses values out of range and unknown keys, naming the key', () => {
    expect(() => read({ answerWithin: { seconds: 30 } })).toThrow("Invalid config at 'catalog.bitbucketDiscovery.rescans.answerWithin'");
    expect(() => read({ maxInFlight: 0 })).toThrow("Invalid config at 'catalog.bitbucketDiscovery.rescans.maxInFlight'");
    expect(() => read({ maxInflight: 3 })).toThrow("Unknown config key 'catalog.bitbucketDiscovery.rescans.maxInflight'; did you mean 'maxInFlight'?");
  });
});
