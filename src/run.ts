// The main step, as a list of steps: read inputs, gate the run, fetch the OIDC token, exchange it,
// verify, export, start the renewal process, write the summary.
import * as commands from './log/commands.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clockSkewWarning, formatClaims, readClaims, type Claims } from './diagnostics/claims.ts';
import { findConflicts, resolveConflicts } from './export/conflicts.ts';
import { ActionError, messageOf } from './errors.ts';
import { tokenFingerprint } from './diagnostics/fingerprint.ts';
import { decide, readGateContext, type GateDecision } from './gate/gate.ts';
import { inputsFromEnv, readSettings, type Settings } from './inputs.ts';
import { breakLegacyCommands, oneLine } from './log/log-line.ts';
import { mintToken, type MintResult } from './credentials/mint.ts';
import { fetchIdToken, oidcEndpointFromEnv, type OidcEndpoint } from './credentials/oidc.ts';
import { statusFilePath } from './export/profile.ts';
import { exportCredentials } from './export/export.ts';
import { scrub } from './log/redact.ts';
import { startRenewalProcess } from './renewal/process.ts';
import { MAX_JOB_MS } from './renewal/loop.ts';
import { likelyMismatches, suggestionNotes, suggestRule } from './diagnostics/rule-suggestion.ts';
import { STATE } from './state.ts';
import { deniedSummary, dryRunSummary, successSummary, type GateLine } from './diagnostics/summary.ts';
import { userAgent } from './user-agent.ts';
import { verifyToken } from './diagnostics/verify.ts';

/** What the failure handler needs to know about how far the run got. */
export interface RunContext {
  settings?: Settings;
  claims?: Claims;
  gate?: GateLine;
  secrets: string[];
}

export async function run(env: NodeJS.ProcessEnv, context: RunContext): Promise<void> {
  const settings = readSettings(inputsFromEnv(env), env);
  context.settings = settings;
  maskSecret(settings.gate.githubToken, context);
  warnIfUnpinned(env);
  // A dry run exports nothing, so credentials it would shadow are only worth a warning there.
  const conflicts = resolveConflicts(
    findConflicts(env, settings.exports, settings.baseUrl),
    settings.conflictingCredentials,
    settings.dryRun,
  );
  // One deadline for the whole step: the gate's look-ups, the exchange with its retries, verify.
  const deadline = Date.now() + settings.timeoutSeconds * 1000;

  const decision = await gateRun(settings, env, deadline);
  context.gate = decision;
  if (!decision.allowed) return deny(settings, decision);

  const oidc = oidcEndpointFromEnv(env);
  maskSecret(oidc.requestToken, context);
  const agent = userAgent(env);
  if (settings.dryRun) {
    for (const warning of conflicts.warnings) commands.warning(warning);
    return dryRun(settings, oidc, agent, decision, context, deadline);
  }

  const minted = await mint(settings, oidc, agent, context, deadline);
  if (settings.verify) await verify(settings, minted, agent, deadline);
  const exported = await exportCredentials(settings, minted, conflicts, env);
  const renewed =
    settings.refresh && exported.configDir !== undefined && (await startRenewal(settings, minted, exported.configDir, env, deadline));
  await writeSummary(
    settings,
    successSummary({
      claims: context.claims ?? {},
      ids: settings.ids,
      expiresAt: minted.expiresAt,
      renewed,
      fingerprint: tokenFingerprint(minted.accessToken),
      exported: exported.names,
      gate: decision,
      profile: exported.configDir === undefined ? undefined : settings.profile,
      verified: settings.verify,
    }),
    context,
  );
}

function maskSecret(value: string, context: RunContext): void {
  if (value === '') return;
  commands.setSecret(value);
  context.secrets.push(value);
}

function warnIfUnpinned(env: NodeJS.ProcessEnv): void {
  const ref = env['GITHUB_ACTION_REF'] ?? '';
  if (ref === '' || /^[0-9a-f]{40}$/.test(ref) || /^v?\d+(\.\d+){0,2}$/.test(ref)) return;
  commands.warning(
    `This action is referenced by the branch-like ref "${ref}". A branch can change under you; pin a release tag (e.g. @v1) or, better, a full commit SHA.`,
  );
}

