// `npm run bench`: bundle sizes, and wall times of the bundled action against the loopback
// stand-ins: the median of several full runs (main + post), the post step with a running
// renewal process, and the worst case of a hung token endpoint (bounded by timeout-seconds); then the
// worst cases of background renewal on a simulated clock (scripts/bench-renewal.ts).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchRule, ORG, renewalRuns } from './bench-renewal.ts';
import { startOidcService } from '../test/support/oidc-service.ts';
import { newJob, removeJob, ROOT, runStep } from '../test/support/runner.ts';
import { startTokenEndpoint } from '../test/support/token-endpoint.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? '7');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number): string => `${Math.round(value)} ms`;

function table(title: string, header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  console.log(`\n${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

async function main(): Promise<void> {
  table(
    'Bundle sizes',
    ['bundle', 'size', 'gzip'],
    ['main', 'post'].map((name) => {
      const file = path.join(ROOT, 'dist', name, 'index.js');
      return [`dist/${name}/index.js`, kb(statSync(file).size), kb(gzipSync(readFileSync(file)).length)];
    }),
  );

  const oidc = await startOidcService();
  const endpoint = await startTokenEndpoint({ rules: [benchRule(oidc)] });
  const inputs = { 'federation-rule-id': 'fdrl_01Bench', 'organization-id': ORG, 'base-url': endpoint.url, summary: 'true' };
  const mainTimes: number[] = [];
  const postTimes: number[] = [];
  const postWithRenewal: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const refresh of ['false', 'true']) {
        const job = newJob(oidc.env());
        const eventPath = path.join(job.dir, 'event.json');
        writeFileSync(eventPath, '{"ref":"refs/heads/main","repository":{"id":1}}');
        Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
        const t0 = performance.now();
        const main = await runStep(job, 'main', { inputs: { ...inputs, refresh } });
        const t1 = performance.now();
        const post = await runStep(job, 'post', { state: main.state });
        const t2 = performance.now();
        if (main.code !== 0 || post.code !== 0) throw new Error(`run ${i} failed: ${main.stdout}\n${post.stdout}`);
        if (refresh === 'false') {
          mainTimes.push(t1 - t0);
          postTimes.push(t2 - t1);
        } else {
          postWithRenewal.push(t2 - t1);
        }
        await removeJob(job);
      }
    }

    // Worst case: every exchange hangs; the step must end by timeout-seconds.
    endpoint.pushFaults(...Array.from({ length: 10 }, () => ({ kind: 'hang' as const })));
    const job = newJob(oidc.env());
    const eventPath = path.join(job.dir, 'event.json');
    writeFileSync(eventPath, '{"ref":"refs/heads/main","repository":{"id":1}}');
    Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
    const t0 = performance.now();
    const hung = await runStep(job, 'main', { inputs: { ...inputs, 'timeout-seconds': '10' } });
    const hungMs = performance.now() - t0;
    await removeJob(job);
    endpoint.clearFaults();

    table(
      `Wall time, ${RUNS} runs each (Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)})`,
      ['measure', 'median', 'min', 'max'],
      [
        [
          'main step (gate, OIDC, exchange, profile, summary)',
          ms(median(mainTimes)),
          ms(Math.min(...mainTimes)),
          ms(Math.max(...mainTimes)),
        ],
        ['post step (no renewal process)', ms(median(postTimes)), ms(Math.min(...postTimes)), ms(Math.max(...postTimes))],
        [
          'post step (stops the renewal process, reports, removes files)',
          ms(median(postWithRenewal)),
          ms(Math.min(...postWithRenewal)),
          ms(Math.max(...postWithRenewal)),
        ],
        ['full run: main + post', ms(median(mainTimes.map((m, i) => m + postTimes[i]!))), '', ''],
      ],
    );
    table(
      'Worst case',
      ['measure', 'wall time', 'exit code'],
      [['token endpoint hangs on every attempt, timeout-seconds: 10', ms(hungMs), String(hung.code)]],
    );
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
  } finally {
    await Promise.all([oidc.close(), endpoint.close()]);
  }
}

await main();
