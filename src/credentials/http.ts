// One bounded HTTP request: a deadline on the whole exchange, a cap on the body, proxies from
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY (through @actions/http-client), no redirects, and an
// AbortSignal that ends it at any moment.
import { HttpClient } from '@actions/http-client';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import { Aborted } from './retry.ts';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body?: string;
  /** Milliseconds for this request, connect to last byte. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly userAgent: string;
  /** Once aborted, no connection is opened, or the one open is destroyed; the request rejects with `Aborted`. */
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The request never reached an answer: connection refused or reset, DNS, TLS, timeout, cut body. */
export class NetworkError extends Error {
  readonly kind: 'timeout' | 'network' | 'too-large';
  constructor(kind: 'timeout' | 'network' | 'too-large', message: string) {
    super(message);
    this.name = 'NetworkError';
    this.kind = kind;
  }
}

type RequestHandler = NonNullable<ConstructorParameters<typeof HttpClient>[1]>[number];

/** Hands the http.request of @actions/http-client an AbortSignal: aborting it destroys the socket. */
function abortWith(signal: AbortSignal): RequestHandler {
  return {
    prepareRequest: (options: RequestOptions) => {
      options.signal = signal;
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('not used')),
  };
}

export async function request(req: HttpRequest): Promise<HttpResponse> {
  const host = safeHost(req.url);
  if (req.signal?.aborted === true) throw new Aborted(`the request to ${host} was stopped before it started`);
  // Ends the socket on the deadline or on the caller's signal, whichever comes first.
  const cut = new AbortController();
  const client = new HttpClient(req.userAgent, [abortWith(cut.signal)], {
    allowRedirects: false,
    allowRetries: false,
    keepAlive: false,
    socketTimeout: req.timeoutMs,
  });
  let destroy: (() => void) | undefined;
  let interrupt: (error: Error) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => {
    interrupt = (error) => {
      reject(error);
      cut.abort();
      destroy?.();
    };
  });
  const timer = setTimeout(() => {
    interrupt(new NetworkError('timeout', `no answer from ${host} within ${seconds(req.timeoutMs)}`));
  }, req.timeoutMs);
  const onStop = (): void => {
    interrupt(new Aborted(`the request to ${host} was stopped`));
  };
  req.signal?.addEventListener('abort', onStop, { once: true });
  const attempt = (async (): Promise<HttpResponse> => {
    const res = await client.request(req.method, req.url, req.body ?? null, req.headers);
    destroy = () => res.message.destroy();
    const body = await readCapped(res.message, req.maxBodyBytes, host);
    return { status: res.message.statusCode ?? 0, headers: res.message.headers, body };
  })();
  try {
    return await Promise.race([attempt, interrupted]);
  } catch (error) {
    if (error instanceof NetworkError || error instanceof Aborted) throw error;
    throw new NetworkError('network', `could not reach ${host}: ${describeNetworkError(error)}`);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onStop);
    attempt.catch(() => undefined);
    interrupted.catch(() => undefined);
    client.dispose();
  }
}

async function readCapped(stream: NodeJS.ReadableStream & { destroy(): void }, max: number, host: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > max) {
      stream.destroy();
      throw new NetworkError('too-large', `the answer from ${host} is larger than ${max} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Names the failure without echoing anything the request carried. */
function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) return code;
    if (/timeout/i.test(error.message)) return 'timed out';
    return error.name === 'Error' ? 'connection failed' : error.name;
  }
  return 'connection failed';
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
