// Ends a jest run with the plain 'N passed, N failed' line that CI reads in any language, after the
// 'Skipped: ...' warnings of test files that skipped themselves (tests needing PostgreSQL and Redis):
// jest's default reporter does not print the console output of a file whose tests were all skipped.
class PlainSummaryReporter {
  constructor() {
    this.skipMessages = [];
  }

  onTestResult(_test, result) {
    for (const entry of result.console ?? []) {
      if (entry.type === 'warn' && entry.message.startsWith('Skipped:') && !this.skipMessages.includes(entry.message)) {
        this.skipMessages.push(entry.message);
      }
    }
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    for (const message of this.skipMessages) {
      process.stdout.write(`${message}\n`);
    }
    process.stdout.write(
      `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed` +
        `${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}

module.exports = PlainSummaryReporter;
