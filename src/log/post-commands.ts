// The three workflow commands the post step needs. The post step imports this instead of
// @actions/core so that its bundle stays a few KB: core pulls in its HTTP client and undici.
// Escaping follows the runner's rules for command data (% \r \n).
import { EOL } from 'node:os';
import { breakLegacyCommands } from './log-line.ts';

export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function getState(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`STATE_${name}`] ?? '';
}

/** A plain log line: one line, and no workflow command in it. */
export function info(message: string): void {
  process.stdout.write(`${breakLegacyCommands(message.replace(/[\r\n]+/g, ' '))}${EOL}`);
}

export function warning(message: string): void {
  process.stdout.write(`::warning::${escapeData(message)}${EOL}`);
}
