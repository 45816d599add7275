// Reading the run's context: the event name, the event payload (GITHUB_EVENT_PATH), the actor,
// GITHUB_REF and GITHUB_API_URL through @actions/github's `context`; GITHUB_REPOSITORY and
// GITHUB_TRIGGERING_ACTOR (which `context` does not have) from the environment. Never throws.
//
// Why it is built this way:
// - The Context class is imported from its own file in @actions/github (lib/context.js), by path:
//   the package exports only entries that also build Octokit, its REST plugins and a proxy agent
//   at import, about 30 ms of CPU at every start, and most events need no look-up. The look-ups
//   import the package itself (./github-request.ts). It is imported on first use, inside a try,
//   so that a failure to load becomes a `payloadError` (a denial for every event that needs the
//   payload), not a crashed step. (`webpackMode: "eager"` keeps it inside dist/main/index.js.)
// - The package's own `context` is built once, from process.env, and is not used here:
//   readGateContext takes the environment as an argument (the step passes its own; tests pass
//   theirs) and builds a Context from that environment: the class's constructor reads
//   process.env, so it runs with process.env pointing at the given environment for the length of
//   the synchronous constructor call, restored in `finally`. The real environment is never
//   written to, and nothing else can run while it is swapped.
// - Context prints a line for a missing event file and throws for an unreadable or invalid one
//   without saying which; the gate says why (`payloadError`), so the file is checked first and the
//   error classified. Context accepts any JSON; only an object is a payload here. A file removed
//   between that check and Context's read would pass for an empty payload (Context reads `{}`
//   then), so the file is checked again after the read: gone then, it was not read.
// - `context.repo` is not used: it keeps the first two parts of any GITHUB_REPOSITORY ("a/b/c" is
//   read as a/b) and falls back to the payload when the variable is unset. The gate takes
//   GITHUB_REPOSITORY as it is, and the look-ups refuse what is not OWNER/REPO.
import type { context as actionsContext } from '@actions/github';
import { statSync } from 'node:fs';
import { isRecord } from './payload.ts';
import type { GateContext } from './types.ts';

export const DEFAULT_API_URL = 'https://api.github.com';

type ActionsContext = typeof actionsContext;
/** What the gate reads of a Context. */
type ContextFields = Pick<ActionsContext, 'eventName' | 'actor' | 'ref' | 'apiUrl' | 'payload'>;
type ContextClass = new () => ActionsContext;

/** Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (the JSON file), GITHUB_REPOSITORY, GITHUB_ACTOR,
 *  GITHUB_TRIGGERING_ACTOR, GITHUB_API_URL and GITHUB_REF from `env`. Never rejects: an unreadable
 *  or malformed event file leaves `payload` undefined and says why in `payloadError`. */
export async function readGateContext(env: NodeJS.ProcessEnv): Promise<GateContext> {
  const Context = await loadContextClass();
  const path = env['GITHUB_EVENT_PATH'] ?? '';
  let problem = path === '' ? 'GITHUB_EVENT_PATH is not set' : unreadable(path);
  const noEventFile: NodeJS.ProcessEnv = { ...env, GITHUB_EVENT_PATH: '' };
  let fields: ContextFields;
  if (typeof Context !== 'function') {
    // @actions/github did not load: the reads Context makes, made here, and why there is no payload.
    fields = fromEnvironment(env);
    problem ??= importProblem(Context.error);
  } else if (problem !== undefined) {
    fields = hydrate(Context, noEventFile);
  } else {
    try {
      fields = hydrate(Context, env);
      // Context takes a file that is gone by the time it looks (its own existsSync) as an empty
      // payload, not an error: a file gone since the check above is unreadable here too.
      problem = unreadable(path);
    } catch (error) {
      problem = readProblem(error);
      fields = hydrate(Context, noEventFile);
    }
  }
  if (!isRecord(fields.payload)) problem ??= 'the event file is not a JSON object';

  const base = {
    eventName: trimmed(fields.eventName),
    repository: trimmed(env['GITHUB_REPOSITORY']),
    actor: trimmed(fields.actor),
    triggeringActor: trimmed(env['GITHUB_TRIGGERING_ACTOR']),
    apiUrl: (trimmed(fields.apiUrl) || DEFAULT_API_URL).replace(/\/+$/, ''),
    ref: trimmed(fields.ref),
  };
  return problem === undefined ? { ...base, payload: fields.payload } : { ...base, payload: undefined, payloadError: problem };
}

/** The class of @actions/github's `context`, or why it could not be loaded. */
async function loadContextClass(): Promise<ContextClass | { readonly error: unknown }> {
  try {
    const { Context } = await import(/* webpackMode: "eager" */ '../../node_modules/@actions/github/lib/context.js');
    return Context;
  } catch (error) {
    return { error };
  }
}

/** A Context read from `env`: process.env is `env` while the constructor runs. */
function hydrate(Context: ContextClass, env: NodeJS.ProcessEnv): ContextFields {
  const own = process.env;
  process.env = env;
  try {
    return new Context();
  } finally {
    process.env = own;
  }
}

function fromEnvironment(env: NodeJS.ProcessEnv): ContextFields {
  return {
    eventName: env['GITHUB_EVENT_NAME'] ?? '',
    actor: env['GITHUB_ACTOR'] ?? '',
    ref: env['GITHUB_REF'] ?? '',
    apiUrl: env['GITHUB_API_URL'] ?? DEFAULT_API_URL,
    payload: {},
  };
}

/** Why the event file cannot be read (its error code), or undefined when it is there. */
function unreadable(path: string): string | undefined {
  try {
    statSync(path);
    return undefined;
  } catch (error) {
    return readProblem(error);
  }
}

function readProblem(error: unknown): string {
  if (error instanceof SyntaxError) return 'the event file is not valid JSON';
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return `the event file could not be read (${typeof code === 'string' ? code : 'read error'})`;
}

/** Why the import failed. Importing lib/context.js reads nothing of the run (the event file is
 *  read by the constructor), so whatever it throws, even a SyntaxError or a file error, is the
 *  package's, not the event file's. */
function importProblem(error: unknown): string {
  return `@actions/github could not be loaded (${error instanceof Error ? error.name : 'error'}), so the event file was not read`;
}

function trimmed(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
