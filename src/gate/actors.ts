// Who the run's actors are allowed to be. Three rules, used by every event family:
// - the bot rule: an actor that is a bot (a login ending in `[bot]`, or a payload user of type
//   "Bot") is `bot-not-allowed` unless allowed-bots names it; needs no look-up;
// - the merge queue's exemption from it: github-merge-queue[bot] on merge_group, and on a push to
//   one of its own branches (refs/heads/gh-readonly-queue/…, the payload's `ref` and GITHUB_REF
//   agreeing): only people with write access can put a pull request in the queue;
// - the actor check: the bot rule, then every other actor must hold min-permission on the
//   repository (GET …/collaborators/{username}/permission), or be named in allowed-users (with a
//   warning).
//
// Lookups keyed by strings from outside (logins, min-permission) use Sets and Maps, never plain
// objects: `RANK["toString"]` would find Object.prototype's method. The permission GitHub reports
// is already one of none/read/write/admin (./github.ts refuses any other).
import { type BasePermission, getCollaboratorPermission } from './github.ts';
import { isRecord } from './payload.ts';
import { type Actor, type ActorSource, type Run, who } from './run.ts';
import { name } from './text.ts';
import type { GateContext, GateDecision } from './types.ts';

/** The actors every event has: GITHUB_ACTOR and GITHUB_TRIGGERING_ACTOR (a re-run's). */
export function baseActorSources(context: GateContext): ActorSource[] {
  return [
    { login: context.actor, role: 'GITHUB_ACTOR' },
    { login: context.triggeringActor, role: 'GITHUB_TRIGGERING_ACTOR' },
  ];
}

/** The rank of each permission a look-up can report (./github.ts has refused any other). */
const BASE_RANK: Readonly<Record<BasePermission, number>> = { none: 0, read: 1, write: 2, admin: 3 };
/** A Map, not a plain object: min-permission, a string from the caller, must not find `toString`. */
const RANK: ReadonlyMap<string, number> = new Map(Object.entries(BASE_RANK));

export type BotRuleResult = { readonly ok: true; readonly passed: string[] } | { readonly ok: false; readonly decision: GateDecision };

/** GitHub's merge queue: it starts every merge_group run and pushes the queue's branches, and only
 *  writers can enqueue. */
const MERGE_QUEUE_BOT = 'github-merge-queue';
/** Its login, exactly (any case): on a push nothing less is taken for the merge queue. */
const MERGE_QUEUE_LOGIN = 'github-merge-queue[bot]';
/** The branches the merge queue creates and pushes: gh-readonly-queue/{base}/pr-{n}-{sha}. */
const MERGE_QUEUE_REF_PREFIX = 'refs/heads/gh-readonly-queue/';

/** The merge queue's exemption from the bot rule, as the words that name it, or undefined when it
 *  does not apply to this actor: github-merge-queue[bot] on merge_group, or on a push to one of the
 *  queue's branches. */
function mergeQueueExemption(context: GateContext, actor: Actor): string | undefined {
  if (context.eventName === 'merge_group') return botKey(actor.key) === MERGE_QUEUE_BOT ? "GitHub's merge queue" : undefined;
  if (context.eventName === 'push' && actor.key === MERGE_QUEUE_LOGIN && pushToMergeQueueBranch(context)) {
    return "GitHub's merge queue, pushing one of its gh-readonly-queue/ branches";
  }
  return undefined;
}

/** Every ref known (the payload's `ref`, GITHUB_REF) is under refs/heads/gh-readonly-queue/, and
 *  they agree; with neither known, false. */
function pushToMergeQueueBranch(context: GateContext): boolean {
  const refs: string[] = [];
  if (isRecord(context.payload) && context.payload['ref'] !== undefined) {
    const ref = context.payload['ref'];
    if (typeof ref !== 'string') return false;
    refs.push(ref);
  }
  if (context.ref !== '') refs.push(context.ref);
  return (
    refs.length > 0 &&
    refs.every((ref) => ref === refs[0] && ref.startsWith(MERGE_QUEUE_REF_PREFIX) && ref.length > MERGE_QUEUE_REF_PREFIX.length)
  );
}

