// Stands in for the main step in the renewal tests: with the environment the test gives it (as a
// workflow would give the step), it mints a token (so the step itself reaches the servers),
// writes the credentials file and starts the renewal process from source the way src/run.ts does.
// Prints one JSON line: what startRenewalProcess returned, or the error.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { mintToken } from '../../src/credentials/mint.ts';
import { oidcEndpointFromEnv } from '../../src/credentials/oidc.ts';
import { credentialsJson } from '../../src/export/profile.ts';
import type { RenewalConfig } from '../../src/renewal/loop.ts';
import { startRenewalProcess } from '../../src/renewal/process.ts';

const config = JSON.parse(process.env['TEST_RENEWAL_CONFIG'] ?? '{}') as RenewalConfig;
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
  const script = path.join(import.meta.dirname, '..', '..', 'src', 'main.ts');
  const started = await startRenewalProcess(script, config, process.env, { readyWithinMs: 20_000 });
  process.stdout.write(`${JSON.stringify(started)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
}
process.exit(0);
