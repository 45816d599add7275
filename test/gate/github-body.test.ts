// The body of a look-up's answer on the wire: read up to 2 MiB and no further (exactly 2 MiB is an
// answer, one byte more is not), an endless answer cut off with its connection closed, and the
// answers that have no body. Against the servers of ./github-support.ts and one that never stops.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getCollaboratorPermission } from '../../src/gate/github.ts';
import { type LoopbackServer, startLoopbackServer } from '../support/http-util.ts';
import { ALICE, REPOSITORY, adhoc, failed, hits, host, options, scripted, sleeps, useLookupServers } from './github-support.ts';

useLookupServers();

const MAX = 2 * 1024 * 1024;

/** A JSON answer `{"permission":"write","padding":"p…"}` of exactly `bytes` bytes. */
function answerOfSize(bytes: number): string {
  const empty = JSON.stringify({ permission: 'write', padding: '' });
  return JSON.stringify({ permission: 'write', padding: 'p'.repeat(bytes - empty.length) });
}

/** Answers 200 and then sends chunks until the client goes away; counts the connections it saw close. */
let endless: LoopbackServer;
let closedConnections = 0;

function sendForever(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 'p');
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"permission":"write","padding":"');
  pump();
}

beforeAll(async () => {
  endless = await startLoopbackServer((req, res) => {
    req.resume();
    req.socket.once('close', () => {
      closedConnections += 1;
    });
    sendForever(res);
  });
});

afterAll(async () => {
  await endless.close();
});

describe('the body of an answer', () => {
  it('takes an answer of exactly 2 MiB', async () => {
    const body = answerOfSize(MAX);
    expect(Buffer.byteLength(body)).toBe(MAX);
    expect(await getCollaboratorPermission(scripted([{ status: 200, body }]), REPOSITORY, 'alice')).toStrictEqual({
      kind: 'ok',
      permission: 'write',
      reported: 'write',
    });
  });

  it('refuses an answer one byte over 2 MiB, without a retry', async () => {
    const result = await getCollaboratorPermission(scripted([{ status: 200, body: answerOfSize(MAX + 1) }]), REPOSITORY, 'alice');
    expect(result).toStrictEqual(failed(`could not look up ${ALICE}: the answer from ${host(adhoc.origin)} is larger than ${MAX} bytes`));
    expect(hits).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('stops reading an answer that never ends, and closes its connection', async () => {
    const before = closedConnections;
    const result = await getCollaboratorPermission(options({ apiUrl: endless.origin }), REPOSITORY, 'alice');
    expect(result).toStrictEqual(failed(`could not look up ${ALICE}: the answer from ${host(endless.origin)} is larger than ${MAX} bytes`));
    expect(sleeps).toEqual([]);
    // The server sees the connection end: the look-up let go of it rather than leave it stalled.
    await vi.waitFor(
      () => {
        expect(closedConnections).toBe(before + 1);
      },
      { timeout: 10_000, interval: 20 },
    );
  });

  it('reads the answers that have no body (204, 205, 304) as answers, not as network errors', async () => {
    const h = host(adhoc.origin);
    expect(await getCollaboratorPermission(scripted([{ status: 205 }]), REPOSITORY, 'alice')).toStrictEqual(
      failed(`${ALICE}: ${h} answered HTTP 205 with malformed JSON`),
    );
    expect(await getCollaboratorPermission(scripted([{ status: 304 }]), REPOSITORY, 'alice')).toStrictEqual(
      failed(
        `could not look up ${ALICE}: ${h} answered HTTP 304; check GITHUB_API_URL and that github-token has access to this repository`,
      ),
    );
    expect(sleeps).toEqual([]);
  });
});
