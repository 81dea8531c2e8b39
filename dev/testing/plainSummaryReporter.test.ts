// eslint-disable-next-line @typescript-eslint/no-require-imports
const PlainSummaryReporter = require('./plainSummaryReporter');

function run(consoleEntries: Array<{ type: string; message: string }>, counts = { numPassedTests: 3, numFailedTests: 0, numPendingTests: 5, numTodoTests: 0 }) {
  const reporter = new PlainSummaryReporter();
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    written.push(String(chunk));
    return true;
  });
  try {
    reporter.onTestResult({}, { console: consoleEntries });
    reporter.onTestResult({}, { console: undefined });
    reporter.onRunComplete(new Set(), counts);
  } finally {
    write.mockRestore();
  }
  return written.join('');
}

describe('PlainSummaryReporter', () => {
  it("repeats a skipped file's 'Skipped:' warning before the summary line, which jest's default reporter would not show", () => {
    const skip = 'Skipped: The multi-replica tests (dev/replicas.test.ts) need PostgreSQL and Redis: ... not set.';
    expect(run([{ type: 'warn', message: skip }, { type: 'log', message: 'Skipped: not a warning' }, { type: 'warn', message: 'other' }])).toBe(
      `${skip}\njest: 3 passed, 0 failed, 5 skipped\n`,
    );
  });

  it('prints the summary alone when nothing skipped itself', () => {
    expect(run([], { numPassedTests: 2, numFailedTests: 1, numPendingTests: 0, numTodoTests: 0 })).toBe('jest: 2 passed, 1 failed\n');
  });
});
