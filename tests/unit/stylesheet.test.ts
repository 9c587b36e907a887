import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// A rule left open (as a merge can leave one) silently swallows every rule after it into its block:
// the build accepts it as nesting, and half the screens lose their layout. Our stylesheets nest only
// inside at-rules, so every style rule must close before the next one opens.
const STYLES = resolve(__dirname, '../../src-renderer/styles');

function problemsOf(css: string): string[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (s) => s.replace(/[{}]/g, ' '));
  const problems: string[] = [];
  const open: { prelude: string; line: number }[] = [];
  let prelude = '';
  let line = 1;
  for (const ch of text) {
    if (ch === '\n') line += 1;
    if (ch === '{') {
      const parent = open.at(-1);
      if (parent && !parent.prelude.startsWith('@')) problems.push(`line ${line}: "${prelude.trim()}" opens inside the rule "${parent.prelude}" of line ${parent.line}, which never closed`);
      open.push({ prelude: prelude.trim(), line });
      prelude = '';
    } else if (ch === '}') {
      if (!open.pop()) problems.push(`line ${line}: a } closes nothing`);
      prelude = '';
    } else if (ch === ';') {
      prelude = '';
    } else {
      prelude += ch;
    }
  }
  for (const block of open) problems.push(`line ${block.line}: "${block.prelude}" never closes`);
  return problems;
}

describe('the stylesheets', () => {
  const files = readdirSync(STYLES).filter((name) => name.endsWith('.css'));

  it.each(files)('%s closes every rule before the next opens', (name) => {
    expect(problemsOf(readFileSync(join(STYLES, name), 'utf8'))).toEqual([]);
  });

  it('finds a rule left open', () => {
    expect(problemsOf('.a {\n  color: red;\n.b {\n  color: blue;\n}\n')).toEqual([
      'line 3: ".b" opens inside the rule ".a" of line 1, which never closed',
      'line 1: ".a" never closes',
    ]);
    expect(problemsOf('@media (min-width: 10px) {\n  .a { color: red; }\n}\n')).toEqual([]);
  });
});
