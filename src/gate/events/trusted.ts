// push, workflow_dispatch, schedule, merge_group, release, create, repository_dispatch: events only
// writers (or the repository itself) can start, so there is no permission look-up; the bot rule
// still applies. A missing or unreadable event file is tolerated (the environment names the
// actors), but a run with no known actor at all is `permission-check-failed`.
//
// A bot can start these (Dependabot pushes its branches here; an app token can publish a release or
// send a repository_dispatch), and a bot is let through only when allowed-bots names it, or when it
// is GitHub's merge queue on its own branches (see ../actors.ts). For schedule GITHUB_ACTOR is the
// user who last changed the cron; a bot there is denied too.
//
// repository_dispatch: POST /repos/{owner}/{repo}/dispatches needs a token with write access to
// this repository (contents: write), like workflow_dispatch, so it is trusted the same way. Its
// sender is the token's owner, often a GitHub App or this repository's GITHUB_TOKEN
// (github-actions[bot]): a bot, so it needs allowed-bots. Its `client_payload` is as trusted as
// whoever holds such a token; a workflow that relays outsiders' text into a dispatch makes it
// outsiders' text.
import { botRule } from '../actors.ts';
import type { Run } from '../run.ts';
import type { GateDecision } from '../types.ts';

/** Started only by people (or tokens) with write access, or by the repository itself. */
export const TRUSTED_EVENTS: ReadonlySet<string> = new Set([
  'push',
  'workflow_dispatch',
  'schedule',
  'merge_group',
  'release',
  'create',
  'repository_dispatch',
]);

export function trustedEvent(run: Run): GateDecision {
  const event = run.context.eventName;
  const context =
    event === 'repository_dispatch'
      ? 'repository_dispatch runs are started only with a token that has write access to this repository'
      : `${event} runs are started only by people with write access or by the repository itself`;
  if (run.actors.length === 0) {
    return run.deny(
      'permission-check-failed',
      `${context}, but no actor of the run is known (GITHUB_ACTOR is empty and the payload names no sender), so the bot rule cannot be applied`,
    );
  }
  const bots = botRule(run, context);
  if (!bots.ok) return bots.decision;
  const passed = bots.passed.length === 0 ? 'no actor is a bot' : `bots let through: ${bots.passed.join(', ')}`;
  return run.allow(`${context}; ${passed}`);
}
