// Bundles the extension-host suite to out/extension-host/suite/index.js (vscode external).
import { build } from 'esbuild';
await build({
  entryPoints: { index: 'test/extension-host/suite/index.ts' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'out/extension-host/suite',
  external: ['vscode', 'mocha'],
  sourcemap: true,
  logLevel: 'warning',
});
