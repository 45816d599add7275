// The federation rule the renewal process tests share (any ref of octo-org/octo-repo, 600 s tokens,
// issued by the given OIDC stand-in), and the stand-ins they start with it. `tag` makes each test
// file's IDs its own (fdrl_01<tag>, …).
import { startOidcService, type OidcService } from './oidc-service.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from './token-endpoint.ts';

export const ORG = '12345678-90ab-cdef-1234-567890abcdef';

export function renewalRule(oidc: OidcService, tag: string): FederationRule {
  return {
    id: `fdrl_01${tag}`,
    organizationId: ORG,
    serviceAccountId: `svac_01${tag}`,
    workspaceIds: [`wrkspc_01${tag}`],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: 'https://api.anthropic.com',
    subjectPrefix: 'repo:octo-org/octo-repo:*',
    tokenLifetimeSeconds: 600,
  };
}

/** The stand-ins a renewal process test file runs against: GitHub's OIDC token service and the token
 *  endpoint holding `renewalRule(oidc, tag)`. */
export interface RenewalStandIns {
  readonly oidc: OidcService;
  readonly endpoint: TokenEndpoint;
  readonly rule: FederationRule;
}

export async function startRenewalStandIns(tag: string): Promise<RenewalStandIns> {
  const oidc = await startOidcService();
  const rule = renewalRule(oidc, tag);
  return { oidc, rule, endpoint: await startTokenEndpoint({ rules: [rule] }) };
}
