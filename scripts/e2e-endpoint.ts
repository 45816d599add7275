// Starts the loopback token endpoint for the end-to-end workflow on a real runner: it verifies the
// runner's real GitHub OIDC token against GitHub's published JWKS, pins the repository, and mints
// test tokens. Writes its base URL to --port-file and runs until killed.
//   node scripts/e2e-endpoint.ts --issuer URL --jwks URL --port-file FILE --repository-id ID
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startTokenEndpoint } from '../test/support/token-endpoint.ts';

const { values } = parseArgs({
  options: {
    issuer: { type: 'string', default: 'https://token.actions.githubusercontent.com' },
    jwks: { type: 'string', default: 'https://token.actions.githubusercontent.com/.well-known/jwks' },
    'port-file': { type: 'string' },
    'repository-id': { type: 'string' },
  },
});
const portFile = values['port-file'];
const repositoryId = values['repository-id'];
if (portFile === undefined || repositoryId === undefined || !/^\d+$/.test(repositoryId)) {
  console.error('usage: node scripts/e2e-endpoint.ts --port-file FILE --repository-id ID [--issuer URL] [--jwks URL]');
  process.exit(2);
}

const endpoint = await startTokenEndpoint({
  rules: [
    {
      id: 'fdrl_01E2eRealRunner',
      organizationId: '00000000-0000-4000-8000-000000000000',
      serviceAccountId: 'svac_01E2eRealRunner',
      workspaceIds: ['wrkspc_01E2eRealRunner'],
      issuer: values.issuer,
      jwksUrl: values.jwks,
      audience: 'https://api.anthropic.com',
      claims: { repository_id: repositoryId, runner_environment: 'github-hosted' },
    },
  ],
});
writeFileSync(portFile, endpoint.url);
console.log(`token endpoint listening at ${endpoint.url}`);
const stop = (): void => {
  for (const e of endpoint.exchanges) console.log(`exchange: ${e.status}${e.denial === null ? '' : ` (${e.denial})`}`);
  void endpoint.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
