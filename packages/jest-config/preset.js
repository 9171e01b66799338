// Shared jest preset: TypeScript through swc (no type check here; `typecheck` does that),
// .graphql files as strings (as tsup bundles them), one JSON result file per workspace for CI.
const path = require('node:path');

/**
 * @param {string} dir the workspace directory (pass __dirname)
 * @param {{ broker?: boolean, sharedStack?: boolean }} [options] broker: the tests use Kafka, so make sure every topic exists first;
 *   sharedStack: that too, then start one stack for the run's files that call `useStack()` (@crm/testing)
 */
module.exports = function preset(dir, options = {}) {
  const name = require(path.join(dir, 'package.json')).name.replace(/^@crm\//, '');
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
      '^.+\\.graphql$': require.resolve('./graphql-transform.js'),
    },
    moduleFileExtensions: ['ts', 'js', 'json', 'graphql'],
    // Above waitFor's default (45 s), so a wait that runs out says what it waited for.
    testTimeout: 120_000,
    reporters: ['default', [require.resolve('./results-reporter.js'), { name }]],
    ...(options.broker && { globalSetup: require.resolve('@crm/messaging/src/testing/global-setup.ts') }),
    // One stack (four subgraphs and the gateway) for every file that asks for the plain one.
    ...(options.sharedStack && {
      globalSetup: require.resolve('@crm/testing/src/jest/shared-stack-setup.ts'),
      globalTeardown: require.resolve('@crm/testing/src/jest/shared-stack-teardown.ts'),
    }),
  };
};
