import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isWatchedParentAlive, refresherEnv, REFRESHER_ENV } from '../src/refresher-process.ts';
import type { RefresherConfig } from '../src/refresh.ts';

describe('the refresher process', () => {
  it('watches a real parent, and has none to watch at pid 0 (a container job) or 1', () => {
    expect(isWatchedParentAlive(process.pid)).toBe(true);
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    expect(isWatchedParentAlive(gone)).toBe(false);
    expect(isWatchedParentAlive(0)).toBe(true);
    expect(isWatchedParentAlive(1)).toBe(true);
  });

  it('gets only the allow-listed variables and its config, nothing the step was given', () => {
    const config = { statusFile: '/tmp/x/refresh-p.json' } as unknown as RefresherConfig;
    const env = refresherEnv(
      {
        PATH: '/usr/bin',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://example/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        ACTIONS_RUNTIME_TOKEN: 'runtime',
        'INPUT_GITHUB-TOKEN': 'ghs_x',
        GITHUB_TOKEN: 'ghs_y',
        NODE_OPTIONS: '--require /tmp/evil.js',
        MY_SECRET: 's',
      },
      config,
    );
    expect(Object.keys(env).sort()).toEqual(
      ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'CLAUDE_OIDC_REFRESHER_CONFIG', 'PATH'].sort(),
    );
    expect(REFRESHER_ENV).not.toContain('NODE_OPTIONS');
    expect(JSON.parse(env['CLAUDE_OIDC_REFRESHER_CONFIG']!)).toEqual(config);
  });
});
