import { captureLogger } from '../../dev/testing/captureLogger';
import { ScanProgress } from './ScanProgress';

describe('ScanProgress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs progress at a steady cadence until the scan finishes', () => {
    const logger = captureLogger();
    const progress = new ScanProgress(logger, 1000);
    progress.start('Scanning');
    progress.repositorySeen();
    progress.candidateFound();
    progress.candidateChecked(true);
    progress.stats.requestStarted();
    progress.stats.requestEnded();

    jest.advanceTimersByTime(3500);
    const summary = progress.finish(1);
    jest.advanceTimersByTime(5000);

    const messages = logger.lines.map(l => l.message);
    expect(messages[0]).toBe('Scanning');
    expect(messages.filter(m => m.startsWith('Scan in progress'))).toHaveLength(3);
    expect(messages[1]).toMatch(/1 repositories seen, 1\/1 candidates checked, 1 catalog files found, 1 requests/);
    expect(summary).toMatchObject({ repositoriesSeen: 1, candidates: 1, catalogFilesFound: 1, locationsEmitted: 1 });
    expect(summary.requests).toMatchObject({ requests: 1, peakInFlight: 1 });
  });
});
