// The job summary, as Markdown: what was minted for whom, or what failed and how to fix it.
// Built only from non-secret values; the caller still scrubs the text before writing it.
import type { Claims } from './claims.ts';
import type { FederationIds } from '../inputs.ts';

export interface GateLine {
  readonly allowed: boolean;
  readonly reason: string;
  readonly summary: string;
}

export interface SuccessReport {
  readonly claims: Claims;
  readonly ids: FederationIds;
  readonly expiresAt: number;
  readonly renewed: boolean;
  readonly fingerprint: string;
  readonly exported: readonly string[];
  readonly gate: GateLine | undefined;
  readonly profile: string | undefined;
  readonly verified: boolean;
}

export interface FailureReport {
  readonly title: string;
  readonly message: string;
  readonly hint: string | undefined;
  readonly gate: GateLine | undefined;
}

export interface DryRunReport {
  readonly claims: Claims;
  readonly ruleJson: string;
  readonly condition: string;
  readonly gate: GateLine | undefined;
}

const HEADING = '### Claude credentials (GitHub OIDC)';

/** Text safe inside a Markdown table cell. */
export function cell(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;');
}

/** Plain text inside a table cell: Markdown punctuation is escaped, so text from a webhook payload
 *  (a workflow's name, a login) cannot become a link, an autolink, an image or emphasis. */
export function plain(value: string): string {
  return (
    cell(value)
      .replace(/[[\]()!*_~`#]/g, (c) => `\\${c}`)
      // Nor a bare URL that GitHub would link by itself: a zero-width space breaks `://` and `www.`.
      .replace(/:\/\//g, ':\u200b//')
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\u200b.`)
  );
}

/** Text inside a fenced code block: it cannot close the fence. */
function fenced(value: string): string {
  return value.replace(/```/g, "'''");
}

function code(value: string): string {
  return value === '' ? '' : `\`${cell(value).replace(/`/g, "'")}\``;
}

function table(rows: ReadonlyArray<readonly [string, string]>): string {
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

function identityRows(claims: Claims): Array<[string, string]> {
  return [
    ['Repository', code(String(claims.repository ?? ''))],
    ['Ref', code(String(claims.ref ?? ''))],
    ['Event', code(String(claims.event_name ?? ''))],
    ['Actor', code(String(claims.actor ?? ''))],
    ...(claims.environment === undefined ? [] : [['Environment', code(String(claims.environment))] as [string, string]]),
  ];
}

function gateRow(gate: GateLine | undefined): Array<[string, string]> {
  return gate === undefined ? [] : [['Gate', `${gate.allowed ? 'allowed' : 'denied'} (${code(gate.reason)}): ${plain(gate.summary)}`]];
}

export function successSummary(report: SuccessReport): string {
  const expires = new Date(report.expiresAt).toISOString();
  const renewal = report.renewed
    ? 'renewed in the background for the whole job (profile)'
    : 'not renewed: later steps must finish before it expires';
  const rows: Array<[string, string]> = [
    ...identityRows(report.claims),
    ['Federation rule', code(report.ids.federationRuleId)],
    ['Organization', code(report.ids.organizationId)],
    ['Service account', code(report.ids.serviceAccountId ?? '(from the rule)')],
    ['Workspace', code(report.ids.workspaceId ?? '(from the rule)')],
    ['Token expires', `${expires}, ${renewal}`],
    ['Token fingerprint', code(report.fingerprint)],
    ['Exported', report.exported.length === 0 ? 'outputs only' : report.exported.map(code).join(', ')],
    ...(report.profile === undefined ? [] : [['Profile', code(report.profile)] as [string, string]]),
    ['Verified', report.verified ? 'yes (GET /v1/models answered 200)' : 'not checked (`verify: true` checks it)'],
    ...gateRow(report.gate),
  ];
  return `${HEADING}\n\n:white_check_mark: Minted a short-lived Claude API token.\n\n${table(rows)}\n`;
}

export function failureSummary(report: FailureReport): string {
  const parts = [HEADING, '', `:x: **${plain(report.title)}**`, '', '```text', fenced(report.message), '```'];
  if (report.hint !== undefined) parts.push('', '**How to fix it**', '', '```text', fenced(report.hint), '```');
  if (report.gate !== undefined) parts.push('', table(gateRow(report.gate)));
  return `${parts.join('\n')}\n`;
}

export function deniedSummary(gate: GateLine, skipped: boolean): string {
  const verdict = skipped ? ':fast_forward: Skipped: no credentials for this run.' : ':no_entry: Denied: no credentials for this run.';
  return `${HEADING}\n\n${verdict}\n\n${table([...gateRow(gate), ['OIDC token', 'not requested'], ['Token exchange', 'not attempted']])}\n`;
}

export function dryRunSummary(report: DryRunReport): string {
  return [
    HEADING,
    '',
    ':mag: Dry run: fetched the OIDC token and stopped before the exchange (no token minted).',
    '',
    table([...identityRows(report.claims), ['Subject', code(String(report.claims.sub ?? ''))], ...gateRow(report.gate)]),
    '',
    '<details><summary>Suggested federation rule (Admin API body)</summary>',
    '',
    '```json',
    fenced(report.ruleJson),
    '```',
    '',
    'As a CEL condition:',
    '',
    '```cel',
    fenced(report.condition),
    '```',
    '</details>',
    '',
  ].join('\n');
}
