// What later steps get: the step's outputs, the profile (ANTHROPIC_CONFIG_DIR + ANTHROPIC_PROFILE)
// and/or CLAUDE_CODE_OAUTH_TOKEN, and ANTHROPIC_BASE_URL naming where the token was minted.
import * as commands from '../log/commands.ts';
import type { ConflictOutcome } from './conflicts.ts';
import { tokenFingerprint } from '../diagnostics/fingerprint.ts';
import type { Settings } from '../inputs.ts';
import type { MintResult } from '../credentials/mint.ts';
import { prepareConfigDir, writeProfile } from './profile.ts';
import { STATE } from '../state.ts';

export interface Exported {
  /** The variables exported for later steps, in order. */
  readonly names: string[];
  /** The profile's config directory, when the profile was exported. */
  readonly configDir: string | undefined;
}

export async function exportCredentials(
  settings: Settings,
  minted: MintResult,
  conflicts: ConflictOutcome,
  env: NodeJS.ProcessEnv,
): Promise<Exported> {
  const expiresAt = new Date(minted.expiresAt).toISOString();
  commands.setOutput('access-token', minted.accessToken);
  commands.setOutput('expires-at', expiresAt);
  commands.setOutput('expires-in', String(Math.round(minted.expiresIn)));
  commands.setOutput('token-fingerprint', tokenFingerprint(minted.accessToken));
  commands.setOutput('federation-rule-id', settings.ids.federationRuleId);
  commands.setOutput('organization-id', settings.ids.organizationId);
  commands.setOutput('service-account-id', settings.ids.serviceAccountId ?? '');
  commands.setOutput('workspace-id', settings.ids.workspaceId ?? '');
  for (const warning of conflicts.warnings) commands.warning(warning);
  for (const name of conflicts.clear) commands.exportVariable(name, '');

  const names: string[] = [];
  let configDir: string | undefined;
  if (settings.exports.has('profile')) {
    configDir = await prepareConfigDir(env['RUNNER_TEMP'] ?? '');
    await writeProfile(configDir, settings.profile, minted.accessToken, minted.expiresAt);
    // Only once this use's files exist: a failed write must not hand post another use's profile.
    commands.saveState(STATE.configDir, configDir);
    commands.saveState(STATE.profile, settings.profile);
    commands.exportVariable('ANTHROPIC_CONFIG_DIR', configDir);
    commands.exportVariable('ANTHROPIC_PROFILE', settings.profile);
    commands.setOutput('config-dir', configDir);
    commands.setOutput('profile', settings.profile);
    names.push('ANTHROPIC_CONFIG_DIR', 'ANTHROPIC_PROFILE');
  }
  if (settings.exports.has('claude-code-oauth-token')) {
    commands.exportVariable('CLAUDE_CODE_OAUTH_TOKEN', minted.accessToken);
    names.push('CLAUDE_CODE_OAUTH_TOKEN');
    commands.warning(
      `CLAUDE_CODE_OAUTH_TOKEN holds a token that expires at ${expiresAt} and cannot be renewed (an environment variable is fixed when a step starts). ` +
        'Steps that run longer should use the profile (export: profile) or claude-code-action with its own federation inputs; see the README.',
    );
  }
  // Later steps send the token wherever ANTHROPIC_BASE_URL points, so it always names base-url,
  // the default included; a different value already in the job is kept only under `warn`.
  if (names.length > 0 && !conflicts.keepBaseUrl) {
    commands.exportVariable('ANTHROPIC_BASE_URL', settings.baseUrl);
    names.push('ANTHROPIC_BASE_URL');
  }
  if (names.length > 0) commands.info(`Exported for later steps: ${names.join(', ')}.`);
  return { names, configDir };
}
