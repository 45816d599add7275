// Credentials already in the job's environment silently win over what this action sets up
// (every SDK and the CLI rank ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN above profiles, and the
// CLI ranks CLAUDE_CODE_OAUTH_TOKEN above them too), and an ANTHROPIC_BASE_URL already set sends
// every token the action hands on to that host. Find them before anything touches the network.
import { ActionError } from '../errors.ts';
import { checkBaseUrl, type ConflictPolicy, type ExportTarget } from '../inputs.ts';

export interface Conflict {
  readonly name: string;
  readonly why: string;
  /** Why later steps must not keep the value even under `warn` (it fails the base-url rules). */
  readonly unsafeToKeep?: string;
}

const WHERE =
  'probably from an `env:` block at the workflow or job level (e.g. `${{ secrets.ANTHROPIC_API_KEY }}`), or an earlier step (an earlier use of this action included) that wrote it to $GITHUB_ENV';

/** `baseUrl` is the base-url input, without a trailing slash. */
export function findConflicts(env: NodeJS.ProcessEnv, exports: ReadonlySet<ExportTarget>, baseUrl: string): Conflict[] {
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
  const baseUrlConflict = exports.size > 0 ? findBaseUrlConflict(env['ANTHROPIC_BASE_URL'] ?? '', baseUrl) : undefined;
  if (baseUrlConflict !== undefined) conflicts.push(baseUrlConflict);
  return conflicts;
}

/** The SDKs and the CLI send every request, the exported token with it, to ANTHROPIC_BASE_URL. */
function findBaseUrlConflict(value: string, baseUrl: string): Conflict | undefined {
  if (value.trim() === '') return undefined;
  // Shown as its scheme and host only: the rest of a URL can carry a key.
  const parsed = URL.canParse(value.trim()) ? new URL(value.trim()) : undefined;
  const shown = parsed === undefined ? 'a value that is not a URL' : `"${parsed.protocol}//${parsed.host}"`;
  const theirs = checkBaseUrl(value.trim(), 'ANTHROPIC_BASE_URL', shown);
  const readable = parsed !== undefined;
  if (readable && theirs.url === baseUrl) return undefined;
  const there = readable ? new URL(theirs.url).host : 'a value that is not a URL';
  return {
    name: 'ANTHROPIC_BASE_URL',
    why: `the SDKs and the claude CLI would send the minted token to ${there}, not to ${new URL(baseUrl).host} (base-url)`,
    ...(theirs.problem === undefined ? {} : { unsafeToKeep: theirs.problem }),
  };
}

export interface ConflictOutcome {
  /** Variables to export as empty strings (empty counts as unset for the SDKs and the CLI). */
  readonly clear: readonly string[];
  /** Whether ANTHROPIC_BASE_URL already in the job stays as it is (`warn`); otherwise the action
   *  exports its base-url over it. */
  readonly keepBaseUrl: boolean;
  readonly warnings: readonly string[];
}

/** `dryRun`: nothing is exported, so every conflict is only worth a warning. */
export function resolveConflicts(conflicts: readonly Conflict[], policy: ConflictPolicy, dryRun = false): ConflictOutcome {
  if (conflicts.length === 0) return { clear: [], keepBaseUrl: false, warnings: [] };
  const lines = conflicts.map((c) => `${c.name} is already set (${WHERE}): ${c.why}`);
  if (dryRun) {
    const then = `conflicting-credentials: ${policy} decides what a run that is not a dry run does about it`;
    return { clear: [], keepBaseUrl: true, warnings: lines.map((l) => `${l}. ${then}.`) };
  }
  if (policy === 'fail') {
    throw new ActionError(
      'conflicting-credentials',
      `Credentials already in this job's environment would shadow the ones this action sets up:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
      'Remove them from the workflow, or set `conflicting-credentials: override` to blank them for later steps (ANTHROPIC_BASE_URL: to export base-url over it), or `warn` to keep them.',
    );
  }
  if (policy === 'override') {
    return {
      clear: conflicts.filter((c) => c.name !== 'ANTHROPIC_BASE_URL').map((c) => c.name),
      keepBaseUrl: false,
      warnings: conflicts.map((c) =>
        c.name === 'ANTHROPIC_BASE_URL'
          ? `${c.name} was set; exported base-url over it for later steps so the minted token goes where it was minted (${c.why}).`
          : `${c.name} was set; exported it as empty for later steps so the minted credentials are used (${c.why}).`,
      ),
    };
  }
  const unsafe = conflicts.map((c) => c.unsafeToKeep).find((why) => why !== undefined);
  if (unsafe !== undefined) {
    throw new ActionError(
      'conflicting-credentials',
      `${unsafe}; conflicting-credentials: warn would keep it, and later steps would send the minted token there.`,
      'Remove it from the workflow, or set `conflicting-credentials: override` to replace it with base-url for later steps.',
    );
  }
  return {
    clear: [],
    keepBaseUrl: conflicts.some((c) => c.name === 'ANTHROPIC_BASE_URL'),
    warnings: conflicts.map((c, i) =>
      c.name === 'ANTHROPIC_BASE_URL'
        ? `${lines[i] ?? c.name}. Later steps will send the minted token there.`
        : `${lines[i] ?? c.name}. Later steps will use it instead of the minted credentials.`,
    ),
  };
}
