// Every input, read once into one typed object. Every problem is collected and reported together,
// each naming the input and showing a valid value. Nothing here touches the network.
import { InputError } from './errors.ts';
import type { GateSettings, MinPermission } from './gate/gate.ts';
import { isProfileName } from './export/profile.ts';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_AUDIENCE = 'https://api.anthropic.com';
export const DEFAULT_PROFILE = 'github-actions';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export type ExportTarget = 'profile' | 'claude-code-oauth-token';
export type ConflictPolicy = 'fail' | 'override' | 'warn';

export interface FederationIds {
  readonly federationRuleId: string;
  readonly organizationId: string;
  readonly serviceAccountId?: string;
  readonly workspaceId?: string;
}

export interface Settings {
  readonly ids: FederationIds;
  readonly audience: string;
  /** Without a trailing slash. */
  readonly baseUrl: string;
  readonly exports: ReadonlySet<ExportTarget>;
  readonly profile: string;
  readonly conflictingCredentials: ConflictPolicy;
  readonly timeoutSeconds: number;
  readonly refresh: boolean;
  readonly gate: GateSettings;
  readonly onDeny: 'fail' | 'skip';
  readonly dryRun: boolean;
  readonly verify: boolean;
  readonly summary: boolean;
}

/** Reads one input as the runner passes it (`INPUT_<NAME>`), untrimmed. */
export type InputReader = (name: string) => string;

