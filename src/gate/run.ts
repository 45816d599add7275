// One decision in the making: the run being judged (settings, context, the API options), the actors
// found so far, the warnings, and the words of the decision line. Every rule ends with
// `run.allow(…)` or `run.deny(reason, …)`, so every summary reads the same way:
// "<Allowed|Denied> (<reason>): <event> [subject] in <repo> by <actor> [(re-run by …)]: <why>".
import type { GitHubApiOptions } from './github.ts';
import { name } from './text.ts';
import type { GateContext, GateDecision, GateReason, GateSettings } from './types.ts';

export interface Actor {
  readonly login: string;
  /** The login in lower case: logins compare case-insensitively. */
  readonly key: string;
  /** Where it was found: "GITHUB_ACTOR", "the event sender", "the pull request author"… */
  readonly roles: string[];
  bot: boolean;
}

export interface ActorSource {
  readonly login: unknown;
  readonly role: string;
  /** `type` of the payload's user object ("User", "Bot", "Organization"). */
  readonly type?: unknown;
}

export class Run {
  readonly settings: GateSettings;
  readonly context: GateContext;
  readonly api: GitHubApiOptions;
  readonly warnings: string[] = [];
  readonly actors: Actor[] = [];
  /** Extra words for the run's description, e.g. "#12" or "on pull request #12". */
  subject = '';

  constructor(settings: GateSettings, context: GateContext, api: GitHubApiOptions) {
    this.settings = settings;
    this.context = context;
    this.api = api;
  }

  /** Adds the logins that are strings and not blank; a login seen before gains the new role, and
   *  is a bot if either sighting says so (a `[bot]` login, or a user of type "Bot"). */
  addActors(sources: readonly ActorSource[]): void {
    for (const source of sources) {
      if (typeof source.login !== 'string') continue;
      const login = source.login.trim();
      if (login === '') continue;
      const key = login.toLowerCase();
      const bot = key.endsWith('[bot]') || source.type === 'Bot';
      const existing = this.actors.find((a) => a.key === key);
      if (existing === undefined) {
        this.actors.push({ login, key, roles: [source.role], bot });
      } else {
        if (!existing.roles.includes(source.role)) existing.roles.push(source.role);
        existing.bot ||= bot;
      }
    }
  }

  describe(): string {
    return describeRun(this.context, this.subject);
  }

  finish(allowed: boolean, reason: GateReason, why: string): GateDecision {
    const verdict = allowed ? 'Allowed' : 'Denied';
    return {
      allowed,
      reason,
      summary: `${verdict} (${reason}): ${this.describe()}: ${why}`,
      warnings: [...this.warnings],
      actors: this.actors.map((a) => a.login),
    };
  }

  allow(why: string): GateDecision {
    return this.finish(true, 'ok', why);
  }

  deny(reason: Exclude<GateReason, 'ok'>, why: string): GateDecision {
    return this.finish(false, reason, why);
  }
}

/** The event payload lacks what a rule needs: the run cannot be judged, so it is denied. */
export function payloadProblem(run: Run, problem: string): GateDecision {
  return run.deny('permission-check-failed', `could not read the event payload: ${problem}, so the run cannot be judged`);
}

export function describeRun(context: GateContext, subject = ''): string {
  const event = context.eventName === '' ? 'an unnamed event' : name(context.eventName);
  const repo = context.repository === '' ? 'an unnamed repository' : name(context.repository);
  const by = context.actor === '' ? '' : ` by ${name(context.actor)}`;
  const rerun =
    context.triggeringActor !== '' && context.triggeringActor.toLowerCase() !== context.actor.toLowerCase()
      ? ` (re-run by ${name(context.triggeringActor)})`
      : '';
  return `${event}${subject === '' ? '' : ` ${subject}`} in ${repo}${by}${rerun}`;
}

/** "bob (GITHUB_ACTOR, the event sender)". */
export function who(actor: Actor): string {
  return `${name(actor.login)} (${actor.roles.join(', ')})`;
}

/** Where a head that is not this repository lives, for the decision line. */
export function forkPhrase(headRepoId: number | null, fullName: string | null): string {
  if (headRepoId === null) return 'a head repository that was deleted (treated as a fork)';
  return `the fork ${fullName === null ? `with repository id ${headRepoId}` : name(fullName)}`;
}
