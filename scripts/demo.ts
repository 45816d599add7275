// `npm run demo`: the action's whole flow on this machine, against the loopback stand-ins for
// GitHub's OIDC token service and Anthropic's token endpoint. Runs the committed dist/ bundle the
// way the runner does, shows its log with the runner's masking applied, then a later step that
// calls the API through the real @anthropic-ai/sdk with only the exported environment, then the
// post step.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startOidcService } from '../test/support/oidc-service.ts';
import { newJob, removeJob, runSdkStep, runStep, type StepResult } from '../test/support/runner.ts';
import { startTokenEndpoint } from '../test/support/token-endpoint.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';

function heading(text: string): void {
  console.log(`\n\x1b[1m== ${text}\x1b[0m`);
}

/** What a person sees in the Actions log: masked values as ***, workflow commands rendered. */
function showLog(result: StepResult): void {
  const masks = result.commands.filter((c) => c.name === 'add-mask').map((c) => c.value);
  let hidden = 0;
  for (const line of result.lines) {
    if (line.startsWith('::add-mask::')) {
      hidden++;
      continue;
    }
    let shown = line;
    for (const secret of masks) shown = shown.split(secret).join('***');
    shown = shown
      .replace(/^::group::/, '▸ ')
      .replace(/^::endgroup::$/, '')
      .replace(/^::(warning|error|notice)[^:]*::/, (_, kind: string) => `${kind.toUpperCase()}: `);
    if (shown !== '') console.log(`  | ${shown.replace(/%0A/g, '\n  |   ')}`);
  }
  console.log(`  (${hidden} value${hidden === 1 ? '' : 's'} masked with ::add-mask:: before first use)`);
}

async function main(): Promise<void> {
  const oidc = await startOidcService();
  const endpoint = await startTokenEndpoint({
    rules: [
      {
        id: 'fdrl_01Demo',
        organizationId: ORG,
        serviceAccountId: 'svac_01Demo',
        workspaceIds: ['wrkspc_01Demo'],
        issuer: oidc.issuer,
        jwksUrl: oidc.jwksUrl,
        audience: 'https://api.anthropic.com',
        subjectPrefix: 'repo:octo-org/octo-repo:ref:refs/heads/main',
        claims: { repository_id: '123456789', event_name: 'push', runner_environment: 'github-hosted' },
      },
    ],
  });
  const job = newJob(oidc.env());
  const eventPath = path.join(job.dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', repository: { id: 123456789, full_name: 'octo-org/octo-repo' } }));
  Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
  try {
    console.log('Stand-ins on loopback:');
    console.log(`  GitHub Actions OIDC token service  ${oidc.requestUrl.split('?')[0] ?? ''}`);
    console.log(`  Anthropic token endpoint + API     ${endpoint.url}`);

    heading('Step 1: uses: ./  (dist/main/index.js, as the runner runs it)');
    const main = await runStep(job, 'main', {
      inputs: { 'federation-rule-id': 'fdrl_01Demo', 'organization-id': ORG, 'base-url': endpoint.url, refresh: 'true' },
    });
    showLog(main);
    if (main.code !== 0) throw new Error(`the main step failed (exit ${String(main.code)})`);
    console.log('\n  Outputs:');
    for (const [name, value] of Object.entries(main.outputs))
      console.log(`    ${name} = ${name === 'access-token' ? '*** (masked)' : value}`);
    console.log('  Exported to later steps ($GITHUB_ENV):');
    for (const [name, value] of Object.entries(main.env)) console.log(`    ${name}=${value}`);

    heading('Step 2: a later step with the real @anthropic-ai/sdk and only that environment');
    const sdk = await runSdkStep(job, { calls: 2, intervalMs: 200 });
    for (const call of sdk.calls) console.log(`  messages.create #${call.i + 1}: ${call.ok ? 'ok' : `failed (${String(call.status)})`}`);
    const last = endpoint.apiCalls.at(-1);
    if (last !== undefined) {
      console.log(
        `  the API saw: authorization: Bearer *** (the minted token: ${String(last.token === endpoint.minted.at(-1)?.token)}), anthropic-beta: ${String(last.headers['anthropic-beta'])}`,
      );
    }

    heading('Step 3: the post step');
    const post = await runStep(job, 'post', { state: main.state });
    showLog(post);
    const configDir = main.env['ANTHROPIC_CONFIG_DIR'] ?? '';
    console.log(`  ${configDir} ${existsSync(configDir) ? 'still exists (unexpected)' : 'is gone'}`);

    heading('What the token endpoint saw');
    for (const e of endpoint.exchanges)
      console.log(`  POST /v1/oauth/token → ${e.status} (jti ${e.jti ?? '-'}${e.denial === null ? '' : `, denied: ${e.denial}`})`);
    const ok = main.code === 0 && post.code === 0 && sdk.calls.every((c) => c.ok);
    console.log(`\n${ok ? 'Demo passed' : 'Demo FAILED'}: minted, masked, exported, used by the SDK, cleaned up.`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await removeJob(job);
    await Promise.all([oidc.close(), endpoint.close()]);
  }
}

await main();
