// The README and action.yml cannot drift, and the README keeps its promises to a newcomer.
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAction, renderReadme } from '../scripts/action-docs.ts';
import { GATE_REASONS } from '../src/gate/gate.ts';

const readme = readFileSync('README.md', 'utf8');
const action = readAction('action.yml');

describe('README', () => {
  it('has inputs and outputs tables equal to action.yml (run `npm run docs` to regenerate)', () => {
    expect(renderReadme(readme, action)).toBe(readme);
  });

  it('lists every input and output of action.yml, and nothing else', () => {
    const section = (name: string): string =>
      new RegExp(`<!-- ${name}:start[^>]*-->([\\s\\S]*?)<!-- ${name}:end -->`).exec(readme)?.[1] ?? '';
    const inputs = [...(section('inputs') + section('outputs')).matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(inputs)).toEqual(new Set([...Object.keys(action.inputs), ...Object.keys(action.outputs)]));
  });

  it('starts with the two commands: the local demo, then install-and-test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.replace(/\s+#.*$/, ''));
    expect(commands).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm ci[\s\S]*npm test/);
  });

  it('documents every gate reason code the action can output', () => {
    for (const reason of GATE_REASONS) {
      expect(readme).toContain(`\`${reason}\``);
    }
  });

  it('records figures with the day they were measured, and bundle sizes that are still true (run `npm run figures`)', () => {
    const figures = /<!-- figures:start -->\n([\s\S]*?)<!-- figures:end -->/.exec(readme)?.[1] ?? '';
    expect(figures).toMatch(/mutation score, core modules \| \d+\.\d %/);
    expect(figures).toMatch(/coverage of src\/, every test but the README's \| lines \d+\.\d %/);
    expect(figures).toMatch(/`npm run bench`, \d{4}-\d{2}-\d{2}:/);
    const sizes = [...figures.matchAll(/^\| dist\/(main|post)\/index\.js \| ([\d.]+) KiB \|/gm)];
    expect(sizes.map((m) => m[1])).toEqual(['main', 'post']);
    for (const [, name, kib] of sizes) {
      const actual = statSync(`dist/${name}/index.js`).size / 1024;
      // Within 10 %: a small change need not regenerate the README, a bundle that grew does.
      expect(Math.abs(actual - Number(kib)) / actual, `dist/${name}/index.js is ${actual.toFixed(1)} KiB`).toBeLessThan(0.1);
    }
  });

  it('records what the bench compares: the 800 KB budget, what a tag downloads, the cold start and full runs beside a baseline', () => {
    const figures = /<!-- figures:start -->\n([\s\S]*?)<!-- figures:end -->/.exec(readme)?.[1] ?? '';
    expect(figures).toMatch(/^\| main \+ post \(budget: 800 KB = 800,000 bytes\) \| [\d.]+ KiB = [\d,]+ bytes: within the budget \|/m);
    expect(figures).toMatch(/^\| \w+: [\w +]+ \(\d+ bundles\) \| [\d.]+ KiB = [\d,]+ bytes \|/m);
    expect(figures).toMatch(/^\*\*What a job downloads for `uses: owner\/repo@tag`.*\*\*$/m);
    expect(figures).toMatch(/^\*\*Cold start on an input error, \d+ runs each, interleaved .*\*\*$/m);
    expect(figures).toMatch(/^\| this action, dist\/main\/index\.js: `timeout-seconds: abc` \| \d+ ms \|/m);
    expect(figures).toMatch(/^\*\*Wall time of full local runs, dist\/ beside the bundles of \w+, \d+ runs each, interleaved .*\*\*$/m);
    expect(figures).toMatch(/^\| full run: main \+ post \| \d+ ms \(\d+–\d+\) \| \d+ ms \(\d+–\d+\) \| \d+\.\d\d \|$/m);
    // The budget holds for the bundles as they are now, not only as recorded.
    const total = statSync('dist/main/index.js').size + statSync('dist/post/index.js').size;
    expect(total, `dist/main + dist/post is ${total} bytes`).toBeLessThanOrEqual(800_000);
  });
});
