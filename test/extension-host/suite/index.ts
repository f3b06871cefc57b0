/**
 * Extension-host integration suite, @vscode/test-electron layout: the
 * extension host loads this module through `extensionTestsPath` and calls
 * run(). Bundled to out/extension-host/suite/index.js by
 * test/e2e/build-suite.mjs. Writes test-results/extension-host.json too, so
 * the offline harness (code-server) can report the individual tests.
 */
import Mocha from 'mocha';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSuite } from './bringup.eh';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'bringup', mocha);
  registerSuite();
  const results: { title: string; state: string; error?: string }[] = [];
  const out = process.env.BRINGUP_TEST_RESULTS ?? join(__dirname, '..', '..', '..', 'test-results');
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      try {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'extension-host.json'), JSON.stringify({ failures, results }, null, 2));
      } catch { /* results file is a convenience */ }
      if (failures > 0) reject(new Error(`${failures} extension-host tests failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed' }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }));
  });
}
