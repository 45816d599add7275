// `npm run figures`: writes the README's figures (between `<!-- figures:start -->` and
// `<!-- figures:end -->`) from what the measuring scripts left behind, each with the day it was
// measured:
//   coverage/coverage-summary.json        from `npm run coverage` (every test but the README's, which checks these figures)
//   reports/mutation-core/mutation.json   from `npm run mutate:core` (and reports/mutation/ from `npm run mutate`)
//   the output of `npm run bench`, run here (with the environment it is given: BENCH_RUNS,
//   BENCH_COLD_RUNS, BENCH_BASELINE_REV, and BENCH_GHA_AUTH_DIST for the comparison with
//   google-github-actions/auth, which the bench skips, saying so, when it is not set)
// A report that is missing keeps the README's row from the last time it was measured (with that
// day), or is named with the command that makes it; nothing is made up.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { replaceSection } from './action-docs.ts';
import { mutationScores, type MutationReport } from './mutation-score.ts';

const day = (file: string): string => statSync(file).mtime.toISOString().slice(0, 10);
const pct = (value: number): string => `${value.toFixed(1)} %`;

interface CoverageTotals {
  readonly total: Record<'lines' | 'statements' | 'functions' | 'branches', { readonly pct: number }>;
}

const readme = readFileSync('README.md', 'utf8');

/** The README's rows whose measure starts with `what`, as last recorded (each with its day). */
function recordedRows(what: string): string[] {
  return readme.split('\n').filter((line) => line.startsWith(`| ${what}`) && !line.includes('| not measured: run'));
}

function missing(what: string, command: string): string[] {
  const recorded = recordedRows(what);
  return recorded.length > 0 ? recorded : [`| ${what} | not measured: run \`${command}\` | | |`];
}

function coverageRows(): string[] {
  const file = 'coverage/coverage-summary.json';
  if (!existsSync(file)) return missing('coverage of src/', 'npm run coverage');
  const { total } = JSON.parse(readFileSync(file, 'utf8')) as CoverageTotals;
  return [
    `| coverage of src/, every test but the README's | lines ${pct(total.lines.pct)}, branches ${pct(total.branches.pct)}, functions ${pct(total.functions.pct)}; in the test process only: run.ts, post.ts, verify.ts and the entries run as the bundle in the end-to-end tests' child processes, which it does not see | ${day(file)} | \`npm run coverage\` |`,
  ];
}

function mutationRows(file: string, what: string, command: string): string[] {
  if (!existsSync(file)) return missing(what, command);
  const scores = mutationScores(JSON.parse(readFileSync(file, 'utf8')) as MutationReport);
  const perFile = scores.files.map((f) => `${f.file.replace(/^src\//, '')} ${pct(f.score)}`).join(', ');
  return [
    `| ${what} | ${pct(scores.total.score)} (${scores.total.detected} of ${scores.total.valid} mutants killed; ${scores.total.survived} survived, ${scores.total.noCoverage} uncovered) | ${day(file)} | \`${command}\` |`,
    `| ${what}, by file | ${perFile} | ${day(file)} | \`${command}\` |`,
  ];
}

const bench = execFileSync(process.execPath, ['scripts/bench.ts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

const body = [
  `Measured on this project's 2-core machine with Node ${process.versions.node}; regenerate with \`npm run figures\` after the commands named below.`,
  '',
  '| measure | figure | measured | by |',
  '|---|---|---|---|',
  ...coverageRows(),
  ...mutationRows('reports/mutation-core/mutation.json', 'mutation score, core modules', 'npm run mutate:core'),
  ...mutationRows('reports/mutation/mutation.json', 'mutation score, all of src/', 'npm run mutate'),
  '',
  `\`npm run bench\`, ${new Date().toISOString().slice(0, 10)}:`,
  '',
  // A table's title is the line just above it (notes come below their table).
  bench.replace(/^([^|\n].*)\n\n(?=\| )/gm, '**$1**\n\n'),
].join('\n');

writeFileSync('README.md', replaceSection(readme, 'figures', body));
console.log('README figures rewritten.');
