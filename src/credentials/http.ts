// One bounded HTTP request: a deadline on the whole exchange, a cap on the body, no redirects, and an
// AbortSignal that ends it at any moment. Proxies follow @actions/http-client's rules
// (HTTPS_PROXY / HTTP_PROXY, NO_PROXY, loopback never proxied; its `lib/proxy` entry) through the
// tunnel agents its HttpClient uses. HttpClient itself is not imported: its module loads undici at
// start, which is most of a step's start-up (see log/commands.ts), and it adds nothing here.
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import { getProxyUrl } from '@actions/http-client/lib/proxy';
import * as tunnel from 'tunnel';
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

export async function request(req: HttpRequest): Promise<HttpResponse> {
  const host = safeHost(req.url);
  if (req.signal?.aborted === true) throw new Aborted(`the request to ${host} was stopped before it started`);
  // Ends the socket on the deadline or on the caller's signal, whichever comes first.
  const cut = new AbortController();
  let agent: http.Agent | undefined;
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
    const url = new URL(req.url);
    agent = agentFor(url);
    const message = await send(url, req, agent, cut.signal);
    destroy = () => message.destroy();
    const body = await readCapped(message, req.maxBodyBytes, host);
    return { status: message.statusCode ?? 0, headers: message.headers, body };
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
    if (agent instanceof http.Agent) agent.destroy();
  }
}

/** Sends `req` to `url` through `agent` and resolves with the answer's head; `signal` destroys it at any point. */
function send(url: URL, req: HttpRequest, agent: http.Agent, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    headers['user-agent'] = req.userAgent;
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body, 'utf8');
    const transport = url.protocol === 'https:' ? https : http;
    const outgoing = transport.request({ ...urlToHttpOptions(url), method: req.method, headers, agent, signal }, resolve);
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/**
 * The agent for one request to `url`: a tunnel through the proxy @actions/http-client picks for it
 * (the tunnel kind by the two protocols, as its HttpClient does), or a direct one without keep-alive.
 */
function agentFor(url: URL): http.Agent {
  const tls = url.protocol === 'https:';
  const proxy = getProxyUrl(url);
  if (proxy === undefined || proxy.hostname === '')
    return tls ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
  const overTls = proxy.protocol === 'https:';
  const options = {
    proxy: {
      host: proxy.hostname,
      port: proxy.port === '' ? (overTls ? 443 : 80) : Number(proxy.port),
      ...(proxy.username !== '' || proxy.password !== '' ? { proxyAuth: `${proxy.username}:${proxy.password}` } : {}),
    },
  };
  if (tls) return overTls ? tunnel.httpsOverHttps(options) : tunnel.httpsOverHttp(options);
  return overTls ? tunnel.httpOverHttps(options) : tunnel.httpOverHttp(options);
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
