// Shared by the gate's table tests: the settings every case starts from, payload builders (webhook
// payloads shaped like GitHub's, read from test/fixtures/events/ and reshaped per case), and the
// shape of a case and of its expected decision. The loopback API and the runner are ./harness.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GateReason, GateSettings } from '../../src/gate/gate.ts';
import type { PullAnswer, UserAnswer } from '../support/github-api.ts';

// Webhook payloads are untyped JSON that the cases reshape (a fork head, `head.repo: null`, a
// deleted user); a type for each GitHub payload would check nothing the assertions do not.
/* eslint-disable @typescript-eslint/no-unsafe-member-access */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export const TOKEN = 'ghs_gateTestToken_0123456789abcdefABCDEF';
export const REPOSITORY = 'acme/widgets'; // repository.id 100 in every fixture
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'events');
/** The names of a context read from an environment that sets none of them. */
export const NO_NAMES = {
  eventName: '',
  repository: '',
  actor: '',
  triggeringActor: '',
  apiUrl: 'https://api.github.com',
  ref: '',
} as const;

export const DEFAULTS: GateSettings = {
  allowPullRequestTarget: false,
  allowForkHeads: false,
  minPermission: 'write',
  allowedBots: [],
  allowedUsers: [],
  allowedEvents: [],
  githubToken: TOKEN,
};

export function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Json;
}

export function user(login: string, id = 500, type = 'User'): Json {
  return { login, id, node_id: `U_${id}`, type, site_admin: false };
}

export const fork = { id: 200, name: 'widgets', full_name: 'mallory/widgets', fork: true, owner: user('mallory', 66) };
export const sameRepo = {
  id: 100,
  name: 'widgets',
  full_name: 'acme/widgets',
  fork: false,
  owner: { login: 'acme', id: 10, type: 'Organization' },
};

export interface Case {
  readonly name: string;
  readonly event: string;
  /** Fixture file name (defaults to the event name); null: no event file at all. */
  readonly fixture?: string | null;
  readonly mutate?: (payload: Json) => void;
  /** Raw event file content instead of a fixture. */
  readonly raw?: string;
  readonly actor?: string;
  readonly triggeringActor?: string;
  /** GITHUB_REF; unset when undefined. */
  readonly ref?: string;
  readonly settings?: Partial<GateSettings>;
  readonly users?: Readonly<Record<string, UserAnswer | string>>;
  readonly pulls?: Readonly<Record<number, PullAnswer>>;
  readonly timeoutMs?: number;
  readonly expected: {
    readonly allowed: boolean;
    readonly reason: GateReason;
    /** Exactly the look-ups made, in order. */
    readonly lookups: readonly string[];
    readonly summary?: readonly RegExp[];
    readonly warnings?: readonly RegExp[];
    readonly sleeps?: readonly number[];
  };
}

export const allow = (lookups: readonly string[], extra: Partial<Case['expected']> = {}): Case['expected'] => ({
  allowed: true,
  reason: 'ok',
  lookups,
  ...extra,
});
export const deny = (
  reason: Exclude<GateReason, 'ok'>,
  lookups: readonly string[],
  extra: Partial<Case['expected']> = {},
): Case['expected'] => ({
  allowed: false,
  reason,
  lookups,
  ...extra,
});

export const setHead = (repo: Json | null) => (p: Json) => {
  p['pull_request'].head.repo = repo;
};

/** A pattern that matches exactly `text`, for asserting a whole summary or warning line. */
export const exactly = (text: string): RegExp => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

export const dependabot = (): Json => user('dependabot[bot]', 49699333, 'Bot');
export const botSender = (login: string, id: number) => (p: Json) => {
  p['sender'] = user(login, id, 'Bot');
};
