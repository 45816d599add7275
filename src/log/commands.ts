// The main step's workflow commands: outputs, exported variables, state, masks, annotations, log
// groups, a failed result and the job summary. They are @actions/core's: each function here is
// core's own, over core's own writers (command.js, file-command.js, summary.js), imported by file.
// The package's entry, core.js, also imports its OIDC client, and with it @actions/http-client and
// undici: loading those was the largest part of the main step's start-up, for a client this action
// never uses (credentials/oidc.ts asks for the token itself). test/log/commands.test.ts holds each
// function to core's own output; test/startup.test.ts checks that the main step never loads undici.
import { EOL } from 'node:os';
import { issue, issueCommand } from '../../node_modules/@actions/core/lib/command.js';
import { issueFileCommand, prepareKeyValueMessage } from '../../node_modules/@actions/core/lib/file-command.js';

export { summary } from '../../node_modules/@actions/core/lib/summary.js';

/** A step output: GITHUB_OUTPUT, or the old `set-output` command where the runner gives no file. */
export function setOutput(name: string, value: string): void {
  if ((process.env['GITHUB_OUTPUT'] ?? '') !== '') {
    issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value));
    return;
  }
  process.stdout.write(EOL);
  issueCommand('set-output', { name }, value);
}

/** A variable for this process and the job's later steps (GITHUB_ENV, or the old `set-env`). */
export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  if ((process.env['GITHUB_ENV'] ?? '') !== '') {
    issueFileCommand('ENV', prepareKeyValueMessage(name, value));
    return;
  }
  issueCommand('set-env', { name }, value);
}

/** A value for this action's post step (GITHUB_STATE, or the old `save-state`). */
export function saveState(name: string, value: string): void {
  if ((process.env['GITHUB_STATE'] ?? '') !== '') {
    issueFileCommand('STATE', prepareKeyValueMessage(name, value));
    return;
  }
  issueCommand('save-state', { name }, value);
}

/** Masks `secret` in every later line of the job's log. */
export function setSecret(secret: string): void {
  issueCommand('add-mask', {}, secret);
}

export function info(message: string): void {
  process.stdout.write(message + EOL);
}

export function warning(message: string): void {
  issueCommand('warning', {}, message);
}

export function notice(message: string): void {
  issueCommand('notice', {}, message);
}

export function startGroup(name: string): void {
  issue('group', name);
}

export function endGroup(): void {
  issue('endgroup');
}

/** Marks the step failed (exit code 1) with an error annotation. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  issueCommand('error', {}, message);
}
