// Writes each workspace's totals to $JEST_RESULTS_DIR/<name>.json so CI can add them up.
const fs = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  constructor(_globalConfig, options) {
    this.name = options.name;
  }
  onRunComplete(_contexts, results) {
    const dir = process.env.JEST_RESULTS_DIR;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    const summary = {
      name: this.name,
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests,
      numTotalTests: results.numTotalTests,
      numFailedTestSuites: results.numFailedTestSuites,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
      success: results.success,
    };
    fs.writeFileSync(path.join(dir, `${this.name}.json`), JSON.stringify(summary, null, 2));
  }
}
module.exports = ResultsReporter;
