// Stands in for the main step in the renewal tests: with the environment the test gives it (as a
// workflow would give the step), it mints a token (so the step itself reaches the servers),
// writes the credentials file and starts the refresher from source the way src/run.ts does.
// Prints one JSON line: what startRefresher returned, or the error.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { mintToken } from '../../src/mint.ts';
import { oidcEndpointFromEnv } from '../../src/oidc.ts';
import { credentialsJson } from '../../src/profile.ts';
import type { RefresherConfig } from '../../src/refresh.ts';
import { startRefresher } from '../../src/refresher-process.ts';

const config = JSON.parse(process.env['TEST_REFRESHER_CONFIG'] ?? '{}') as RefresherConfig;
try {
  const minted = await mintToken({
    oidc: oidcEndpointFromEnv(process.env),
    audience: config.audience,
    baseUrl: config.baseUrl,
    ids: config.ids,
    userAgent: 'test main step',
    deadline: Date.now() + 20_000,
    mask: () => undefined,
    maxAttempts: 1,
  });
  writeFileSync(config.credentialsFile, credentialsJson(minted.accessToken, minted.expiresAt), { mode: 0o600 });
  const script = path.join(import.meta.dirname, '..', '..', 'src', 'refresher.ts');
  const started = await startRefresher(script, config, process.env, { readyWithinMs: 20_000 });
  process.stdout.write(`${JSON.stringify(started)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
}
process.exit(0);
