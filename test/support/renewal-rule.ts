// The federation rule the renewal process tests share: any ref of octo-org/octo-repo, 600 s tokens,
// issued by the given OIDC stand-in. `tag` makes each test file's IDs its own (fdrl_01<tag>, …).
import type { OidcService } from './oidc-service.ts';
import type { FederationRule } from './token-endpoint.ts';

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
