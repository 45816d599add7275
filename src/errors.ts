// The errors the action reports, each shaped once: what failed, what the server said, what to do.
import type { HttpResponse } from './http.ts';
import { NetworkError, header } from './http.ts';
import { describeErrorBody, errorCode } from './redact.ts';
import { parseRetryAfter } from './retry.ts';

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

/** A non-2xx answer, with the status, the request id and the redacted reason. */
export class HttpStatusError extends ActionError {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly serverCode: string | undefined;
  constructor(what: string, response: HttpResponse, hint: string | undefined, secrets: readonly string[], code: string) {
    const requestId = header(response.headers, 'request-id') ?? header(response.headers, 'x-request-id');
    const reason = describeErrorBody(response.body, secrets);
    const id = requestId === undefined ? '' : `, request-id ${requestId}`;
    super(code, `${what} failed: HTTP ${response.status}${id}: ${reason}`, hint);
    this.name = 'HttpStatusError';
    this.status = response.status;
    this.requestId = requestId;
    this.retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'), Date.now());
    this.serverCode = errorCode(response.body);
  }
}

/** 429, 5xx (529 included), timeouts and connection failures are worth another try; nothing else. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

export function classifyTransient(error: unknown): { retry: boolean; afterMs?: number } {
  if (error instanceof NetworkError) return { retry: error.kind !== 'too-large' };
  if (error instanceof HttpStatusError && isTransientStatus(error.status)) {
    return error.retryAfterMs === undefined ? { retry: true } : { retry: true, afterMs: error.retryAfterMs };
  }
  return { retry: false };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
