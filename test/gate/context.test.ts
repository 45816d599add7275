// readGateContext: the run's context read through @actions/github's Context, from the environment
// it is given (never from process.env), and why the payload is missing when it is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readGateContext } from '../../src/gate/gate.ts';
import { FIXTURES, type Json, NO_NAMES, REPOSITORY } from './builders.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gate-context-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readGateContext', () => {
  it('reads the environment and the event file', async () => {
    const context = await readGateContext({
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: join(FIXTURES, 'push.json'),
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_ACTOR: 'bob',
      GITHUB_TRIGGERING_ACTOR: 'alice',
      GITHUB_REF: 'refs/heads/main',
    });
    expect(context).toMatchObject({
      eventName: 'push',
      repository: REPOSITORY,
      actor: 'bob',
      triggeringActor: 'alice',
      apiUrl: 'https://api.github.com',
      ref: 'refs/heads/main',
    });
    expect((context.payload as Json)['repository'].id).toBe(100);
    expect(context.payloadError).toBeUndefined();
  });

  it('an empty environment: empty names and the default API URL', async () => {
    expect(await readGateContext({})).toEqual({
      ...NO_NAMES,
      payload: undefined,
      payloadError: 'GITHUB_EVENT_PATH is not set',
    });
    expect((await readGateContext({ GITHUB_API_URL: '  ' })).apiUrl).toBe('https://api.github.com');
  });

  it('trims every variable and drops every trailing slash of GITHUB_API_URL', async () => {
    expect(
      await readGateContext({
        GITHUB_EVENT_NAME: ' push\n',
        GITHUB_REPOSITORY: '  acme/widgets ',
        GITHUB_ACTOR: ' bob ',
        GITHUB_TRIGGERING_ACTOR: '\talice ',
        GITHUB_API_URL: ' https://ghe.example.com/api/v3// ',
        GITHUB_REF: ' refs/heads/gh-readonly-queue/main/pr-1-abc\n',
      }),
    ).toMatchObject({
      eventName: 'push',
      repository: 'acme/widgets',
      actor: 'bob',
      triggeringActor: 'alice',
      apiUrl: 'https://ghe.example.com/api/v3',
      ref: 'refs/heads/gh-readonly-queue/main/pr-1-abc',
    });
  });

  it('says why the payload is missing', async () => {
    expect((await readGateContext({})).payloadError).toBe('GITHUB_EVENT_PATH is not set');
    expect((await readGateContext({ GITHUB_EVENT_PATH: join(dir, 'nope.json') })).payloadError).toBe(
      'the event file could not be read (ENOENT)',
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    expect(await readGateContext({ GITHUB_EVENT_PATH: bad })).toMatchObject({
      payload: undefined,
      payloadError: 'the event file is not valid JSON',
    });
    writeFileSync(bad, '"string"');
    expect((await readGateContext({ GITHUB_EVENT_PATH: bad })).payloadError).toBe('the event file is not a JSON object');
  });

  it('says why for a directory, JSON that is not an object, and an event file that is gone, without printing', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    try {
      expect((await readGateContext({ GITHUB_EVENT_PATH: dir })).payloadError).toBe('the event file could not be read (EISDIR)');
      const file = join(dir, 'other.json');
      for (const text of ['null', '[1, 2]', '42', 'true']) {
        writeFileSync(file, text);
        expect(await readGateContext({ GITHUB_EVENT_PATH: file }), text).toMatchObject({
          payload: undefined,
          payloadError: 'the event file is not a JSON object',
        });
      }
      // @actions/github's Context prints "GITHUB_EVENT_PATH … does not exist" for a missing file;
      // the gate says why in payloadError instead, and prints nothing.
      expect((await readGateContext({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: join(dir, 'gone.json') })).payloadError).toBe(
        'the event file could not be read (ENOENT)',
      );
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it('reads the environment it is given, and leaves process.env as it was', async () => {
    const before = process.env;
    const copy = { ...process.env };
    const context = await readGateContext({
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: join(FIXTURES, 'issue_comment.json'),
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_ACTOR: 'alice',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      GITHUB_REF: 'refs/heads/main',
    });
    expect(context).toMatchObject({ eventName: 'issue_comment', actor: 'alice', apiUrl: 'https://ghe.example.com/api/v3' });
    expect((context.payload as Json)['comment'].user.login).toBe('alice');
    expect(process.env).toBe(before);
    expect({ ...process.env }).toEqual(copy);
  });

  it('keeps the names and the payload when the event file is read twice in a row from different environments', async () => {
    const [push, comment] = await Promise.all([
      readGateContext({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: join(FIXTURES, 'push.json'), GITHUB_ACTOR: 'bob' }),
      readGateContext({
        GITHUB_EVENT_NAME: 'issue_comment',
        GITHUB_EVENT_PATH: join(FIXTURES, 'issue_comment.json'),
        GITHUB_ACTOR: 'alice',
      }),
    ]);
    expect(push).toMatchObject({ eventName: 'push', actor: 'bob' });
    expect((push.payload as Json)['ref']).toBe('refs/heads/main');
    expect(comment).toMatchObject({ eventName: 'issue_comment', actor: 'alice' });
    expect((comment.payload as Json)['comment']).toBeDefined();
  });
});
