// Runs the whole mocha suite. Kept as a script so that `npm test` has one
// place to grow (guest builds before the run, for example).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (existsSync('scripts/build-test-guests.mjs')) {
  const guests = spawnSync(process.execPath, ['scripts/build-test-guests.mjs'], { stdio: 'inherit' });
  if (guests.status !== 0) process.exit(guests.status ?? 1);
}
const mocha = spawnSync(process.execPath, ['node_modules/mocha/bin/mocha.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(mocha.status ?? 1);
