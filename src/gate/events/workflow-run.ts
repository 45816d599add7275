// workflow_run: a run started by another workflow's run. `dangerous-event` when the triggering run
// came from a fork head (always: the issue gives no switch for it), or from a head repository that
// is missing; otherwise the actor check, with the workflow_run's actor and triggering actor added.
// Fork detection compares `workflow_run.head_repository.id` with `repository.id`.
import { actorCheck } from '../actors.ts';
import { type Unchecked, type WorkflowRunPayload, fields, readRepositoryId, userLogin, userType } from '../payload.ts';
import { type Run, forkPhrase, payloadProblem } from '../run.ts';
import { name } from '../text.ts';
import type { GateDecision } from '../types.ts';

type WorkflowRun = WorkflowRunPayload['workflow_run'];

export async function workflowRunEvent(run: Run, payload: Unchecked<WorkflowRunPayload>): Promise<GateDecision> {
  const baseId = readRepositoryId(payload);
  if (!baseId.ok) return payloadProblem(run, baseId.problem);
  const wr = fields<WorkflowRun>(payload.workflow_run);
  if (wr === undefined) return payloadProblem(run, 'the event payload has no workflow_run');
  const workflowName = typeof wr.name === 'string' ? `"${name(wr.name)}"` : 'the triggering workflow';
  const triggerEvent = typeof wr.event === 'string' ? ` (${name(wr.event)})` : '';
  run.subject = `after ${workflowName}${triggerEvent}`;
  run.addActors([
    { login: userLogin(wr.actor), type: userType(wr.actor), role: 'the workflow_run actor' },
    { login: userLogin(wr.triggering_actor), type: userType(wr.triggering_actor), role: 'the workflow_run triggering actor' },
  ]);

  let headId: number | null = null;
  let headName: string | null = null;
  if (wr.head_repository !== null && wr.head_repository !== undefined) {
    const head = fields<WorkflowRun['head_repository']>(wr.head_repository);
    if (head === undefined || typeof head.id !== 'number') {
      return payloadProblem(run, 'the event payload has a workflow_run.head_repository without a numeric id');
    }
    headId = head.id;
    headName = typeof head.full_name === 'string' ? head.full_name : null;
  }
  if (headId !== baseId.value) {
    // No switch for this one in the issue: the artifacts, branch names and titles a fork run
    // leaves behind are attacker-controlled, and the privileged follow-up run is exactly the
    // "pwn request" GitHub Security Lab describes.
    const where = headId === null ? 'a head repository that is missing (treated as a fork)' : forkPhrase(headId, headName);
    return run.deny('dangerous-event', `the triggering run ran on ${where}; workflow_run after a fork run is never trusted`);
  }
  if (userLogin(wr.actor) === undefined) {
    return payloadProblem(run, 'the event payload does not name the workflow_run actor');
  }
  return actorCheck(run, 'the triggering run ran on a branch of this repository');
}
