// One bounded request against real loopback servers: a stop request (AbortSignal) keeps it from
// starting, or cuts it where it is; the deadline still ends a request that never answers, even at a
// proxy that never answers CONNECT; what the request carries.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NetworkError, request, type HttpRequest } from '../../src/credentials/http.ts';
import { Aborted } from '../../src/credentials/retry.ts';

/** What arrives, in order: `next()` resolves with the next arrival, now or when it comes. */
function arrivals<T>(): { readonly add: (item: T) => void; readonly next: () => Promise<T> } {
  const waiting: Array<(item: T) => void> = [];
  const arrived: T[] = [];
  return {
    add: (item) => {
      const taker = waiting.shift();
      if (taker === undefined) arrived.push(item);
      else taker(item);
    },
    next: () => {
      const ready = arrived.shift();
      return ready === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(ready);
    },
  };
}

/** Ends a test server: its open connections first, then the listener. */
function shut(server: { close(callback: () => void): unknown }, sockets: ReadonlySet<Socket>): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
}

interface Silent {
  readonly url: string;
  readonly connections: number;
  /** Resolves with each request as it arrives. */
  next(): Promise<IncomingMessage>;
  close(): Promise<void>;
}

/** A server that reads requests and never answers them (or answers the head and trickles the body). */
async function startSilent(mode: 'no-answer' | 'head-only'): Promise<Silent> {
  const requests = arrivals<IncomingMessage>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    if (mode === 'head-only') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
    }
    requests.add(req);
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/x`,
    get connections() {
      return connections;
    },
    next: requests.next,
    close: () => shut(server, sockets),
  };
}

const closed = (req: IncomingMessage): Promise<void> => new Promise((resolve) => req.socket.once('close', () => resolve()));

let servers: Silent[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function get(url: string, extra: Partial<HttpRequest> = {}): Promise<unknown> {
  return request({ method: 'GET', url, headers: {}, timeoutMs: 25_000, maxBodyBytes: 1024, userAgent: 'test', ...extra }).catch(
    (e: unknown) => e,
  );
}

describe('request with a stop request', () => {
  it('opens no connection when already stopped', async () => {
    const server = await startSilent('no-answer');
    servers.push(server);
    const error = await get(server.url, { signal: AbortSignal.abort() });
    expect(error).toBeInstanceOf(Aborted);
    expect(server.connections).toBe(0);
  });

  it.each(['no-answer', 'head-only'] as const)('cuts a request in flight (%s) and closes its connection', async (mode) => {
    const server = await startSilent(mode);
    servers.push(server);
    const stop = new AbortController();
    const pending = get(server.url, { signal: stop.signal });
    const req = await server.next();
    const gone = closed(req);
    stop.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(Aborted);
    expect((error as Error).message).toMatch(/^the request to 127\.0\.0\.1:\d+ was stopped$/);
    await gone;
  });

  it('still ends a request that never answers at its deadline, as a timeout', async () => {
    const server = await startSilent('no-answer');
    servers.push(server);
    const pending = get(server.url, { timeoutMs: 200, signal: new AbortController().signal });
    const req = await server.next();
    const gone = closed(req);
    const error = await pending;
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).kind).toBe('timeout');
    await gone;
  });
});

interface StuckProxy {
  readonly url: string;
  /** Resolves with the first bytes of each connection as they arrive, and that connection's close. */
  next(): Promise<{ readonly head: string; readonly closed: Promise<void> }>;
  close(): Promise<void>;
}

/** A proxy that reads a CONNECT request and never answers it. */
async function startStuckProxy(): Promise<StuckProxy> {
  const connections = arrivals<{ head: string; closed: Promise<void> }>();
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    const closedNow = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      connections.add({ head: chunk.toString('latin1'), closed: closedNow });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    next: connections.next,
    close: () => shut(server, sockets),
  };
}

describe('request through a proxy', () => {
  const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;
  let saved: Record<string, string | undefined>;
  let proxy: StuckProxy;

  beforeEach(async () => {
    saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
    for (const name of PROXY_VARIABLES) delete process.env[name];
    proxy = await startStuckProxy();
    process.env['HTTPS_PROXY'] = proxy.url;
  });
  afterEach(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await proxy.close();
  });

  it.each(['deadline', 'stop request'] as const)(
    'a proxy that never answers CONNECT: the %s closes the connection to it',
    async (ending) => {
      const stop = new AbortController();
      const pending = get('https://api.example.test/v1/x', ending === 'deadline' ? { timeoutMs: 200 } : { signal: stop.signal });
      const connection = await proxy.next();
      expect(connection.head).toMatch(/^CONNECT api\.example\.test:443 HTTP\/1\.1\r\n/);
      if (ending === 'stop request') stop.abort();
      const error = await pending;
      expect(error).toBeInstanceOf(ending === 'deadline' ? NetworkError : Aborted);
      await connection.closed;
    },
  );

  it('names an IPv6 host in brackets in the CONNECT line', async () => {
    const stop = new AbortController();
    const pending = get('https://[2001:db8::1]:8443/x', { signal: stop.signal });
    const connection = await proxy.next();
    expect(connection.head).toMatch(/^CONNECT \[2001:db8::1\]:8443 HTTP\/1\.1\r\n/);
    stop.abort();
    expect(await pending).toBeInstanceOf(Aborted);
  });
});

describe('what a request carries', () => {
  let savedId: string | undefined;
  beforeEach(() => {
    savedId = process.env['ACTIONS_ORCHESTRATION_ID'];
  });
  afterEach(() => {
    if (savedId === undefined) delete process.env['ACTIONS_ORCHESTRATION_ID'];
    else process.env['ACTIONS_ORCHESTRATION_ID'] = savedId;
  });

  async function arriving(url: (server: Silent) => string): Promise<IncomingMessage> {
    const server = await startSilent('no-answer');
    servers.push(server);
    const stop = new AbortController();
    const pending = get(url(server), { signal: stop.signal, userAgent: 'claude-oidc-action/1.0' });
    const req = await server.next();
    stop.abort();
    await pending;
    return req;
  }

  it("the runner's orchestration ID in the user-agent, as @actions/http-client sends it", async () => {
    process.env['ACTIONS_ORCHESTRATION_ID'] = 'run 42/job.a-b_c';
    const req = await arriving((server) => server.url);
    expect(req.headers['user-agent']).toBe('claude-oidc-action/1.0 actions_orchestration_id/run_42_job.a-b_c');
    delete process.env['ACTIONS_ORCHESTRATION_ID'];
    expect((await arriving((server) => server.url)).headers['user-agent']).toBe('claude-oidc-action/1.0');
  });

  it('never the credentials written in the URL', async () => {
    const req = await arriving((server) => server.url.replace('http://', 'http://user:secret@'));
    expect(req.headers.authorization).toBeUndefined();
    expect(req.url).toBe('/x');
  });
});
