// `npm run bench`: what the action weighs and how fast it runs, each beside a reference measured in
// the same run:
//   - bundle sizes: dist/main (the main step and the renewal process) plus dist/post, against the
//     800 KB budget and the bundles of a baseline commit;
//   - what a job downloads for `uses: owner/repo@tag`: the repository's tree as a tarball, at HEAD
//     and at the baseline commit;
//   - the main step's cold start on an input error, interleaved with google-github-actions/auth's
//     on its own input error (their bundle is another project's code and is never committed: it is
//     read from BENCH_GHA_AUTH_DIST, and the comparison is skipped without it);
//   - full local runs (main + post) against the loopback stand-ins, interleaved with the same runs
//     of the baseline commit's bundles taken from git (BENCH_BASELINE_REV; default da3743a, the
//     bundles as they were before the layout of issue 12, with the renewal fixes that make the main
//     step wait for the renewal process's first status), and the
//     worst case of a hung token endpoint (bounded by timeout-seconds);
//   - the worst cases of background renewal on a simulated clock (scripts/bench-renewal.ts).
// Interleaved means one run of each side in turn, so load on the machine hits both alike; every
// figure is a median with its min and max.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readAction } from './action-docs.ts';
import { benchRule, ORG, renewalRuns } from './bench-renewal.ts';
import { startOidcService } from '../test/support/oidc-service.ts';
import { newJob, parseFileCommands, removeJob, ROOT, type Job } from '../test/support/runner.ts';
import { startTokenEndpoint } from '../test/support/token-endpoint.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? '21');
const COLD_RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? '21');
const BASELINE_REV = process.env['BENCH_BASELINE_REV'] ?? 'da3743a';
const GHA_AUTH_DIST = process.env['BENCH_GHA_AUTH_DIST'];
/** The budget for dist/main + dist/post, in bytes (800 KB). */
const BUDGET = 800_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const bytes = (n: number): string => `${n.toLocaleString('en-US')} bytes`;
const ms = (value: number): string => `${Math.round(value)} ms`;
const percent = (ratio: number): string => `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)} %`;
const spread = (values: readonly number[]): string[] => [ms(median(values)), ms(Math.min(...values)), ms(Math.max(...values))];
const cell = (values: readonly number[]): string =>
  `${ms(median(values))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;
const compare = (label: string, ours: readonly number[], base: readonly number[]): string[] => [
  label,
  cell(ours),
  cell(base),
  (median(ours) / median(base)).toFixed(2),
];
const today = (): string => new Date().toISOString().slice(0, 10);

function table(title: string, header: readonly string[], rows: ReadonlyArray<readonly string[]>, notes: readonly string[] = []): void {
  console.log(`\n${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  for (const note of notes) console.log(`\n${note}`);
}

// --- git: the baseline's bundles and what a tag weighs --------------------------------------------

