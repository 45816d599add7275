// Credentials already in the job's environment silently win over what this action sets up
// (every SDK and the CLI rank ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN above profiles, and the
// CLI ranks CLAUDE_CODE_OAUTH_TOKEN above them too). Find them before minting anything.
import { ActionError } from './errors.ts';
import type { ConflictPolicy, ExportTarget } from './inputs.ts';

export interface Conflict {
  readonly name: string;
  readonly why: string;
}

const WHERE =
  'probably from an `env:` block at the workflow or job level (e.g. `${{ secrets.ANTHROPIC_API_KEY }}`), or an earlier step that wrote it to $GITHUB_ENV';

export function findConflicts(env: NodeJS.ProcessEnv, exports: ReadonlySet<ExportTarget>): Conflict[] {
  const conflicts: Conflict[] = [];
  const set = (name: string): boolean => (env[name] ?? '') !== '';
  if (set('ANTHROPIC_API_KEY')) {
    conflicts.push({ name: 'ANTHROPIC_API_KEY', why: 'an API key outranks the minted token in the SDKs and the claude CLI' });
  }
  if (set('ANTHROPIC_AUTH_TOKEN')) {
    conflicts.push({ name: 'ANTHROPIC_AUTH_TOKEN', why: 'a static bearer token outranks the profile in the SDKs and the claude CLI' });
  }
  if (exports.has('profile') && !exports.has('claude-code-oauth-token') && set('CLAUDE_CODE_OAUTH_TOKEN')) {
    conflicts.push({ name: 'CLAUDE_CODE_OAUTH_TOKEN', why: 'the claude CLI (and claude-code-action) use it before any profile' });
  }
  return conflicts;
}

export interface ConflictOutcome {
  /** Variables to export as empty strings (empty counts as unset for the SDKs and the CLI). */
  readonly clear: readonly string[];
  readonly warnings: readonly string[];
}

export function resolveConflicts(conflicts: readonly Conflict[], policy: ConflictPolicy): ConflictOutcome {
  if (conflicts.length === 0) return { clear: [], warnings: [] };
  const lines = conflicts.map((c) => `${c.name} is already set (${WHERE}): ${c.why}`);
  if (policy === 'fail') {
    throw new ActionError(
      'conflicting-credentials',
      `Credentials already in this job's environment would shadow the ones this action sets up:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
      'Remove them from the workflow, or set `conflicting-credentials: override` to blank them for later steps (or `warn` to keep them).',
    );
  }
  if (policy === 'override') {
    return {
      clear: conflicts.map((c) => c.name),
      warnings: conflicts.map(
        (c) => `${c.name} was set; exported it as empty for later steps so the minted credentials are used (${c.why}).`,
      ),
    };
  }
  return { clear: [], warnings: lines.map((l) => `${l}. Later steps will use it instead of the minted credentials.`) };
}