/** Milliseconds left before the deadline, at most `cap`; an error once none are left. */
function budget(deadline: number, cap: number): number {
  const left = deadline - Date.now();
  if (left <= 0)
    throw new ActionError(
      'deadline',
      'Ran out of time (timeout-seconds).',
      'Raise timeout-seconds, or check the network between the runner and the servers.',
    );
  return Math.min(cap, left);
}

async function gateRun(settings: Settings, env: NodeJS.ProcessEnv, deadline: number): Promise<GateDecision> {
  // Each look-up gets at most a fifth of timeout-seconds (10 s at most), and all of them, retries
  // included, end by the step's deadline.
  const decision = await decide(settings.gate, await readGateContext(env), {
    userAgent: userAgent(env),
    timeoutMs: budget(deadline, Math.min(10_000, (settings.timeoutSeconds * 1000) / 5)),
    deadline,
  });
  commands.setOutput('allowed', String(decision.allowed));
  commands.setOutput('reason', decision.reason);
  for (const warning of decision.warnings) commands.warning(warning);
  commands.info(`Gate: ${decision.summary}`);
  return decision;
}

async function deny(settings: Settings, decision: GateDecision): Promise<void> {
  const skipped = settings.onDeny === 'skip';
  if (settings.summary) await commands.summary.addRaw(deniedSummary(decision, skipped)).write();
  if (!skipped) {
    throw new ActionError(
      `gate-${decision.reason}`,
      `No credentials for this run: ${decision.summary}`,
      'Set `on-deny: skip` to end the step successfully without credentials and test `steps.<id>.outputs.allowed` in later steps; the README lists the opt-ins and their risks.',
    );
  }
  commands.notice(`Skipped: no credentials for this run (${decision.reason}). Later steps can test steps.<id>.outputs.allowed.`);
}

function showClaims(jwt: string, settings: Settings, context: RunContext): Claims {
  const claims = readClaims(jwt);
  context.claims = claims;
  commands.startGroup('OIDC token claims (the JWT itself is never printed)');
  for (const line of formatClaims(claims)) commands.info(line);
  commands.endGroup();
  const skew = clockSkewWarning(claims, Date.now());
  if (skew !== undefined) commands.warning(skew);
  const suggestion = suggestRule(claims, settings.audience, settings.ids);
  commands.startGroup('A federation rule that admits exactly this repository, workflow and event');
  commands.info(breakLegacyCommands(JSON.stringify(suggestion.body, null, 2)));
  commands.info(breakLegacyCommands(`As a CEL condition:\n  ${suggestion.condition}`));
  for (const note of suggestionNotes(claims)) commands.info(`Note: ${note}`);
  commands.endGroup();
  return claims;
}

async function dryRun(
  settings: Settings,
  oidc: OidcEndpoint,
  agent: string,
  gate: GateLine,
  context: RunContext,
  deadline: number,
): Promise<void> {
  const jwt = await fetchIdToken({
    endpoint: oidc,
    audience: settings.audience,
    timeoutMs: budget(deadline, 10_000),
    userAgent: agent,
    mask: (secret) => {
      maskSecret(secret, context);
    },
  });
  const claims = showClaims(jwt, settings, context);
  const suggestion = suggestRule(claims, settings.audience, settings.ids);
  commands.setOutput('dry-run', 'true');
  commands.info('Dry run: stopped before the exchange. No assertion was spent and no token was minted.');
  await writeSummary(
    settings,
    dryRunSummary({ claims, ruleJson: JSON.stringify(suggestion.body, null, 2), condition: suggestion.condition, gate }),
    context,
  );
}

async function mint(settings: Settings, oidc: OidcEndpoint, agent: string, context: RunContext, deadline: number): Promise<MintResult> {
  commands.setOutput('dry-run', 'false');
  try {
    const minted = await mintToken({
      oidc,
      audience: settings.audience,
      baseUrl: settings.baseUrl,
      ids: settings.ids,
      userAgent: agent,
      deadline,
      mask: (secret) => {
        maskSecret(secret, context);
      },
      onIdToken: (jwt, attempt) => {
        if (attempt === 1) showClaims(jwt, settings, context);
      },
      onRetry: ({ attempt, delayMs, error }) => {
        commands.info(
          `Attempt ${attempt} failed (${oneLine(scrub(messageOf(error), context.secrets))}); retrying in ${(delayMs / 1000).toFixed(1)}s with a fresh OIDC token.`,
        );
      },
    });
    commands.info(
      `Minted a token that expires at ${new Date(minted.expiresAt).toISOString()} (in ${Math.round(minted.expiresIn)}s), fingerprint ${tokenFingerprint(minted.accessToken)}.`,
    );
    return minted;
  } catch (error) {
    throw withRuleHint(error, settings, context.claims);
  }
}

