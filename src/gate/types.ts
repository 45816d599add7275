// The gate's vocabulary: the reasons it gives, the settings it reads, the run context it judges,
// the decision it returns and the dependencies a caller (or a test) may inject. Types and constant
// lists only; src/gate/gate.ts re-exports all of it.

export type GateReason =
  | 'ok'
  | 'fork-pr'
  | 'dangerous-event'
  | 'insufficient-permission'
  | 'not-a-collaborator'
  | 'bot-not-allowed'
  | 'permission-check-failed'
  | 'unsupported-event';

export const GATE_REASONS: readonly GateReason[] = [
  'ok',
  'fork-pr',
  'dangerous-event',
  'insufficient-permission',
  'not-a-collaborator',
  'bot-not-allowed',
  'permission-check-failed',
  'unsupported-event',
];

export type MinPermission = 'read' | 'write' | 'admin';
export const MIN_PERMISSIONS: readonly MinPermission[] = ['read', 'write', 'admin'];
export function isMinPermission(value: string): value is MinPermission {
  return (MIN_PERMISSIONS as readonly string[]).includes(value);
}

export interface GateSettings {
  /** Input allow-pull-request-target, default false. */
  readonly allowPullRequestTarget: boolean;
  /** Input allow-fork-heads, default false. */
  readonly allowForkHeads: boolean;
  /** Input min-permission, default write. */
  readonly minPermission: MinPermission;
  /** Input allowed-bots: logins with or without the `[bot]` suffix, any case. */
  readonly allowedBots: readonly string[];
  /** Input allowed-users: logins, any case. */
  readonly allowedUsers: readonly string[];
  /** Input allowed-events: extra event names; they still go through the actor check. */
  readonly allowedEvents: readonly string[];
  /** Input github-token, default the job's token. Never appears in any message. */
  readonly githubToken: string;
}

export interface GateContext {
  readonly eventName: string;
  /** GITHUB_REPOSITORY, OWNER/REPO. */
  readonly repository: string;
  readonly actor: string;
  readonly triggeringActor: string;
  /** GITHUB_API_URL without a trailing slash. */
  readonly apiUrl: string;
  /** GITHUB_REF, e.g. refs/heads/main; empty when unset. */
  readonly ref: string;
  /** The parsed event file (a JSON object), or undefined when it could not be read. */
  readonly payload: unknown;
  /** Why the payload is undefined, for the decision message. */
  readonly payloadError?: string;
}

export interface GateDecision {
  readonly allowed: boolean;
  readonly reason: GateReason;
  /** One line a person understands: who, which event, which rule. Never contains the token. */
  readonly summary: string;
  /** Things the caller should log as warnings (allowed-users overrides, fork heads let through…). */
  readonly warnings: readonly string[];
  /** Every login involved in the run, deduplicated case-insensitively, in the order found. */
  readonly actors: readonly string[];
}

export interface GateDeps {
  readonly userAgent?: string;
  /** Per GitHub API request, default 10 s. */
  readonly timeoutMs?: number;
  /** Used before the single retry of a transient failure. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retryDelayMs?: number;
  /** Epoch milliseconds by which every look-up of this decision must be done. */
  readonly deadline?: number;
  readonly now?: () => number;
}
