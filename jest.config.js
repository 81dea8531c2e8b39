// msw 2.x depends on a few ESM-only packages; jest must transform them, including
// nested copies under node_modules/msw/node_modules.
const esm = ['rettime', 'until-async', '@open-draft/deferred-promise'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/dev', '<rootDir>/bench'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$|^.+\\.mjs$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(?:.*/node_modules/)?(?:${esm.join('|')})/)`],
  moduleNameMapper: {
    // The demo backend imports the package by name, as a user would.
    '^backstage-plugin-catalog-backend-module-bitbucket-discovery$': '<rootDir>/src/index.ts',
    '^backstage-plugin-catalog-backend-module-bitbucket-discovery/webhooks$': '<rootDir>/src/webhooksFeature.ts',
  },
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/dev/testing/knexWarningsToStderr.js'],
  reporters: ['default', '<rootDir>/dev/testing/plainSummaryReporter.js'],
};
