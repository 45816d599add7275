// Small shared helpers for the loopback test stand-ins (oidc-service.ts, token-endpoint.ts).
// node:http only, 127.0.0.1 only, port 0 only.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface LoopbackServer {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly origin: string;
  /** Ends every connection (idle, active and hung) and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1, port 0, and wires error handling so nothing leaks. */
/** Connection and stream errors are expected when a test resets or hangs a request. */
const ignore = (): void => undefined;

export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    req.on('error', ignore);
    res.on('error', ignore);
    let result: void | Promise<void>;
    try {
      result = handler(req, res);
    } catch (err) {
      failRequest(res, err);
      return;
    }
    if (result instanceof Promise) result.catch((err: unknown) => failRequest(res, err));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', ignore);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('loopback server has no TCP address');
  const port = address.port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}

function failRequest(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: `stand-in failure: ${message}` } });
}

/** Reads the request body as UTF-8; stops keeping bytes after `limit` but drains the rest. */
export function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    const finish = (): void => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge });
    req.on('end', finish);
    req.on('error', finish);
    req.on('aborted', finish);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), 'application/json', headers);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.headersSent) return;
  const payload = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': String(payload.length),
  });
  res.end(payload);
}

/** Destroys the connection with a TCP RST where the platform allows it (the client sees ECONNRESET). */
export function resetConnection(req: IncomingMessage): void {
  const socket = req.socket;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random [A-Za-z0-9] string (rejection sampling, so no modulo bias). */
export function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHANUM[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Header value as one string (node joins repeated unknown headers with ', '; arrays are joined the same way). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value.join(', ');
  return value;
}

/** Comma-separated header tokens, trimmed, empty ones dropped. */
export function headerList(req: IncomingMessage, name: string): string[] {
  const value = headerValue(req, name);
  if (value === undefined) return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
