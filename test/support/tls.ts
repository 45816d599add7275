// A loopback front for the stand-ins: plain HTTP or TLS with a private CA made at test time, that
// forwards each request to a target origin, or holds it (to test what happens while an exchange is
// in flight). Key material is generated with the `openssl` CLI into a temp dir and removed after.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCa {
  readonly dir: string;
  /** The CA certificate (PEM): what a client must trust. */
  readonly caFile: string;
  /** A directory holding the CA under its subject-hash name, as OpenSSL's SSL_CERT_DIR wants it. */
  readonly caDir: string;
  /** A server certificate for IP 127.0.0.1, signed by the CA, and its key. */
  readonly cert: string;
  readonly key: string;
  remove(): void;
}

/** A private CA and a 127.0.0.1 server certificate it signed, fresh for this test run. */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), 'test-ca-'));
  const at = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=claude-oidc test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '1',
    '-extfile',
    at('server.ext'),
  );
  // The CA's key is not needed past this point.
  rmSync(at('ca.key'));
  const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', at('ca.pem')], { encoding: 'utf8' }).trim();
  mkdirSync(at('certs'));
  copyFileSync(at('ca.pem'), path.join(at('certs'), `${hash}.0`));
  return {
    dir,
    caFile: at('ca.pem'),
    caDir: at('certs'),
    cert: readFileSync(at('server.pem'), 'utf8'),
    key: readFileSync(at('server.key'), 'utf8'),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A request the front holds open instead of forwarding. */
export interface HeldRequest {
  readonly method: string;
  readonly path: string;
  /** Resolves when the client gave up on it (closed or reset the connection). */
  readonly closed: Promise<void>;
}

export interface FrontOptions {
  /** Serve TLS with this certificate and key; plain HTTP without. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Called as each request arrives; 'hold' keeps it unanswered. Default: forward. */
  readonly onRequest?: (method: string, path: string) => 'forward' | 'hold';
}

export interface Front {
  /** `https://127.0.0.1:PORT` or `http://…`, no trailing slash. */
  readonly url: string;
  /** Every request that arrived, as `METHOD /path`, in order. */
  readonly seen: string[];
  readonly held: HeldRequest[];
  close(): Promise<void>;
}

/** Starts a front on 127.0.0.1, port 0, for `target` (an http:// origin on loopback). */
export async function startFront(target: string, options: FrontOptions = {}): Promise<Front> {
  const upstream = new URL(target);
  const seen: string[] = [];
  const held: HeldRequest[] = [];
  const sockets = new Set<Socket>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const where = req.url ?? '/';
    seen.push(`${method} ${new URL(where, 'http://x').pathname}`);
    if ((options.onRequest?.(method, new URL(where, 'http://x').pathname) ?? 'forward') === 'hold') {
      held.push({
        method,
        path: new URL(where, 'http://x').pathname,
        closed: new Promise((resolve) => req.socket.once('close', () => resolve())),
      });
      req.resume();
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: where, method, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  };
  const server: Server = options.tls === undefined ? createHttpServer(handle) : createHttpsServer(options.tls, handle);
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    seen,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
