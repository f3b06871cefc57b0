// Mocha's spec reporter plus one closing line that CI reads:
// "tests: N passed, M failed" (so a run that executed no test is visible).
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    runner.on(EVENT_TEST_PASS, () => passed++);
    runner.on(EVENT_TEST_FAIL, () => failed++);
    runner.on(EVENT_TEST_PENDING, () => skipped++);
    runner.once(EVENT_RUN_END, () => {
      // Printed after the spec reporter's epilogue.
      setImmediate(() => {
        const skippedPart = skipped > 0 ? `, ${skipped} skipped` : '';
        process.stdout.write(`tests: ${passed} passed, ${failed} failed${skippedPart}\n`);
      });
    });
  }
}
module.exports = SummaryReporter;
