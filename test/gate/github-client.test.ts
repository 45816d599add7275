// The look-ups when @actions/github cannot give them a client (the package fails to load, or has no
// fetch), and network failures named by their error code whatever shape the error takes (through a
// fetch put in place of the package's).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as GitHubUtils from '@actions/github/lib/utils';
import { ALICE, PR12, REPOSITORY, failed, gh, options, sleeps, useLookupServers } from './github-support.ts';

useLookupServers();

type Utils = typeof GitHubUtils;

/** The look-up functions, loaded afresh so that the mocks of this file apply. */
async function lookups(): Promise<typeof import('../../src/gate/github.ts')> {
  vi.resetModules();
  return import('../../src/gate/github.ts');
}

/** @actions/github/lib/utils with `defaults` replaced. */
function mockDefaults(defaults: (real: Utils['defaults']) => unknown): void {
  vi.doMock('@actions/github/lib/utils', async (importOriginal) => {
    const real = await importOriginal<Utils>();
    return { ...real, defaults: defaults(real.defaults) };
  });
}

afterEach(() => {
  vi.doUnmock('@actions/github');
  vi.doUnmock('@actions/github/lib/utils');
  vi.resetModules();
});

describe('without a client', () => {
  it('fails, naming what the import of @actions/github threw, without a request', async () => {
    vi.doMock('@actions/github', () => {
      throw new Error('the package failed to evaluate');
    });
    const { getCollaboratorPermission, getPullRequestHead } = await lookups();
    expect(await getCollaboratorPermission(options(), REPOSITORY, 'alice')).toStrictEqual(
      failed(`could not look up ${ALICE}: @actions/github could not be loaded (Error)`),
    );
    expect(await getPullRequestHead(options(), REPOSITORY, 12)).toStrictEqual(
      failed(`could not look up ${PR12}: @actions/github could not be loaded (Error)`),
    );
    vi.doMock('@actions/github', () => ({
      get getOctokit(): never {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a broken package might throw
        throw 'not an Error';
      },
    }));
    expect(await (await lookups()).getCollaboratorPermission(options(), REPOSITORY, 'alice')).toStrictEqual(
      failed(`could not look up ${ALICE}: @actions/github could not be loaded (error)`),
    );
    expect(gh.requests).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  it('fails when @actions/github provides no fetch, without a request', async () => {
    for (const defaults of [{}, { request: {} }, { request: { fetch: 'fetch' } }]) {
      mockDefaults(() => defaults);
      const { getCollaboratorPermission } = await lookups();
      expect(await getCollaboratorPermission(options(), REPOSITORY, 'alice'), JSON.stringify(defaults)).toStrictEqual(
        failed(`could not look up ${ALICE}: @actions/github provides no fetch`),
      );
    }
    expect(gh.requests).toEqual([]);
  });

  it("uses @actions/github's own fetch for every request", async () => {
    const seen: string[] = [];
    mockDefaults((real) => ({
      ...real,
      request: {
        ...real.request,
        fetch: (input: string, init?: RequestInit) => {
          seen.push(input);
          return globalThis.fetch(input, init);
        },
      },
    }));
    const { getCollaboratorPermission } = await lookups();
    expect(await getCollaboratorPermission(options(), REPOSITORY, 'alice')).toStrictEqual({
      kind: 'ok',
      permission: 'admin',
      reported: 'admin',
    });
    expect(seen).toEqual([`${gh.url}/repos/acme/widgets/collaborators/alice/permission`]);
    expect(gh.lookups()).toEqual(['permission:alice']);
  });
});
