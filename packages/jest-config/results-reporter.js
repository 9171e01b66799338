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
      failures: failuresOf(results),
      // Where CI's time goes: the workspace's wall time and its slowest files.
      seconds: Math.round((Date.now() - results.startTime) / 1000),
      startedAt: new Date(results.startTime).toISOString(),
      endedAt: new Date().toISOString(),
      slowest: longest(
        results.testResults.map((suite) => ({ file: path.relative(process.cwd(), suite.testFilePath), seconds: tenths(suite.perfStats.end - suite.perfStats.start) })),
        3,
      ),
      // The longest single tests: how close a slow machine brings them to their timeout.
      slowestTests: longest(
        results.testResults.flatMap((suite) =>
          suite.testResults.map((test) => ({ test: `${path.relative(process.cwd(), suite.testFilePath)} › ${test.fullName}`.slice(0, 160), seconds: tenths(test.duration ?? 0) })),
        ),
        5,
      ),
      // Every file's start and end, for a timeline of the run (which files overlap, what runs last).
      files: results.testResults.map((suite) => ({
        file: path.relative(process.cwd(), suite.testFilePath),
        startedAt: new Date(suite.perfStats.start).toISOString(),
        endedAt: new Date(suite.perfStats.end).toISOString(),
      })),
    };
    fs.writeFileSync(path.join(dir, `${this.name}.json`), JSON.stringify(summary, null, 2));
  }
}
/** Milliseconds as seconds with one decimal. */
const tenths = (ms) => Math.round(ms / 100) / 10;
/** The `count` items with the most seconds, most first. */
const longest = (items, count) => items.sort((a, b) => b.seconds - a.seconds).slice(0, count);
/** One line per failed test (or suite that did not run): file, name and the error's first line. */
function failuresOf(results) {
  return results.testResults.flatMap((suite) => {
    const file = path.relative(process.cwd(), suite.testFilePath);
    const failed = suite.testResults.filter((test) => test.status === 'failed');
    if (failed.length === 0 && (suite.testExecError || suite.numFailingTests > 0 || suite.failureMessage)) return [`${file}: ${firstLine(suite.testExecError?.message ?? suite.failureMessage)}`];
    return failed.map((test) => `${file} › ${test.fullName}: ${firstLine(test.failureMessages.join('\n'))}`);
  });
}
const firstLine = (text = '') =>
  text
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line && !line.startsWith('●'))
    ?.slice(0, 600) ?? '';

module.exports = ResultsReporter;