const git = (...args: string[]): Buffer => execFileSync('git', args, { cwd: ROOT, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
const gitText = (...args: string[]): string =>
  git(...args)
    .toString('utf8')
    .trim();

interface Bundle {
  readonly name: string;
  readonly content: Buffer;
}

/** The bundles (dist/<name>/index.js) committed at `rev`, with their bytes. */
function committedBundles(rev: string): Bundle[] {
  return gitText('ls-tree', '-r', '--name-only', rev, '--', 'dist')
    .split('\n')
    .filter((file) => /^dist\/[^/]+\/index\.js$/.test(file))
    .map((file) => ({ name: file, content: git('show', `${rev}:${file}`) }));
}

/** Writes the dist/ folder committed at `rev` into a temp dir laid out like dist/ (main/, post/, …). */
function extractDist(rev: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-baseline-'));
  for (const file of gitText('ls-tree', '-r', '--name-only', rev, '--', 'dist').split('\n')) {
    const target = path.join(dir, path.relative('dist', file));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, git('show', `${rev}:${file}`));
  }
  for (const entry of ['main', 'post']) {
    if (!existsSync(path.join(dir, entry, 'index.js'))) throw new Error(`${rev} has no dist/${entry}/index.js`);
  }
  return dir;
}

// --- running a bundle as a step ------------------------------------------------------------------

interface Step {
  readonly code: number | null;
  readonly stdout: string;
  readonly state: Record<string, string>;
}

/** Runs `script` as a step of `job` the way test/support/runner.ts runs dist/: only `env` reaches it. */
async function runBundle(
  job: Job,
  script: string,
  options: { inputs?: Record<string, string>; state?: Record<string, string> },
): Promise<Step> {
  const stepDir = mkdtempSync(path.join(job.dir, 'step-'));
  const files = { GITHUB_OUTPUT: 'output', GITHUB_ENV: 'env', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary' };
  const env: Record<string, string> = { ...job.base, ...job.exported };
  for (const [name, file] of Object.entries(files)) {
    env[name] = path.join(stepDir, file);
    writeFileSync(env[name], '');
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  const child = spawn(process.execPath, [script], { env, cwd: job.workspace, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  Object.assign(job.exported, parseFileCommands(readFileSync(path.join(stepDir, 'env'), 'utf8')));
  return { code, stdout, state: parseFileCommands(readFileSync(path.join(stepDir, 'state'), 'utf8')) };
}

function pushJob(base: Record<string, string>): Job {
  const job = newJob(base);
  const eventPath = path.join(job.dir, 'event.json');
  writeFileSync(eventPath, '{"ref":"refs/heads/main","repository":{"id":1}}');
  Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
  return job;
}

// --- 1. bundle sizes -----------------------------------------------------------------------------

function bundleSizes(baselineRev: string): void {
  const ours = ['main', 'post'].map((name) => {
    const content = readFileSync(path.join(ROOT, 'dist', name, 'index.js'));
    return { name: `dist/${name}/index.js`, size: content.length, gzip: gzipSync(content).length };
  });
  const sum = ours.reduce((s, b) => s + b.size, 0);
  const sumGzip = ours.reduce((s, b) => s + b.gzip, 0);
  const old = committedBundles(baselineRev);
  const oldSum = old.reduce((s, b) => s + b.content.length, 0);
  const oldGzip = old.reduce((s, b) => s + gzipSync(b.content).length, 0);
  const oldNames = old.map((b) => b.name.split('/')[1]).join(' + ');
  table(
    'Bundle sizes',
    ['bundle', 'size', 'gzip'],
    [
      ...ours.map((b) => [b.name, kb(b.size), kb(b.gzip)]),
      [
        `main + post (budget: 800 KB = ${bytes(BUDGET)})`,
        `${kb(sum)} = ${bytes(sum)}: ${sum <= BUDGET ? 'within the budget' : '**over the budget**'}`,
        kb(sumGzip),
      ],
      [`${baselineRev}: ${oldNames} (${old.length} bundles)`, `${kb(oldSum)} = ${bytes(oldSum)}`, kb(oldGzip)],
      [
        `main + post against ${baselineRev}`,
        `${percent(sum / oldSum)} (${sum >= oldSum ? '+' : '−'}${kb(Math.abs(sum - oldSum))})`,
        percent(sumGzip / oldGzip),
      ],
    ],
  );
}

// --- 4. what a tag weighs ------------------------------------------------------------------------

function tagWeights(baselineRev: string): void {
  const weigh = (rev: string): { files: number; tar: number; tgz: number } => ({
    files: gitText('ls-tree', '-r', '--name-only', rev).split('\n').length,
    tar: git('archive', '--format=tar', rev).length,
    tgz: git('archive', '--format=tar.gz', rev).length,
  });
  const head = weigh('HEAD');
  const base = weigh(baselineRev);
  const row = (label: string, w: { files: number; tar: number; tgz: number }): string[] => [
    label,
    String(w.files),
    `${kb(w.tar)} = ${bytes(w.tar)}`,
    `${kb(w.tgz)} = ${bytes(w.tgz)}`,
  ];
  table(
    'What a job downloads for `uses: owner/repo@tag` (the tree at the tag, as a tarball)',
    ['commit', 'files', 'tar', 'tar.gz'],
    [
      row(`HEAD (${gitText('rev-parse', '--short', 'HEAD')})`, head),
      row(`baseline (${baselineRev})`, base),
      [
        `HEAD against ${baselineRev}`,
        `${head.files >= base.files ? '+' : '−'}${Math.abs(head.files - base.files)}`,
        percent(head.tar / base.tar),
        percent(head.tgz / base.tgz),
      ],
    ],
    [
      'Measured with `git archive --format=tar REV | wc -c` and `git archive --format=tar.gz REV | wc -c`: committed files only, so uncommitted changes are not in it.',
    ],
  );
}

// --- 2. cold start on an input error, beside google-github-actions/auth -----------------------------

/** The INPUT_ variables the runner sets from an action.yml's defaults (expressions replaced by `expressions`). */
function defaultInputs(actionFile: string, expressions: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, input] of Object.entries(readAction(actionFile).inputs)) {
    if (input.default === undefined) continue;
    const value = expressions[String(input.default)] ?? String(input.default);
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

interface ColdCase {
  readonly label: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  /** What a correct run prints on stdout (checked on every run). */
  readonly expect: RegExp;
  readonly code: number;
}

/** Where google-github-actions/auth's bundle is, with what can be said about its origin; null when skipped. */
function ghaAuth(): { main: string; action: string | null; origin: string } | null {
  if (GHA_AUTH_DIST === undefined || GHA_AUTH_DIST === '') return null;
  const dir = path.resolve(GHA_AUTH_DIST);
  const main = path.join(dir, 'main', 'index.js');
  if (!existsSync(main)) return null;
  const action = [path.join(dir, 'action.yml'), path.join(dir, '..', 'action.yml')].find((f) => existsSync(f)) ?? null;
  // Which commit: SOURCE.txt beside a copy (`Copied from … at <sha> (<date>…`), or the clone's git.
  let origin = 'a commit not recorded';
  const source = [path.join(dir, 'SOURCE.txt'), path.join(dir, '..', 'SOURCE.txt')].find((f) => existsSync(f));
  const recorded = source === undefined ? null : /\b([0-9a-f]{40})\b(?:\s*\((\d{4}-\d{2}-\d{2}))?/.exec(readFileSync(source, 'utf8'));
  if (recorded !== null) {
    origin = `its newest commit when copied, ${recorded[1]!.slice(0, 7)}${recorded[2] === undefined ? '' : ` of ${recorded[2]}`}`;
  } else {
    const gitIn = (...args: string[]): string => {
      const result = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
      return result.status === 0 ? result.stdout.trim() : '';
    };
    const [hash = '', date = ''] = gitIn('log', '-1', '--format=%h %cs').split(' ');
    if (hash !== '') {
      const newest = gitIn('rev-parse', 'HEAD') === gitIn('rev-parse', 'origin/HEAD');
      origin = `${newest ? 'its newest commit when cloned, ' : 'commit '}${hash} of ${date}`;
    }
  }
  return { main, action, origin };
}

function coldStart(): void {
  const job = pushJob({});
  const dir = job.dir;
  const fileCommands = {
    GITHUB_OUTPUT: 'output',
    GITHUB_ENV: 'env',
    GITHUB_STATE: 'state',
    GITHUB_PATH: 'path',
    GITHUB_STEP_SUMMARY: 'summary',
  };
  const base: Record<string, string> = {
    ...job.base,
    ...Object.fromEntries(Object.entries(fileCommands).map(([name, file]) => [name, path.join(dir, file)])),
  };
  const theirs = ghaAuth();
  const cases: ColdCase[] = [
    { label: '`node -e 0`: Node itself, same environment', args: ['-e', '0'], env: base, expect: /^$/, code: 0 },
    {
      label: 'this action, dist/main/index.js: `timeout-seconds: abc`',
      args: [path.join(ROOT, 'dist', 'main', 'index.js')],
      env: {
        ...base,
        ...defaultInputs(path.join(ROOT, 'action.yml'), { '${{ github.token }}': 'ghs_notarealtoken000' }),
        'INPUT_FEDERATION-RULE-ID': 'fdrl_01Bench',
        'INPUT_ORGANIZATION-ID': ORG,
        'INPUT_TIMEOUT-SECONDS': 'abc',
      },
      expect: /^::error::.*timeout-seconds/m,
      code: 1,
    },
  ];
  if (theirs !== null) {
    cases.push({
      label: 'google-github-actions/auth, dist/main/index.js: neither `workload_identity_provider` nor `credentials_json`',
      args: [theirs.main],
      env: { ...base, ...(theirs.action === null ? {} : defaultInputs(theirs.action, { '${{ github.token }}': 'ghs_notarealtoken000' })) },
      expect: /^::error::.*"workload_identity_provider" or "credentials_json"/m,
      code: 1,
    });
  }
  const times: number[][] = cases.map(() => []);
  const run = (c: ColdCase): number => {
    for (const file of Object.values(fileCommands)) writeFileSync(path.join(dir, file), '');
    const t0 = performance.now();
    const result = spawnSync(process.execPath, c.args, { env: c.env, cwd: job.workspace, encoding: 'utf8' });
    const elapsed = performance.now() - t0;
    if (result.status !== c.code || !c.expect.test(result.stdout)) {
      throw new Error(
        `${c.label}: exit ${String(result.status)}, stdout ${JSON.stringify(result.stdout.slice(0, 400))}, stderr ${JSON.stringify(result.stderr.slice(-400))}${c.args[0] === theirs?.main ? ' (their bundle is CommonJS: it needs a package.json without "type": "module" beside it or above it)' : ''}`,
      );
    }
    return elapsed;
  };
  try {
    for (const c of cases) run(c); // warm the file cache
    // One run of each case in turn; each round starts one case later, so no case always follows another.
    for (let i = 0; i < COLD_RUNS; i++) {
      for (let j = 0; j < cases.length; j++) {
        const k = (i + j) % cases.length;
        times[k]!.push(run(cases[k]!));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const notes =
    theirs === null
      ? [
          `google-github-actions/auth: comparison skipped (${GHA_AUTH_DIST === undefined || GHA_AUTH_DIST === '' ? 'BENCH_GHA_AUTH_DIST is not set' : `no main/index.js in BENCH_GHA_AUTH_DIST=${GHA_AUTH_DIST}`}). To run it: \`git clone --depth 1 https://github.com/google-github-actions/auth /tmp/gha-auth && BENCH_GHA_AUTH_DIST=/tmp/gha-auth/dist npm run bench\` (their bundle is another project's code and is never committed here).`,
        ]
      : [
          `google-github-actions/auth: the public repository's dist/main/index.js at ${theirs.origin} (${bytes(statSync(theirs.main).size)}), run with Node ${process.versions.node} from BENCH_GHA_AUTH_DIST; it is not part of this repository. Both steps get the same runner-like environment with their own action.yml defaults as INPUT_ variables, and every run is checked to print its \`::error::\` line and exit 1.`,
        ];
  table(
    `Cold start on an input error, ${COLD_RUNS} runs each, interleaved (Node ${process.versions.node}, ${today()})`,
    ['step', 'median', 'min', 'max', 'exit code'],
    cases.map((c, k) => [c.label, ...spread(times[k]!), String(c.code)]),
    notes,
  );
}

// --- 3. full runs, beside the baseline's bundles; the hung endpoint ----------------------------------

interface FlowTimes {
  readonly main: number[];
  readonly post: number[];
  readonly full: number[];
  readonly mainWithRenewal: number[];
  readonly postWithRenewal: number[];
  readonly fullWithRenewal: number[];
}

async function fullRuns(baselineRev: string): Promise<void> {
  const baselineDir = extractDist(baselineRev);
  const sides = [{ dir: path.join(ROOT, 'dist') }, { dir: baselineDir }]; // ours, then the baseline
  const oidc = await startOidcService();
  const endpoint = await startTokenEndpoint({ rules: [benchRule(oidc)] });
  const inputs = { 'federation-rule-id': 'fdrl_01Bench', 'organization-id': ORG, 'base-url': endpoint.url, summary: 'true' };
  const times: FlowTimes[] = sides.map(() => ({
    main: [],
    post: [],
    full: [],
    mainWithRenewal: [],
    postWithRenewal: [],
    fullWithRenewal: [],
  }));

  const flow = async (dir: string, refresh: 'false' | 'true'): Promise<{ main: number; post: number }> => {
    const job = pushJob(oidc.env());
    try {
      const t0 = performance.now();
      const main = await runBundle(job, path.join(dir, 'main', 'index.js'), { inputs: { ...inputs, refresh } });
      const t1 = performance.now();
      const post = await runBundle(job, path.join(dir, 'post', 'index.js'), { state: main.state });
      const t2 = performance.now();
      if (main.code !== 0 || post.code !== 0) throw new Error(`${dir}, refresh: ${refresh}: failed\n${main.stdout}\n${post.stdout}`);
      return { main: t1 - t0, post: t2 - t1 };
    } finally {
      await removeJob(job);
    }
  };

  try {
    for (const side of sides) for (const refresh of ['false', 'true'] as const) await flow(side.dir, refresh); // warm up
    for (let i = 0; i < RUNS; i++) {
      for (const refresh of ['false', 'true'] as const) {
        // One run of each side in turn, the first side alternating from round to round.
        for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
          const t = await flow(sides[k]!.dir, refresh);
          const into = times[k]!;
          if (refresh === 'false') {
            into.main.push(t.main);
            into.post.push(t.post);
            into.full.push(t.main + t.post);
          } else {
            into.mainWithRenewal.push(t.main);
            into.postWithRenewal.push(t.post);
            into.fullWithRenewal.push(t.main + t.post);
          }
        }
      }
    }

    // Worst case: every exchange hangs; the step must end by timeout-seconds.
    endpoint.pushFaults(...Array.from({ length: 10 }, () => ({ kind: 'hang' as const })));
    const job = pushJob(oidc.env());
    const t0 = performance.now();
    const hung = await runBundle(job, path.join(ROOT, 'dist', 'main', 'index.js'), { inputs: { ...inputs, 'timeout-seconds': '10' } });
    const hungMs = performance.now() - t0;
    await removeJob(job);
    endpoint.clearFaults();

    const ours = times[0]!;
    const base = times[1]!;
    table(
      `Wall time of full local runs, dist/ beside the bundles of ${baselineRev}, ${RUNS} runs each, interleaved (Node ${process.versions.node}, ${today()}; median, min–max)`,
      ['measure', 'dist/', baselineRev, 'dist/ ÷ baseline'],
      [
        compare('main step (gate, OIDC, exchange, profile, summary), `refresh: false`', ours.main, base.main),
        compare('post step (no renewal process)', ours.post, base.post),
        compare('full run: main + post', ours.full, base.full),
        compare('main step, `refresh: true` (also starts the renewal process)', ours.mainWithRenewal, base.mainWithRenewal),
        compare('post step (stops the renewal process, reports, removes files)', ours.postWithRenewal, base.postWithRenewal),
        compare('full run with `refresh: true`: main + post', ours.fullWithRenewal, base.fullWithRenewal),
      ],
      [
        `The baseline's bundles come from \`git show ${baselineRev}:dist/…\` (BENCH_BASELINE_REV overrides the commit), laid out like dist/ in a temp dir; both sides run the same flow against the same loopback stand-ins, one run of each in turn (which goes first alternates).`,
      ],
    );
    table(
      'Worst case',
      ['measure', 'wall time', 'exit code'],
      [['token endpoint hangs on every attempt, timeout-seconds: 10', ms(hungMs), String(hung.code)]],
    );
  } finally {
    await Promise.all([oidc.close(), endpoint.close()]);
    rmSync(baselineDir, { recursive: true, force: true });
  }
}

/** dist/'s bundles as they are now: a rebuild during the bench would mix two builds in its figures. */
function distStamp(): string {
  return ['main', 'post']
    .map((name) => {
      const stat = statSync(path.join(ROOT, 'dist', name, 'index.js'));
      return `${name} ${stat.size} ${stat.mtimeMs}`;
    })
    .join(', ');
}

async function main(): Promise<void> {
  const stamp = distStamp();
  const baselineRev = gitText('rev-parse', '--short', `${BASELINE_REV}^{commit}`);
  bundleSizes(baselineRev);
  tagWeights(baselineRev);
  coldStart();
  await fullRuns(baselineRev);
  table(
    'Renewal on a simulated clock (600 s tokens; the SDKs and the CLI stop using a token 30 s before it expires)',
    ['scenario', 'exchanges', 'least time to live in the file', 'lapsed', 'renewal process stopped'],
    (await renewalRuns()).map((r) => [
      r.scenario,
      String(r.exchanges),
      r.minLeftMs > 0 ? `${Math.round(r.minLeftMs / 1000)} s` : 'none (expired)',
      r.lapsed ? 'yes' : 'no',
      r.stopReason ?? '',
    ]),
  );
  if (distStamp() !== stamp) {
    throw new Error('dist/ was rebuilt while the bench ran, so its figures mix two builds: run it again');
  }
}

await main();