/** The bot rule: every actor that is a bot must be named in allowed-bots. Needs no look-up. */
export function botRule(run: Run, context: string): BotRuleResult {
  const allowedBots = new Set(normalizedList(run.settings.allowedBots).map(botKey));
  const passed: string[] = [];
  for (const actor of run.actors.filter((a) => a.bot)) {
    const mergeQueue = mergeQueueExemption(run.context, actor);
    if (mergeQueue !== undefined) {
      passed.push(`${name(actor.login)} (${mergeQueue})`);
      continue;
    }
    if (!allowedBots.has(botKey(actor.key))) {
      return {
        ok: false,
        decision: run.deny(
          'bot-not-allowed',
          `${context}; ${who(actor)} is a bot, and allowed-bots does not name it; to trust it, add it to allowed-bots (e.g. \`allowed-bots: ${name(actor.login)}\`)`,
        ),
      };
    }
    passed.push(`${name(actor.login)} (allowed bot)`);
  }
  return { ok: true, passed };
}

/** Every actor must hold min-permission; bots need allowed-bots; allowed-users override with a
 *  warning. Stops at the first denial, bots first (they need no look-up). An unknown permission
 *  or an unknown min-permission denies (`permission-check-failed`). */
export async function actorCheck(run: Run, context: string): Promise<GateDecision> {
  const { settings } = run;
  const min = settings.minPermission;
  if (run.actors.length === 0) {
    return run.deny(
      'permission-check-failed',
      `${context}, but no actor of the run is known (GITHUB_ACTOR is empty), so none can be checked`,
    );
  }
  const needed = RANK.get(min);
  if (needed === undefined) {
    return run.deny('permission-check-failed', `${context}, but min-permission "${name(min)}" is not one of read, write, admin`);
  }
  const allowedUsers = new Set(normalizedList(settings.allowedUsers));
  const bots = botRule(run, context);
  if (!bots.ok) return bots.decision;
  const passed: string[] = [...bots.passed];

  for (const actor of run.actors.filter((a) => !a.bot)) {
    const answer = await getCollaboratorPermission(run.api, run.context.repository, actor.login);
    const listed = allowedUsers.has(actor.key);
    if (answer.kind === 'failed') {
      return run.deny('permission-check-failed', `${context}; could not check ${who(actor)}: ${answer.message}`);
    }
    if (answer.kind === 'not-found') {
      if (!listed) {
        return run.deny('not-a-collaborator', `${context}; ${who(actor)} is not a collaborator of ${name(run.context.repository)}`);
      }
      run.warnings.push(
        `${name(actor.login)} is not a collaborator of ${name(run.context.repository)} but is let through by allowed-users`,
      );
      passed.push(`${name(actor.login)} (allowed-users, not a collaborator)`);
      continue;
    }
    // `!(rank >= needed)`, not `rank < needed`: were a permission no table knows ever to get this
    // far, its rank (undefined) would fail the check instead of passing it.
    const rank = BASE_RANK[answer.permission];
    if (!(rank >= needed)) {
      if (!listed) {
        return run.deny(
          'insufficient-permission',
          `${context}; ${who(actor)} has ${answer.permission} access, below min-permission ${min}`,
        );
      }
      run.warnings.push(
        `${name(actor.login)} has ${answer.permission} access, below min-permission ${min}, but is let through by allowed-users`,
      );
      passed.push(`${name(actor.login)} (allowed-users, ${answer.permission})`);
      continue;
    }
    passed.push(`${name(actor.login)} (${answer.permission})`);
  }

  if (min === 'read') {
    run.warnings.push(
      'min-permission is read: on a public repository GitHub reports read access for every account, so the actor check admits anyone there',
    );
  }
  return run.allow(`${context}; every actor passed the actor check (min-permission ${min}): ${passed.join(', ')}`);
}

/** Input lists (allowed-bots, allowed-users, allowed-events): trimmed, without a leading @, lower
 *  case, blanks dropped. */
export function normalizedList(list: readonly string[]): string[] {
  return list.map((item) => item.trim().replace(/^@/, '').toLowerCase()).filter((item) => item !== '');
}

function botKey(login: string): string {
  return login.toLowerCase().replace(/\[bot\]$/, '');
}
