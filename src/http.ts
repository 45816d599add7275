// One bounded HTTP request: a deadline on the whole exchange, a cap on the body, proxies from
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY (through @actions/http-client), and no redirects.
import { HttpClient } from '@actions/http-client';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body?: string;
  /** Milliseconds for this request, connect to last byte. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly userAgent: string;
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

export async function request(req: HttpRequest): Promise<HttpResponse> {
  const client = new HttpClient(req.userAgent, [], {
    allowRedirects: false,
    allowRetries: false,
    keepAlive: false,
    socketTimeout: req.timeoutMs,
  });
  const host = safeHost(req.url);
  let timer: NodeJS.Timeout | undefined;
  let destroy: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      destroy?.();
      reject(new NetworkError('timeout', `no answer from ${host} within ${seconds(req.timeoutMs)}`));
    }, req.timeoutMs);
  });
  const attempt = (async (): Promise<HttpResponse> => {
    const res = await client.request(req.method, req.url, req.body ?? null, req.headers);
    destroy = () => res.message.destroy();
    const body = await readCapped(res.message, req.maxBodyBytes, host);
    return { status: res.message.statusCode ?? 0, headers: res.message.headers, body };
  })();
  try {
    return await Promise.race([attempt, deadline]);
  } catch (error) {
    if (error instanceof NetworkError) throw error;
    throw new NetworkError('network', `could not reach ${host}: ${describeNetworkError(error)}`);
  } finally {
    clearTimeout(timer);
    attempt.catch(() => undefined);
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
