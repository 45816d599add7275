// The errors the action reports, each shaped once: what failed, what the server said, what to do.

/** Bad inputs, all of them at once. No network call is made after this. */
export class InputError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid input${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** A failure with a known cause and fix; `hint` is shown under the message. */
export class ActionError extends Error {
  readonly hint: string | undefined;
  readonly code: string;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'ActionError';
    this.code = code;
    this.hint = hint;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
