// The suggested rule, fed back into the loopback token endpoint as its rule, admits the token it
// was made from and nothing else nearby: another repository, another event, a fork, another workflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClaims } from '../src/claims.ts';
import { mintToken } from '../src/mint.ts';
import { fetchIdToken } from '../src/oidc.ts';
import { suggestRule } from '../src/rule-suggestion.ts';
import { startOidcService, type OidcService } from './support/oidc-service.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from './support/token-endpoint.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';
const AUD = 'https://api.anthropic.com';
let oidc: OidcService;
let endpoint: TokenEndpoint;

beforeAll(async () => {
  oidc = await startOidcService();
  endpoint = await startTokenEndpoint({ rules: [] });
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close()]);
});

const endpointFor = () => ({ requestUrl: oidc.requestUrl, requestToken: oidc.requestToken });

/** Mints with whatever OIDC token the service now issues; true when the rule admitted it. */
async function admitted(): Promise<boolean> {
  try {
    await mintToken({
      oidc: endpointFor(),
      audience: AUD,
      baseUrl: endpoint.url,
      ids: { federationRuleId: 'fdrl_01Suggested', organizationId: ORG },
      userAgent: 'test',
      deadline: Date.now() + 10_000,
      mask: () => undefined,
    });
    return true;
  } catch {
    return false;
  }
}

/** Turns the suggestion into the stand-in's rule, with exactly its match. */
async function ruleFromThisRun(claims: Record<string, unknown>): Promise<void> {
  oidc.resetClaims(claims);
  const jwt = await fetchIdToken({ endpoint: endpointFor(), audience: AUD, timeoutMs: 5000, userAgent: 'test', mask: () => undefined });
  const suggestion = suggestRule(readClaims(jwt), AUD, { serviceAccountId: 'svac_01Suggested' });
  const rule: FederationRule = {
    id: 'fdrl_01Suggested',
    organizationId: ORG,
    serviceAccountId: 'svac_01Suggested',
    workspaceIds: ['wrkspc_01Suggested'],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: suggestion.match.audience,
    subjectPrefix: suggestion.match.subject_prefix,
    claims: { ...suggestion.match.claims },
  };
  endpoint.setRules([rule]);
}

const base = {
  repository: 'octo-org/octo-repo',
  repository_id: '123456789',
  repository_owner: 'octo-org',
  repository_owner_id: '987654321',
  event_name: 'push',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
  runner_environment: 'github-hosted',
};

const runs: Array<[string, Record<string, unknown>]> = [
  ['a push to main', {}],
  [
    'a tag',
    { ref: 'refs/tags/v1.2.3', ref_type: 'tag', job_workflow_ref: 'octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.2.3' },
  ],
  ['an environment', { environment: 'production' }],
  [
    'a same-repository pull request',
    {
      event_name: 'pull_request',
      ref: 'refs/pull/7/merge',
      job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/pull/7/merge',
    },
  ],
  ['an immutable-sub repository', { sub: 'repo:octo-org@987654321/octo-repo@123456789:ref:refs/heads/main' }],
];

describe('the suggested rule, fed back as the rule', () => {
  it.each(runs)('for %s admits its own token and rejects its neighbours', async (_name, variant) => {
    const claims: Record<string, unknown> = { ...base, ...variant };
    const immutable = typeof claims['sub'] === 'string';
    /** Another repository's claims, with `sub` in the same form as this run's. */
    const elsewhere = (owner: string, ownerId: string, repo: string, repoId: string): Record<string, unknown> => {
      const { sub: _, ...rest } = claims;
      const moved = {
        ...rest,
        repository: `${owner}/${repo}`,
        repository_owner: owner,
        repository_owner_id: ownerId,
        repository_id: repoId,
      };
      return immutable ? { ...moved, sub: `repo:${owner}@${ownerId}/${repo}@${repoId}:ref:${String(claims['ref'])}` } : moved;
    };
    await ruleFromThisRun(claims);
    oidc.resetClaims(claims);
    expect(await admitted()).toBe(true);

    oidc.resetClaims(elsewhere('octo-org', '987654321', 'other-repo', '55555'));
    expect(await admitted(), 'another repository').toBe(false);

    oidc.resetClaims({ ...claims, event_name: 'workflow_dispatch' });
    expect(await admitted(), 'another event').toBe(false);

    oidc.resetClaims({ ...claims, event_name: 'pull_request_target' });
    expect(await admitted(), 'pull_request_target').toBe(false);

    oidc.resetClaims(elsewhere('stranger', '666', 'octo-repo', '777'));
    expect(await admitted(), 'a fork').toBe(false);

    oidc.resetClaims({ ...claims, job_workflow_ref: 'octo-org/octo-repo/.github/workflows/other.yml@refs/heads/main' });
    expect(await admitted(), 'another workflow').toBe(false);

    oidc.resetClaims({ ...claims, runner_environment: 'self-hosted' });
    expect(await admitted(), 'a self-hosted runner').toBe(false);
  });
});
