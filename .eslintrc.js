module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: { ecmaVersion: 2022, sourceType: 'module' },
  plugins: ['@typescript-eslint'],
  extends: ['eslint:recommended', 'plugin:@typescript-eslint/recommended'],
  env: { node: true, es2022: true, jest: true },
  ignorePatterns: ['dist/', 'node_modules/', '*.js'],
  rules: {
    'no-console': ['error', { allow: ['warn', 'error'] }],
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    eqeqeq: ['error', 'always'],
  },
  overrides: [
    { files: ['dev/**', 'bench/**'], rules: { 'no-console': 'off' } },
    {
      files: ['src/**/*.ts'],
      excludedFiles: ['**/*.test.ts'],
      rules: {
        'no-restricted-syntax': [
          'error',
          {
            // Measured in docs/performance.md ("Memory"): each such object got a hidden class of its
            // own in Node 20, allocated in the old generation, and the ICs reading it went megamorphic.
            selector: 'ObjectExpression > SpreadElement:first-child:not(:last-child)',
            message:
              'An object literal that starts with a spread and goes on gets a hidden class of its own each time it runs (V8 in Node 20): copy with Object.assign({}, x, { y }) instead (the same keys, later ones winning).',
          },
        ],
      },
    },
  ],
};
