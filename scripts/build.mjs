// Bundles the extension, the debug adapter and the headless CLI with esbuild.
// Every runtime dependency is bundled, so the .vsix ships no node_modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'extension/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'debug-adapter/main.ts', out: 'debugAdapter', external: [] },
  { in: 'cli/main.ts', out: 'cli', external: [] },
  { in: 'language-server/main.ts', out: 'languageServer', external: [] },
];

const production = process.argv.includes('--production');
for (const entry of entries) {
  if (!existsSync(entry.in)) continue;
  await build({
    entryPoints: { [entry.out]: entry.in },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: 'dist',
    sourcemap: true,
    minify: production,
    external: entry.external,
    logLevel: 'warning',
  });
}
