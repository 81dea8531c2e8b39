import { captureLogger } from '../dev/testing/captureLogger';
import { ScanProgress } from '../src/scan/ScanProgress';
import { parseScanCounts } from './parseScanCounts';

describe('parseScanCounts', () => {
  it("reads the counts from the line the module logs when a scan completes", () => {
    const progress = new ScanProgress(captureLogger());
    for (let i = 0; i < 7; i++) {
      progress.stats.requestStarted();
      progress.stats.requestEnded();
    }
    progress.stats.retried();
    progress.stats.retried();
    progress.stats.rateLimitedAnswer();
    progress.stats.serverErrorAnswer();
    const line = `Scan of workspace acme complete, 3 locations: ${progress.describe()}`;

    expect(parseScanCounts(['Scanning Bitbucket Cloud workspace acme', line])).toEqual({
      requests: 7,
      retries: 2,
      rateLimited: 1,
      serverErrors: 1,
    });
  });

  it('says nothing when no scan completed', () => {
    expect(parseScanCounts([])).toBeUndefined();
    expect(parseScanCounts(['Scan in progress: 1 requests, 0 retries, 0 rate limited (429), 0 server errors'])).toBeUndefined();
  });
});
