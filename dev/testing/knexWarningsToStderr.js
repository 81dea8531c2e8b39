// knex prints its own messages (warnings, deprecations) with console.log when given no logger, and
// neither TestDatabases nor backend-defaults gives it one. The catalog's processing engine does not
// wait for its tasks in flight when a backend stops, so one of them can warn (a connection it waited
// for) after jest has torn the test file's console down; jest then sets the run's exit code to 1
// without a failing test. So in tests all of knex's own output goes straight to stderr, labelled
// with the test file: it still shows, and decides nothing. Any other late console call still fails
// the run, and a logger the app gives knex is used as before.
const { inspect } = require('node:util');
const Logger = require('knex/lib/logger');

const testPath = expect.getState().testPath;
const log = Logger.prototype._log;
Logger.prototype._log = function logToStderr(message, userFn, colorFn) {
  if (userFn != null) {
    return log.call(this, message, userFn, colorFn);
  }
  const text = typeof message === 'string' ? message : inspect(message, { depth: this._inspectionDepth });
  process.stderr.write(`knex (${testPath}): ${text}\n`);
  return undefined;
};
