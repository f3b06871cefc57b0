// Runs the whole mocha suite: bundles dist/ first (CLI and adapter tests run
// the bundles as users do), assembles the NASM test guests, then mocha. The
// summary reporter ends the output with `tests: N passed, M failed`.
import { spawnSync } from 'node:child_process';

function step(args) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

step(['scripts/build.mjs']);
step(['scripts/build-test-guests.mjs']);
const mocha = spawnSync(process.execPath, ['node_modules/mocha/bin/mocha.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(mocha.status ?? 1);