/** On a denial, puts the claims most often mismatched and a matching rule beside the hint. */
function withRuleHint(error: unknown, settings: Settings, claims: Claims | undefined): unknown {
  if (!(error instanceof ActionError) || claims === undefined) return error;
  const denied = error.code === 'exchange-denied' || /invalid_grant|authentication_error/.test(error.message);
  if (!denied) return error;
  const suggestion = suggestRule(claims, settings.audience, settings.ids);
  const hint = [
    error.hint ?? '',
    '',
    "This run's claims that rules most often mismatch:",
    ...likelyMismatches(claims, settings.audience).map((line) => `  - ${line}`),
    '',
    'A rule match that admits exactly this run:',
    JSON.stringify(suggestion.match, null, 2),
    'or, as a CEL condition:',
    `  ${suggestion.condition}`,
  ].join('\n');
  return new ActionError(error.code, error.message, hint);
}

async function verify(settings: Settings, minted: MintResult, agent: string, deadline: number): Promise<void> {
  await verifyToken({ baseUrl: settings.baseUrl, accessToken: minted.accessToken, timeoutMs: budget(deadline, 15_000), userAgent: agent });
  commands.info('Verified: the token reaches the API (GET /v1/models answered 200).');
}

/** The main bundle itself (it runs the renewal process when started with the marker); from source,
 *  src/main.ts. */
function renewalEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? path.join(path.dirname(here), 'main.ts') : here;
}

/** Starts the renewal process and waits until it reports; false when renewal is not assured. */
async function startRenewal(
  settings: Settings,
  minted: MintResult,
  configDir: string,
  env: NodeJS.ProcessEnv,
  deadline: number,
): Promise<boolean> {
  const statusFile = statusFilePath(configDir, settings.profile);
  const started = await startRenewalProcess(
    renewalEntry(),
    {
      ids: settings.ids,
      audience: settings.audience,
      baseUrl: settings.baseUrl,
      userAgent: `${userAgent(env)} renewal`,
      credentialsFile: path.join(configDir, 'credentials', `${settings.profile}.json`),
      statusFile,
      watchPid: process.ppid,
      token: { issuedAt: minted.expiresAt - minted.expiresIn * 1000, expiresAt: minted.expiresAt },
      // However the job ends, it is over by then (a runner of unknown kind gets the longer limit).
      jobEndsBy: Date.now() + MAX_JOB_MS[env['RUNNER_ENVIRONMENT'] === 'github-hosted' ? 'github-hosted' : 'self-hosted'],
    },
    env,
    { deadline },
  );
  const { pid } = started;
  const expiresAt = new Date(minted.expiresAt).toISOString();
  if (started.state === 'exited') {
    // Nothing left to stop or report on: post leaves the renewal process alone and removes the files.
    const how = started.signal ?? `code ${started.code ?? 'unknown'}`;
    commands.warning(
      `The background renewal process (pid ${pid}) exited (${how}) before it started: the profile's token is not renewed and expires at ${expiresAt}.`,
    );
    return false;
  }
  commands.saveState(STATE.renewalPid, String(pid));
  commands.saveState(STATE.statusFile, statusFile);
  if (started.state === 'silent') {
    commands.warning(
      `The background renewal process (pid ${pid}) has not reported that it started: renewal is not assured, and the profile's token expires at ${expiresAt}. The post step stops it and reports what it did.`,
    );
    return false;
  }
  commands.info(
    `Started the background renewal process (pid ${pid}): the profile's token is renewed before it expires, until the post step stops it.`,
  );
  commands.info(
    'Renewed tokens are written only to the profile; a background process cannot register log masks, so no step should print the profile.',
  );
  return true;
}

async function writeSummary(settings: Settings, markdown: string, context: RunContext): Promise<void> {
  if (!settings.summary) return;
  await commands.summary.addRaw(scrub(markdown, context.secrets)).write();
}
