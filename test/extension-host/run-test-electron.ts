/**
 * On a machine that can download VS Code: run the extension-host suite with
 * @vscode/test-electron (`node --import tsx test/extension-host/run-test-electron.ts`
 * after `node test/e2e/build-suite.mjs`). Offline, test/e2e/run.mjs runs the
 * same suite inside code-server instead.
 */
import { runTests } from '@vscode/test-electron';
import { join } from 'node:path';

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..');
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'extension-host', 'suite', 'index.js'),
    launchArgs: [join(root, 'samples', 'smp-demo'), '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
