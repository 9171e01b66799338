// A FerretDB and a Kafka of their own for the whole run (the tests stop and restart them),
// started before the first test file and stopped after the last, even when tests fail.
module.exports = {
  ...require('@crm/jest-config')(__dirname),
  globalSetup: '<rootDir>/src/global-setup.ts',
  globalTeardown: '<rootDir>/src/global-teardown.ts',
};
