// Text the gate prints: one line, no workflow command, never the token. Every decision, warning
// and look-up message goes through here before it leaves the gate.
import { oneLine } from '../log/log-line.ts';

/** Replaces every occurrence of the token (when it is long enough to be one) with ***. */
export function redact(text: string, token: string): string {
  if (token.length < 4) return text;
  return text.split(token).join('***');
}

/** One printable line: control characters become spaces, no workflow command, long text is cut. */
export function clip(text: string, max: number): string {
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** A name from the payload or the environment, safe for a one-line message. */
export function name(text: string): string {
  return clip(text, 100);
}
