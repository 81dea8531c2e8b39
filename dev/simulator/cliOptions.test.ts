import { parseSimulatorArguments } from './cliOptions';

describe('parseSimulatorArguments', () => {
  it('reads every option', () => {
    expect(
      parseSimulatorArguments([
        '--product', 'cloud', '--projects', '5', '--repositories', '100', '--latency', '20', '--failure-rate', '0.1',
        '--rate-limit', '50:100', '--quota', '1000:3600', '--catalog-file-ratio', '0.3', '--seed', '9', '--workspace', 'corp', '--token', 't',
      ]),
    ).toEqual({
      product: 'cloud',
      projects: 5,
      repositories: 100,
      catalogFileRatio: 0.3,
      catalogPath: undefined,
      seed: 9,
      workspace: 'corp',
      token: 't',
      port: undefined,
      faults: {
        latencyMs: 20,
        failureRate: 0.1,
        seed: 9,
        rateLimit: { perSecond: 50, burst: 100 },
        quota: { requests: 1000, windowSeconds: 3600 },
      },
    });
  });

  it.each([
    ['none', { retryAfter: false }],
    ['datacenter', { retryAfter: true, bucketHeaders: true }],
  ])('reads which rate-limit headers the bucket sends: %s', (headers, expected) => {
    const options = parseSimulatorArguments(['--product', 'server', '--projects', '1', '--repositories', '1', '--rate-limit', `5:10:${headers}`]);
    expect(options.faults.rateLimit).toEqual({ perSecond: 5, burst: 10, ...expected });
  });

  it.each([
    [['--product', 'server', '--projects', '1', '--repositories', '1', '--rate-limit', '5:10:some'], /PER_SECOND:BURST/],
    [['--projects', '1', '--repositories', '1'], /--product/],
    [['--product', 'server', '--repositories', '1'], /--projects is required/],
    [['--product', 'server', '--projects', 'x', '--repositories', '1'], /--projects must be/],
    [['--product', 'server', '--projects', '1', '--repositories', '1', '--rate-limit', '5'], /PER_SECOND:BURST/],
    [['--product', 'cloud', '--projects', '1', '--repositories', '1', '--quota', '1000'], /REQUESTS:WINDOW_SECONDS/],
    [['--product', 'cloud', '--projects', '1', '--repositories', '1', '--quota', '10:0'], /REQUESTS:WINDOW_SECONDS/],
    [['--product', 'server', '--projects', '1', '--repositories', '1', '--quota', '10:60'], /Cloud only/],
    [['--product', 'server', '--bogus'], /bogus/],
  ])('rejects %j', (args, message) => {
    expect(() => parseSimulatorArguments(args)).toThrow(message);
  });
});
