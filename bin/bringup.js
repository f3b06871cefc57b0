#!/usr/bin/env node
// Entry point of the headless runner; the bundle is built by `npm run build` (also on `npm ci`).
require('../dist/cli.js').runAsProcess();
