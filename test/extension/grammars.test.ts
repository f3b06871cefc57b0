import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('extension: TextMate grammars (vscode-tmgrammar-test)', () => {
  it('NASM, GNU as (AT&T + cpp) and disassembly fixtures pass', () => {
    const bin = join(root, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js');
    const r = spawnSync(process.execPath, [bin, '-g', 'syntaxes/nasm.tmLanguage.json', '-g', 'syntaxes/gas.tmLanguage.json', '-g', 'syntaxes/disasm.tmLanguage.json', 'test/extension/grammar-fixtures/*'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal((r.stdout.match(/run successfuly/g) ?? []).length, 3, r.stdout);
  });

  it('every grammar is valid JSON with the scope name package.json declares', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const g of pkg.contributes.grammars) {
      const grammar = JSON.parse(readFileSync(join(root, g.path), 'utf8'));
      assert.equal(grammar.scopeName, g.scopeName);
    }
  });
});
