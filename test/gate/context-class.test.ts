// readGateContext when @actions/github's Context class cannot be loaded (the names come from the
// environment all the same, the payload is missing, and the reason is the package's, never the event
// file's), or when it fails reading the event file in a way the real class does not, or finds it gone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GateContext } from '../../src/gate/types.ts';
import { FIXTURES, NO_NAMES, REPOSITORY } from './builders.ts';

/** The file src/gate/context.ts imports the Context class from. */
const CONTEXT_MODULE = '../../node_modules/@actions/github/lib/context.js';

/** readGateContext(env), with CONTEXT_MODULE replaced by what `module` returns. */
async function readWith(env: NodeJS.ProcessEnv, module: () => Record<string, unknown>): Promise<GateContext> {
  vi.resetModules();
  vi.doMock(CONTEXT_MODULE, module);
  const { readGateContext } = await import('../../src/gate/context.ts');
  return readGateContext(env);
}

/** readGateContext(env), with the import of the Context class failing: `thrown` is what reading
 *  its export throws; without it, evaluating the module throws. */
function readWithoutContext(env: NodeJS.ProcessEnv, thrown?: { readonly value: unknown }): Promise<GateContext> {
  return readWith(env, () => {
    if (thrown === undefined) throw new Error('the module failed to evaluate');
    return {
      get Context(): never {
        throw thrown.value;
      },
    };
  });
}

/** A Context class that reads the names as the real one does, and throws `thrown` when it is to
 *  read an event file. */
function contextThrowing(thrown: unknown): () => Record<string, unknown> {
  return () => ({
    Context: class {
      readonly eventName = process.env['GITHUB_EVENT_NAME'];
      readonly actor = process.env['GITHUB_ACTOR'];
      readonly ref = process.env['GITHUB_REF'];
      readonly apiUrl = process.env['GITHUB_API_URL'] ?? 'https://api.github.com';
      readonly payload = {};
      constructor() {
        if (process.env['GITHUB_EVENT_PATH']) throw thrown;
      }
    },
  });
}

const notLoaded = (name: string): string => `@actions/github could not be loaded (${name}), so the event file was not read`;

afterEach(() => {
  vi.doUnmock(CONTEXT_MODULE);
  vi.resetModules();
});

describe('readGateContext without the Context class', () => {
  it('reads the names from the environment, trimmed, and has no payload, even with a valid event file', async () => {
    expect(
      await readWithoutContext({
        GITHUB_EVENT_NAME: ' push ',
        GITHUB_EVENT_PATH: join(FIXTURES, 'push.json'),
        GITHUB_REPOSITORY: REPOSITORY,
        GITHUB_ACTOR: ' bob',
        GITHUB_TRIGGERING_ACTOR: 'alice',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
        GITHUB_REF: 'refs/heads/main\n',
      }),
    ).toStrictEqual({
      eventName: 'push',
      repository: REPOSITORY,
      actor: 'bob',
      triggeringActor: 'alice',
      apiUrl: 'https://ghe.example.com/api/v3',
      ref: 'refs/heads/main',
      payload: undefined,
      payloadError: notLoaded('Error'),
    });
  });

  it('falls back to empty names and the default API URL', async () => {
    expect(await readWithoutContext({ GITHUB_EVENT_PATH: join(FIXTURES, 'push.json') })).toStrictEqual({
      ...NO_NAMES,
      payload: undefined,
      payloadError: notLoaded('Error'),
    });
  });

  it('names what the import threw, and blames the package even for a SyntaxError or a file error', async () => {
    const push = { GITHUB_EVENT_PATH: join(FIXTURES, 'push.json') };
    const cases: Array<[unknown, string]> = [
      [new RangeError('r'), 'RangeError'],
      [new SyntaxError('Unexpected token'), 'SyntaxError'],
      [Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open' }), 'Error'],
      ['a string', 'error'],
      [undefined, 'error'],
    ];
    for (const [value, name] of cases) {
      expect((await readWithoutContext(push, { value })).payloadError, name).toBe(notLoaded(name));
    }
  });

  it('still says first that the event file is not set, or cannot be read', async () => {
    expect((await readWithoutContext({ GITHUB_EVENT_NAME: 'push' })).payloadError).toBe('GITHUB_EVENT_PATH is not set');
    expect((await readWithoutContext({ GITHUB_EVENT_PATH: join(FIXTURES, 'gone.json') })).payloadError).toBe(
      'the event file could not be read (ENOENT)',
    );
  });
});

describe('readGateContext with a Context class that fails reading the event file', () => {
  it('says the file could not be read, naming no code when the error has none, and keeps the names', async () => {
    const env = { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: join(FIXTURES, 'push.json'), GITHUB_ACTOR: 'bob' };
    const cases: Array<[unknown, string]> = [
      [Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }), 'EACCES'],
      [new Error('no code'), 'read error'],
      [Object.assign(new Error('a numeric code'), { code: 13 }), 'read error'],
      [undefined, 'read error'],
      [null, 'read error'],
    ];
    for (const [thrown, code] of cases) {
      expect(await readWith(env, contextThrowing(thrown)), code).toStrictEqual({
        eventName: 'push',
        repository: '',
        actor: 'bob',
        triggeringActor: '',
        apiUrl: 'https://api.github.com',
        ref: '',
        payload: undefined,
        payloadError: `the event file could not be read (${code})`,
      });
    }
  });
});

describe('readGateContext when the event file goes while it is read', () => {
  it('does not take the empty payload Context reads from a file gone by then: the file could not be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gate-race-'));
    try {
      const file = join(dir, 'event.json');
      writeFileSync(file, JSON.stringify({ issue: { number: 5, pull_request: { url: 'x' } } }));
      const { Context: Real } = (await import(CONTEXT_MODULE)) as { Context: new () => object };
      // The file is there when the gate checks it, and gone when Context looks (the real class,
      // which then prints a line and keeps `payload = {}`).
      const context = await readWith({ GITHUB_EVENT_NAME: 'issues', GITHUB_EVENT_PATH: file }, () => ({
        Context: class extends Real {
          constructor() {
            rmSync(file);
            super();
          }
        },
      }));
      expect(context).toMatchObject({ eventName: 'issues', payload: undefined, payloadError: 'the event file could not be read (ENOENT)' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
