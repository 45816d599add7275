// Text from outside (webhook payloads, claims, server answers) printed as a plain log line must not
// be read by the runner as a workflow command. A line that starts with `::` is one; and when that
// form does not parse, the runner also looks for the old `##[name props]data` form anywhere in the
// line. So such text is kept on one line (no control character can start a new one) and the old
// form is broken wherever it stands.

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** `##[` becomes `##\u200b[` (a zero-width space): it reads the same and starts no command. */
export function breakLegacyCommands(text: string): string {
  return text.replace(/##\[/g, '##\u200b[');
}

/** One line with no workflow command in it: runs of control characters become one space. */
export function oneLine(text: string): string {
  return breakLegacyCommands(text.replace(CONTROL_CHARACTERS, ' '));
}
