// One bounded request against real loopback servers: a stop request (AbortSignal) keeps it from
// starting, or cuts it where it is; the deadline still ends a request that never answers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError, request, type HttpRequest } from '../../src/credentials/http.ts';
import { Aborted } from '../../src/credentials/retry.ts';

interface Silent {
  readonly url: string;
  readonly connections: number;
  /** Resolves with each request as it arrives. */
  next(): Promise<IncomingMessage>;
  close(): Promise<void>;
}

/** A server that reads requests and never answers them (or answers the head and trickles the body). */
async function startSilent(mode: 'no-answer' | 'head-only'): Promise<Silent> {
  const waiting: Array<(req: IncomingMessage) => void> = [];
  const arrived: IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    if (mode === 'head-only') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
    }
    const taker = waiting.shift();
    if (taker === undefined) arrived.push(req);
    else taker(req);
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
    next: () => {
      const ready = arrived.shift();
      return ready === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(ready);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
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
