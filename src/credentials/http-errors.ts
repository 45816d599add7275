// HTTP failures shaped once: the status, the request id, the redacted reason and a hint; and which
// of them are worth another try.
import { ActionError } from '../errors.ts';
import type { HttpResponse } from './http.ts';
import { NetworkError, header } from './http.ts';
import { describeErrorBody, errorCode } from '../log/redact.ts';
import { parseRetryAfter } from './retry.ts';

/** A non-2xx answer, with the status, the request id and the redacted reason. */
export class HttpStatusError extends ActionError {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly serverCode: string | undefined;
  constructor(what: string, response: HttpResponse, hint: string | undefined, secrets: readonly string[], code: string) {
    // A request id is a short token (req_…); anything else a server sends there is not printed.
    const sent = header(response.headers, 'request-id') ?? header(response.headers, 'x-request-id');
    const requestId = sent === undefined ? undefined : /^[A-Za-z0-9_.-]{1,128}$/.exec(sent)?.[0];
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
