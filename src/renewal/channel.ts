// The renewal process's stop channel: how the post step asks it to stop without a signal (Windows has
// none a handler sees) and learns that the pid it holds is this use's renewal process (a pid alone
// can be reused). The process listens on an address only it knows (a Unix socket in the private
// config directory, or a named pipe with a random name, see platform/). The nonce it recorded in its
// status file never travels: the post step sends a random challenge with HMAC-SHA256(nonce, "stop"
// and the challenge); the process stops only for a request whose MAC checks, and answers with its
// pid and HMAC-SHA256(nonce, "stopping", the challenge and the pid). Whatever else listens at the
// address (a squatter on a named pipe's name) learns nothing, and cannot answer as the process.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { Platform } from '../platform/index.ts';

/** What the status file records of the channel: its name and the nonce a stop request carries. */
export interface StopChannel {
  readonly id: string;
  readonly nonce: string;
}

const MAX_REQUEST_BYTES = 256;
const REQUEST_TIMEOUT_MS = 5_000;

const isHex32 = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);

export function isStopChannel(value: unknown): value is StopChannel {
  const channel = value as Partial<StopChannel> | null | undefined;
  return typeof channel === 'object' && channel !== null && isHex32(channel.id) && isHex32(channel.nonce);
}

/** The request's MAC: proves the sender knows the nonce, without sending it. */
export function requestMac(nonce: string, challenge: string): string {
  return createHmac('sha256', nonce).update(`stop\n${challenge}`).digest('hex');
}

/** The answer's MAC: proves the answering process knows the nonce, for this challenge and pid. */
export function answerMac(nonce: string, challenge: string, pid: number): string {
  return createHmac('sha256', nonce).update(`stopping\n${challenge}\n${pid}`).digest('hex');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface OpenChannel {
  readonly channel: StopChannel;
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Listens for stop requests. `onStop` runs once a request with the nonce arrives, after the answer is
 * on its way. Undefined when no channel can be opened here (then only a signal, on Linux, stops it).
 */
export async function openStopChannel(
  platform: Platform,
  statusFile: string,
  pid: number,
  onStop: () => void,
): Promise<OpenChannel | undefined> {
  const channel: StopChannel = { id: randomBytes(16).toString('hex'), nonce: randomBytes(16).toString('hex') };
  const address = platform.stopChannelAddress(statusFile, channel.id);
  if (address === undefined) return undefined;
  const server = net.createServer((socket) => {
    let received = '';
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const end = received.indexOf('\n');
      if (end < 0) {
        if (received.length > MAX_REQUEST_BYTES) socket.destroy();
        return;
      }
      const [verb, challenge, mac] = received.slice(0, end).split(' ');
      if (verb === 'stop' && isHex32(challenge) && mac !== undefined && sameSecret(mac, requestMac(channel.nonce, challenge))) {
        socket.end(`stopping ${pid} ${answerMac(channel.nonce, challenge, pid)}\n`);
        onStop();
      } else {
        socket.destroy();
      }
    });
  });
  server.on('error', () => undefined);
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => {
      resolve(false);
    });
    server.listen(address, () => {
      resolve(true);
    });
  });
  if (!listening) return undefined;
  server.unref();
  return {
    channel,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * Sends a stop request on the channel; true when the process answered as `pid`: it is this use's
 * renewal process, and it is stopping. False for no answer, a refused connection (the process is
 * gone and its socket stale) or any other answer.
 */
export async function requestStop(address: string, channel: StopChannel, pid: number, timeoutMs = 2_000): Promise<boolean> {
  const challenge = randomBytes(16).toString('hex');
  const expected = `stopping ${pid} ${answerMac(channel.nonce, challenge, pid)}`;
  return new Promise<boolean>((resolve) => {
    let answer = '';
    let settled = false;
    const done = (value: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    const socket = net.connect(address, () => {
      socket.write(`stop ${challenge} ${requestMac(channel.nonce, challenge)}\n`);
    });
    socket.on('error', () => {
      done(false);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (answer.length > MAX_REQUEST_BYTES) done(false);
      else if (answer.includes('\n')) done(sameSecret(answer.slice(0, answer.indexOf('\n')), expected));
    });
    socket.on('close', () => {
      done(sameSecret(answer.split('\n')[0] ?? '', expected));
    });
  });
}
