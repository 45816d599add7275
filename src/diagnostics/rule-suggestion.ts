// A federation rule that admits exactly this repository and workflow, built from the job's own
// OIDC claims: the Admin API body and the same match as a CEL condition.
import type { Claims } from './claims.ts';
import type { FederationIds } from '../inputs.ts';

export interface RuleMatch {
  readonly subject_prefix: string;
  readonly audience: string;
  readonly claims: Readonly<Record<string, string>>;
}

export interface RuleSuggestion {
  readonly body: Record<string, unknown>;
  readonly match: RuleMatch;
  readonly condition: string;
}

/** Events whose `ref` names the default branch whatever triggered them: pinning `ref` does not keep them out. */
const REF_IS_DEFAULT_BRANCH = new Set([
  'pull_request_target',
  'workflow_run',
  'issue_comment',
  'issues',
  'discussion',
  'discussion_comment',
  'schedule',
]);

const str = (value: string | number | undefined): string | undefined => (value === undefined ? undefined : String(value));

function pinnedClaims(claims: Claims): Record<string, string> {
  const pins: Record<string, string> = {};
  const add = (name: string, value: string | number | undefined): void => {
    const text = str(value);
    if (text !== undefined && text !== '') pins[name] = text;
  };
  add('repository_id', claims.repository_id);
  add('repository_owner_id', claims.repository_owner_id);
  add('event_name', claims.event_name);
  // A reusable workflow's job_workflow_ref names the exact workflow file and ref that runs;
  // for a plain workflow it equals workflow_ref. Prefer it; fall back to ref.
  if (claims.job_workflow_ref !== undefined) add('job_workflow_ref', claims.job_workflow_ref);
  else add('ref', claims.ref);
  if (claims.environment !== undefined) add('environment', claims.environment);
  add('runner_environment', claims.runner_environment);
  return pins;
}

/** A single-quoted CEL string literal; control characters as \u escapes, so it stays one line. */
function celString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped}'`;
}

function ruleName(claims: Claims): string {
  const slug = String(claims.repository ?? 'github-actions')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `gha-${slug}`.slice(0, 60);
}

export function suggestRule(claims: Claims, audience: string, ids: Partial<FederationIds>): RuleSuggestion {
  const match: RuleMatch = {
    subject_prefix: String(claims.sub ?? ''),
    audience,
    claims: pinnedClaims(claims),
  };
  const conditionParts = [
    `claims.sub == ${celString(match.subject_prefix)}`,
    `${celString(audience)} in (type(claims.aud) == list ? claims.aud : [claims.aud])`,
    ...Object.entries(match.claims).map(([name, value]) => `claims.${name} == ${celString(value)}`),
  ];
  const body: Record<string, unknown> = {
    name: ruleName(claims),
    description: `GitHub Actions: ${String(claims.repository ?? '')} ${String(claims.event_name ?? '')} (suggested by the action from a run's claims)`,
    issuer_id: '<the GitHub Actions issuer ID from Settings → Workload identity>',
    match,
    oauth_scope: 'workspace:inference',
    target: { type: 'service_account', service_account_id: ids.serviceAccountId ?? '<svac_… your service account>' },
    ...(ids.workspaceId === undefined ? { workspace_id: '<wrkspc_… or default>' } : { workspace_id: ids.workspaceId }),
    token_lifetime_seconds: 3600,
  };
  return { body, match, condition: conditionParts.join(' &&\n  ') };
}

/** Notes worth printing beside the suggestion. */
export function suggestionNotes(claims: Claims): string[] {
  const notes: string[] = [];
  const sub = String(claims.sub ?? '');
  if (/^repo:[^/:]+@\d+\//.test(sub)) {
    notes.push(
      'This repository uses the immutable subject form (repo:OWNER@ID/REPO@ID:…): a rule written as repo:OWNER/REPO:* does not match it.',
    );
  }
  if (claims.event_name !== undefined && REF_IS_DEFAULT_BRANCH.has(String(claims.event_name))) {
    notes.push(
      `For ${String(claims.event_name)} the ref claims name the default branch whatever triggered the run; the event_name pin is what keeps other events out.`,
    );
  }
  return notes;
}

/** The claims a 401 most often turns on, with this run's values. */
export function likelyMismatches(claims: Claims, audience: string): string[] {
  return [
    `sub = ${String(claims.sub ?? '(missing)')} (the rule's subject_prefix must equal it, or be a prefix of it ending in *)`,
    `aud = ${String(claims.aud ?? '(missing)')} (the rule's audience; this action asked for ${audience})`,
    `event_name = ${String(claims.event_name ?? '(missing)')}, ref = ${String(claims.ref ?? '(missing)')}`,
    `job_workflow_ref = ${String(claims.job_workflow_ref ?? '(missing)')}`,
    `repository_id = ${String(claims.repository_id ?? '(missing)')}, repository_owner_id = ${String(claims.repository_owner_id ?? '(missing)')}`,
    ...(claims.environment === undefined
      ? []
      : [`environment = ${String(claims.environment)} (an environment changes sub to …:environment:NAME)`]),
  ];
}
