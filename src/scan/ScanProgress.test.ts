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
    progress.candidateFound();
    progress.answerReused(false);
    progress.stats.requestStarted();
    progress.stats.requestEnded();

    jest.advanceTimersByTime(3500);
    const summary = progress.finish({ resumed: true, complete: false, broken: [], remaining: 3, locationsEmitted: 1 });
    jest.advanceTimersByTime(5000);

    const messages = logger.lines.map(l => l.message);
    expect(messages[0]).toBe('Scanning');
    expect(messages.filter(m => m.startsWith('Scan in progress'))).toHaveLength(3);
    // A reused answer is not a check: counted apart, so the progress line does not overstate the requests.
    expect(messages[1]).toMatch(/1 repositories seen, 2 candidates: 1 checked, 1 answered from state, 0 broken; 1 repositories with a catalog file, 1 requests/);
    expect(summary).toMatchObject({ resumed: true, remaining: 3, repositoriesSeen: 1, candidates: 2, checked: 1, reused: 1, catalogFilesFound: 1, locationsEmitted: 1 });
    expect(summary.requests).toMatchObject({ requests: 1, peakInFlight: 1 });
  });
});
