// Preloaded (`node -r`) into a replica process that a jest test starts: lets it run the TypeScript
// sources as jest does (@swc/core, CommonJS), the package's own entry points mapped to src/ as in
// jest.config.js. `npm start` runs the tsc build instead and does not load this file.
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const packageName = require(join(root, 'package.json')).name;
const packageEntries = {
  [packageName]: join(root, 'src', 'index.ts'),
  [`${packageName}/webhooks`]: join(root, 'src', 'webhooksFeature.ts'),
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, packageEntries[request] ?? request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
