// One bounded HTTP request: a deadline on the whole exchange, a cap on the body, no redirects, and an
// AbortSignal that ends it at any moment. Proxies follow @actions/http-client's rules
// (HTTPS_PROXY / HTTP_PROXY, NO_PROXY, loopback never proxied; its `lib/proxy` entry) through the
// tunnel agents its HttpClient uses. HttpClient itself is not imported: its module loads undici at
// start, which is most of a step's start-up (see log/commands.ts), and it adds nothing here.
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
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
  let route: Route | undefined;
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
    route = routeFor(url, cut.signal);
    const message = await send(url, req, route, cut.signal);
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
    if (route?.tunneled === false) route.agent.destroy();
  }
}

/** Where one request goes: straight to the server, or through a tunnel to a proxy. */
interface Route {
  readonly agent: http.Agent;
  readonly tunneled: boolean;
}

/** Sends `req` to `url` along `route` and resolves with the answer's head; `signal` destroys it at any point. */
function send(url: URL, req: HttpRequest, route: Route, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    headers['user-agent'] = withOrchestrationId(req.userAgent);
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body, 'utf8');
    const tls = url.protocol === 'https:';
    const options: https.RequestOptions = {
      protocol: url.protocol,
      // A tunnel names the host in its CONNECT line as the URL does (an IPv6 address in brackets);
      // a direct connection wants the bare address. Credentials in the URL are never sent.
      hostname: route.tunneled ? url.hostname : url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? (tls ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers,
      agent: route.agent,
      signal,
    };
    const outgoing = (tls ? https : http).request(options, resolve);
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** The user-agent as @actions/http-client sends it: with the job's orchestration ID when the runner gives one. */
function withOrchestrationId(userAgent: string): string {
  const id = process.env['ACTIONS_ORCHESTRATION_ID'] ?? '';
  return id === '' ? userAgent : `${userAgent} actions_orchestration_id/${id.replace(/[^a-z0-9_.-]/gi, '_')}`;
}

/**
 * The route of one request to `url`: a tunnel through the proxy @actions/http-client picks for it
 * (the tunnel kind by the two protocols, as its HttpClient does), or a direct agent without
 * keep-alive. `signal` also ends the tunnel's own CONNECT request, so a proxy that never answers it
 * does not keep a socket open past the deadline.
 */
function routeFor(url: URL, signal: AbortSignal): Route {
  const tls = url.protocol === 'https:';
  const proxy = getProxyUrl(url);
  if (proxy === undefined || proxy.hostname === '') {
    return { agent: tls ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false }), tunneled: false };
  }
  const overTls = proxy.protocol === 'https:';
  const through: tunnel.ProxyOptions & { readonly signal: AbortSignal } = {
    host: proxy.hostname,
    port: proxy.port === '' ? (overTls ? 443 : 80) : Number(proxy.port),
    ...(proxy.username !== '' || proxy.password !== '' ? { proxyAuth: `${proxy.username}:${proxy.password}` } : {}),
    signal,
  };
  const options = { proxy: through };
  const agent = tls
    ? (overTls ? tunnel.httpsOverHttps : tunnel.httpsOverHttp)(options)
    : (overTls ? tunnel.httpOverHttps : tunnel.httpOverHttp)(options);
  return { agent, tunneled: true };
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