export function inputsFromEnv(env: NodeJS.ProcessEnv): InputReader {
  return (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

const ID_RULES = {
  'federation-rule-id': {
    env: 'ANTHROPIC_FEDERATION_RULE_ID',
    pattern: /^fdrl_[A-Za-z0-9]{1,128}$/,
    example: 'fdrl_01AbCdEfGhIjKlMnOpQrStUv',
    what: 'a federation rule ID starting with fdrl_',
  },
  'organization-id': {
    env: 'ANTHROPIC_ORGANIZATION_ID',
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    example: '12345678-90ab-cdef-1234-567890abcdef',
    what: 'an organization UUID',
  },
  'service-account-id': {
    env: 'ANTHROPIC_SERVICE_ACCOUNT_ID',
    pattern: /^svac_[A-Za-z0-9]{1,128}$/,
    example: 'svac_01AbCdEfGhIjKlMnOpQrStUv',
    what: 'a service account ID starting with svac_',
  },
  'workspace-id': {
    env: 'ANTHROPIC_WORKSPACE_ID',
    pattern: /^(wrkspc_[A-Za-z0-9]{1,128}|default)$/,
    example: 'wrkspc_01AbCdEfGhIjKlMnOpQrStUv',
    what: 'a workspace ID starting with wrkspc_, or default',
  },
} as const;
type IdInput = keyof typeof ID_RULES;

const BOOLEAN_TRUE = ['true', 'True', 'TRUE'];
const BOOLEAN_FALSE = ['false', 'False', 'FALSE'];
const MIN_PERMISSIONS: readonly MinPermission[] = ['read', 'write', 'admin'];
/** A login, bot login (`name[bot]`) or event name; a login may be written `@login`. */
const LIST_ITEM = /^@?[A-Za-z0-9_.\-[\]]+$/;

class Collector {
  readonly problems: string[] = [];
  add(problem: string): void {
    this.problems.push(problem);
  }
}

function readId(name: IdInput, read: InputReader, env: NodeJS.ProcessEnv, required: boolean, out: Collector): string | undefined {
  const rule = ID_RULES[name];
  const fromInput = read(name);
  const source = fromInput !== '' ? `input ${name}` : `${rule.env} (fallback for ${name})`;
  const value = fromInput !== '' ? fromInput : (env[rule.env] ?? '');
  if (value === '') {
    if (required) out.add(`${name} is required: set the input or ${rule.env}, e.g. \`${name}: ${rule.example}\``);
    return undefined;
  }
  if (/\s/.test(value)) {
    out.add(
      `${source} contains whitespace (a stray space or newline from a copied secret?): expected ${rule.what}, e.g. \`${rule.example}\``,
    );
    return undefined;
  }
  if (!rule.pattern.test(value)) {
    out.add(`${source} is not ${rule.what}: got ${describeValue(value)}, e.g. \`${name}: ${rule.example}\``);
    return undefined;
  }
  return value;
}

/** Shows what was given without echoing something that may be a secret pasted in the wrong place. */
function describeValue(value: string): string {
  if (/sk-ant-|eyJ|gh[pousr]_|github_pat_/.test(value)) return 'something that looks like a secret (not shown)';
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `"${shown}"`;
}

function readBoolean(name: string, read: InputReader, fallback: boolean, out: Collector): boolean {
  const value = read(name).trim();
  if (value === '') return fallback;
  if (BOOLEAN_TRUE.includes(value)) return true;
  if (BOOLEAN_FALSE.includes(value)) return false;
  out.add(`${name} must be true or false: got ${describeValue(value)}, e.g. \`${name}: ${String(fallback)}\``);
  return fallback;
}

function readChoice<T extends string>(name: string, read: InputReader, choices: readonly T[], fallback: T, out: Collector): T {
  const value = read(name).trim();
  if (value === '') return fallback;
  const match = choices.find((c) => c === value);
  if (match === undefined) {
    out.add(`${name} must be one of ${choices.join(', ')}: got ${describeValue(value)}, e.g. \`${name}: ${fallback}\``);
    return fallback;
  }
  return match;
}

/** A comma- or newline-separated list; empty items are ignored. */
export function splitList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function readList(name: string, read: InputReader, example: string, out: Collector): string[] {
  const items = splitList(read(name));
  const bad = items.filter((item) => !LIST_ITEM.test(item));
  if (bad.length > 0) {
    // The problem fails readSettings as a whole, so the items are never used.
    out.add(
      `${name} must be a comma- or newline-separated list of names: ${bad.map(describeValue).join(', ')} is not one, e.g. \`${name}: ${example}\``,
    );
  }
  return items;
}

function readBaseUrl(read: InputReader, out: Collector): string {
  const raw = read('base-url').trim();
  const checked = checkBaseUrl(raw === '' ? DEFAULT_BASE_URL : raw, 'base-url');
  if (checked.problem !== undefined) out.add(`${checked.problem}, e.g. \`base-url: ${DEFAULT_BASE_URL}\``);
  return checked.url;
}

/** An API root later steps may send a token to: https, or http on loopback only; no credentials,
 *  query or fragment. `url` is the value without a trailing slash (the default when unreadable);
 *  `problem` names `what`, says what is wrong and shows the value as `shown`. */
export function checkBaseUrl(
  value: string,
  what: string,
  shown = describeValue(value),
): { readonly url: string; readonly problem?: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { url: DEFAULT_BASE_URL, problem: `${what} is not a URL: got ${shown}` };
  }
  const href = url.href.replace(/\/+$/, '');
  if (url.username !== '' || url.password !== '') return { url: href, problem: `${what} must not carry credentials (user:password@)` };
  if (/[?#]/.test(value)) return { url: href, problem: `${what} must not have a query or fragment: got ${shown}` };
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return {
      url: href,
      problem: `${what} may use http: only for localhost, 127.0.0.1 or ::1 (tokens must not cross a network in clear text): got ${shown}`,
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { url: href, problem: `${what} must be an https: URL: got ${shown}` };
  return { url: href };
}

function readExports(read: InputReader, out: Collector): Set<ExportTarget> {
  const items = splitList(read('export').toLowerCase());
  const list = items.length === 0 ? ['profile'] : items;
  const targets = new Set<ExportTarget>();
  for (const item of list) {
    if (item === 'profile' || item === 'claude-code-oauth-token') targets.add(item);
    else if (item !== 'none') {
      out.add(`export has an unknown value ${describeValue(item)}: use profile, claude-code-oauth-token or none, e.g. \`export: profile\``);
    }
  }
  if (list.includes('none') && list.length > 1) {
    out.add('export: none cannot be combined with other values, e.g. `export: none` or `export: profile,claude-code-oauth-token`');
  }
  return targets;
}

function readTimeout(read: InputReader, out: Collector): number {
  const value = read('timeout-seconds').trim();
  if (value === '') return 60;
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 5 || seconds > 600) {
    out.add(`timeout-seconds must be a number of seconds from 5 to 600: got ${describeValue(value)}, e.g. \`timeout-seconds: 60\``);
    return 60;
  }
  return seconds;
}

function readProfile(read: InputReader, out: Collector): string {
  const value = read('profile').trim();
  if (value === '') return DEFAULT_PROFILE;
  if (!isProfileName(value)) {
    out.add(
      `profile must be 1 to 64 letters, digits, '_', '.' or '-' (not . or ..): got ${describeValue(value)}, e.g. \`profile: ${DEFAULT_PROFILE}\``,
    );
    return DEFAULT_PROFILE;
  }
  return value;
}

function readAudience(read: InputReader, out: Collector): string {
  const value = read('audience').trim();
  if (value === '') return DEFAULT_AUDIENCE;
  if (/[\s,]/.test(value) || value.length > 256) {
    out.add(
      `audience must be one value without spaces or commas, at most 256 characters: got ${describeValue(value)}, e.g. \`audience: ${DEFAULT_AUDIENCE}\``,
    );
    return DEFAULT_AUDIENCE;
  }
  return value;
}

function readGate(read: InputReader, env: NodeJS.ProcessEnv, out: Collector): GateSettings {
  const token = read('github-token').trim();
  return {
    allowPullRequestTarget: readBoolean('allow-pull-request-target', read, false, out),
    allowForkHeads: readBoolean('allow-fork-heads', read, false, out),
    minPermission: readChoice('min-permission', read, MIN_PERMISSIONS, 'write', out),
    allowedBots: readList('allowed-bots', read, 'dependabot[bot],renovate[bot]', out),
    allowedUsers: readList('allowed-users', read, 'octocat,hubot', out),
    allowedEvents: readList('allowed-events', read, 'deployment,repository_dispatch', out),
    githubToken: token !== '' ? token : (env['GITHUB_TOKEN'] ?? ''),
  };
}

/** Parses and checks every input; throws one InputError listing every problem. */
export function readSettings(read: InputReader, env: NodeJS.ProcessEnv): Settings {
  const out = new Collector();
  // A dry run stops before the exchange, and is how a first setup learns what rule to create:
  // the rule and organization IDs are checked when given, but not required.
  const dryRun = readBoolean('dry-run', read, false, out);
  const federationRuleId = readId('federation-rule-id', read, env, !dryRun, out);
  const organizationId = readId('organization-id', read, env, !dryRun, out);
  const serviceAccountId = readId('service-account-id', read, env, false, out);
  const workspaceId = readId('workspace-id', read, env, false, out);
  const exports = readExports(read, out);
  const settings: Settings = {
    ids: {
      federationRuleId: federationRuleId ?? '',
      organizationId: organizationId ?? '',
      ...(serviceAccountId === undefined ? {} : { serviceAccountId }),
      ...(workspaceId === undefined ? {} : { workspaceId }),
    },
    audience: readAudience(read, out),
    baseUrl: readBaseUrl(read, out),
    exports,
    profile: readProfile(read, out),
    conflictingCredentials: readChoice('conflicting-credentials', read, ['fail', 'override', 'warn'], 'fail', out),
    timeoutSeconds: readTimeout(read, out),
    refresh: readBoolean('refresh', read, true, out) && exports.has('profile'),
    gate: readGate(read, env, out),
    onDeny: readChoice('on-deny', read, ['fail', 'skip'], 'fail', out),
    dryRun,
    verify: readBoolean('verify', read, false, out),
    summary: readBoolean('summary', read, true, out),
  };
  if (out.problems.length > 0) throw new InputError(out.problems);
  return settings;
}
