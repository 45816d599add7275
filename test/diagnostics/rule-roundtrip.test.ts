// The suggested rule, fed back into the loopback token endpoint as its rule, admits the token it
// was made from and nothing else nearby: another repository, another event, a fork, another workflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClaims } from '../../src/diagnostics/claims.ts';
import { mintToken } from '../../src/credentials/mint.ts';
import { fetchIdToken } from '../../src/credentials/oidc.ts';
import { suggestRule } from '../../src/diagnostics/rule-suggestion.ts';
import { compileCondition } from '../support/cel-subset.ts';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from '../support/token-endpoint.ts';

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

/** Mints with whatever OIDC token the service now issues: 'admitted', or the stand-in's recorded
 *  reason for the denial (the reason Anthropic's Console would show). */
async function outcome(): Promise<string> {
  const before = endpoint.exchanges.length;
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
    return 'admitted';
  } catch {
    expect(endpoint.exchanges.length - before).toBe(1);
    return endpoint.exchanges.at(-1)?.denial ?? 'no denial recorded';
  }
}

/** Turns the suggestion into the stand-in's rule: exactly its match, or only its CEL condition. */
async function ruleFromThisRun(claims: Record<string, unknown>, as: 'match' | 'condition'): Promise<void> {
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
    ...(as === 'match'
      ? { subjectPrefix: suggestion.match.subject_prefix, claims: { ...suggestion.match.claims } }
      : { condition: compileCondition(suggestion.condition) }),
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
  it.each(runs.flatMap(([name, variant]) => (['match', 'condition'] as const).map((as) => [name, as, variant] as const)))(
    'for %s, as its %s, admits its own token and denies its neighbours for the pinned claim',
    async (_name, as, variant) => {
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
      /** The reason a neighbour is denied: the first pin it breaks, or the condition. */
      const expectDenied = async (neighbour: Record<string, unknown>, pin: string, what: string): Promise<void> => {
        oidc.resetClaims(neighbour);
        expect(await outcome(), what).toBe(as === 'match' ? pin : 'condition');
      };
      await ruleFromThisRun(claims, as);
      oidc.resetClaims(claims);
      expect(await outcome()).toBe('admitted');

      await expectDenied(elsewhere('octo-org', '987654321', 'other-repo', '55555'), 'match_subject_prefix', 'another repository');
      // A pull request's subject ends in :pull_request; any other event's names a ref, so there the
      // subject is the first pin another event breaks.
      const eventPin = claims['event_name'] === 'pull_request' ? 'match_subject_prefix' : 'claim:event_name';
      await expectDenied({ ...claims, event_name: 'workflow_dispatch' }, eventPin, 'another event');
      await expectDenied({ ...claims, event_name: 'pull_request_target' }, eventPin, 'pull_request_target');
      await expectDenied(elsewhere('stranger', '666', 'octo-repo', '777'), 'match_subject_prefix', 'a fork');
      await expectDenied(
        { ...claims, job_workflow_ref: 'octo-org/octo-repo/.github/workflows/other.yml@refs/heads/main' },
        'claim:job_workflow_ref',
        'another workflow',
      );
      await expectDenied({ ...claims, runner_environment: 'self-hosted' }, 'claim:runner_environment', 'a self-hosted runner');
      // The same names after a delete and re-create: only the numeric pins tell them apart (the
      // immutable subject carries the numbers too, and catches it first).
      await expectDenied(
        elsewhere('octo-org', '987654321', 'octo-repo', '424242'),
        immutable ? 'match_subject_prefix' : 'claim:repository_id',
        'a re-created repository',
      );
      await expectDenied(
        elsewhere('octo-org', '31337', 'octo-repo', '123456789'),
        immutable ? 'match_subject_prefix' : 'claim:repository_owner_id',
        'a re-registered owner',
      );
    },
  );

  it('the condition subset refuses what it does not know, so a new clause form cannot pass unread', () => {
    expect(() => compileCondition("claims.sub.startsWith('repo:')")).toThrow(/not in the CEL subset/);
    expect(compileCondition("claims.ref == 'a\\'b\\u0041'")({ ref: "a'bA" })).toBe(true);
  });
});
