// Turns any failure of the main step into one clear, scrubbed error and a summary that says how to fix it.
import * as commands from './commands.ts';
import { ActionError, InputError, messageOf } from '../errors.ts';
import { scrub } from './redact.ts';
import type { RunContext } from '../run.ts';
import { failureSummary } from '../diagnostics/summary.ts';

function titleOf(error: unknown): string {
  if (error instanceof InputError) return 'Invalid inputs: nothing was requested';
  if (error instanceof ActionError) {
    if (error.code.startsWith('gate-')) return 'Denied by the fork-safety gate';
    if (error.code === 'missing-id-token-permission') return 'The job cannot request an OIDC token';
    if (error.code === 'conflicting-credentials') return 'Credentials already in the environment would shadow the minted ones';
    if (error.code === 'exchange-denied') return 'Anthropic denied the token exchange';
    if (error.code === 'verify-failed') return 'The minted token cannot reach the API';
  }
  return 'Could not mint Claude credentials';
}

export async function reportFailure(error: unknown, context: RunContext, env: NodeJS.ProcessEnv): Promise<void> {
  const message = scrub(messageOf(error), context.secrets);
  const hint = error instanceof ActionError && error.hint !== undefined ? scrub(error.hint, context.secrets) : undefined;
  commands.setFailed(hint === undefined ? message : `${message}\n${hint}`);
  const summaryOn = context.settings?.summary ?? !['false', 'False', 'FALSE'].includes((env['INPUT_SUMMARY'] ?? '').trim());
  if (!summaryOn || (error instanceof ActionError && error.code.startsWith('gate-'))) return;
  try {
    await commands.summary
      .addRaw(scrub(failureSummary({ title: titleOf(error), message, hint, gate: context.gate }), context.secrets))
      .write();
  } catch (summaryError) {
    commands.warning(`Could not write the job summary: ${scrub(messageOf(summaryError), context.secrets)}`);
  }
}
