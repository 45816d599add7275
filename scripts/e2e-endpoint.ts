// Starts the loopback token endpoint for the end-to-end workflow on a real runner: it verifies the
// runner's real GitHub OIDC token against GitHub's published JWKS, pins the repository, and mints
// test tokens that live --token-lifetime seconds (short ones make the renewal process renew within a
// short job). Writes its base URL to --port-file, logs each exchange and API call as it happens
// (statuses and token fingerprints, never a token), and runs until killed.
//   node scripts/e2e-endpoint.ts --port-file FILE --repository-id ID [--token-lifetime SECONDS] [--issuer URL] [--jwks URL]
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startTokenEndpoint } from '../test/support/token-endpoint.ts';

const USAGE =
  'usage: node scripts/e2e-endpoint.ts --port-file FILE --repository-id ID [--token-lifetime SECONDS (60..86400, default 3600)] [--issuer URL] [--jwks URL]';

let values;
try {
  ({ values } = parseArgs({
    options: {
      issuer: { type: 'string', default: 'https://token.actions.githubusercontent.com' },
      jwks: { type: 'string', default: 'https://token.actions.githubusercontent.com/.well-known/jwks' },
      'port-file': { type: 'string' },
      'repository-id': { type: 'string' },
      'token-lifetime': { type: 'string', default: '3600' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const portFile = values['port-file'];
const repositoryId = values['repository-id'];
const lifetimeText = values['token-lifetime'];
const lifetime = Number(lifetimeText);
// The stand-in's own bounds: Anthropic's token lifetimes are 60 s to a day.
const lifetimeOk = /^\d+$/.test(lifetimeText) && lifetime >= 60 && lifetime <= 86_400;
if (portFile === undefined || repositoryId === undefined || !/^\d+$/.test(repositoryId) || !lifetimeOk) {
  console.error(USAGE);
  process.exit(2);
}

/** The action's token-fingerprint format (src/diagnostics/fingerprint.ts), so the log matches its outputs. */
const fingerprint = (token: string): string => `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;

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
      tokenLifetimeSeconds: lifetime,
    },
  ],
});

// One line per exchange and API call, as they happen: a step can read the log while the job runs.
let exchangesLogged = 0;
let mintedLogged = 0;
let callsLogged = 0;
const logNew = (): void => {
  for (const e of endpoint.exchanges.slice(exchangesLogged)) {
    console.log(`${new Date(e.at).toISOString()} exchange: ${e.status}${e.denial === null ? '' : ` (${e.denial})`}`);
  }
  exchangesLogged = endpoint.exchanges.length;
  for (const m of endpoint.minted.slice(mintedLogged)) {
    console.log(`${new Date(m.issuedAt).toISOString()} minted: ${fingerprint(m.token)} expires_in=${m.expiresIn}`);
  }
  mintedLogged = endpoint.minted.length;
  for (const c of endpoint.apiCalls.slice(callsLogged)) {
    const token = c.token === null ? 'no token' : `${fingerprint(c.token)}${c.validWhenSent ? '' : ' (not valid when sent)'}`;
    console.log(`${new Date(c.at).toISOString()} api: ${c.method} ${c.path} ${c.status} ${token}`);
  }
  callsLogged = endpoint.apiCalls.length;
};
const ticker = setInterval(logNew, 250);

writeFileSync(portFile, endpoint.url);
console.log(`token endpoint listening at ${endpoint.url}, tokens live ${lifetime}s`);
const stop = (): void => {
  clearInterval(ticker);
  logNew();
  void endpoint.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
