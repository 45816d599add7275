import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { inputsFromEnv, readSettings, splitList } from '../src/inputs.ts';

const RULE = 'fdrl_01AbCdEf';
const ORG = '12345678-90ab-cdef-1234-567890abcdef';

function settingsFrom(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  return readSettings((name) => inputs[name] ?? '', env);
}

function problemsOf(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    settingsFrom(inputs, env);
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('readSettings', () => {
  it('reads the required IDs and applies the documented defaults', () => {
    const s = settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG });
    expect(s.ids).toEqual({ federationRuleId: RULE, organizationId: ORG });
    expect(s.audience).toBe('https://api.anthropic.com');
    expect(s.baseUrl).toBe('https://api.anthropic.com');
    expect([...s.exports]).toEqual(['profile']);
    expect(s.profile).toBe('github-actions');
    expect(s.conflictingCredentials).toBe('fail');
    expect(s.timeoutSeconds).toBe(60);
    expect(s.refresh).toBe(true);
    expect(s.onDeny).toBe('fail');
    expect(s.gate.minPermission).toBe('write');
    expect(s.gate.allowPullRequestTarget).toBe(false);
    expect(s.summary).toBe(true);
    expect(s.dryRun).toBe(false);
    expect(s.verify).toBe(false);
  });

  it('falls back to the ANTHROPIC_* environment variables', () => {
    const s = settingsFrom(
      {},
      {
        ANTHROPIC_FEDERATION_RULE_ID: RULE,
        ANTHROPIC_ORGANIZATION_ID: ORG,
        ANTHROPIC_SERVICE_ACCOUNT_ID: 'svac_01Xyz',
        ANTHROPIC_WORKSPACE_ID: 'default',
      },
    );
    expect(s.ids).toEqual({ federationRuleId: RULE, organizationId: ORG, serviceAccountId: 'svac_01Xyz', workspaceId: 'default' });
  });

  it('prefers the input over the environment', () => {
    const s = settingsFrom(
      { 'federation-rule-id': 'fdrl_fromInput', 'organization-id': ORG },
      { ANTHROPIC_FEDERATION_RULE_ID: 'fdrl_fromEnv' },
    );
    expect(s.ids.federationRuleId).toBe('fdrl_fromInput');
  });

  it('reports every problem at once, each naming the input and a valid example', () => {
    const problems = problemsOf({
      'organization-id': 'not-a-uuid',
      'service-account-id': 'user_123',
      'workspace-id': 'wrkspc_ab cd',
      'base-url': 'http://api.example.com',
      export: 'profile,bogus',
      profile: '../etc',
      'timeout-seconds': 'soon',
      'conflicting-credentials': 'ignore',
      'min-permission': 'maintainer',
      'dry-run': 'yes',
      'allowed-bots': 'ok[bot],no way',
      'on-deny': 'explode',
    });
    const expectations: Array<[RegExp, RegExp]> = [
      [/^federation-rule-id is required/, /fdrl_/],
      [/organization-id is not an organization UUID/, /12345678-90ab/],
      [/service-account-id is not a service account ID/, /svac_/],
      [/workspace-id contains whitespace/, /wrkspc_/],
      [/base-url may use http: only for localhost/, /https:\/\/api\.anthropic\.com/],
      [/export has an unknown value "bogus"/, /export: profile/],
      [/profile must be/, /profile: github-actions/],
      [/timeout-seconds must be a number/, /timeout-seconds: 60/],
      [/conflicting-credentials must be one of fail, override, warn/, /conflicting-credentials: fail/],
      [/min-permission must be one of read, write, admin/, /min-permission: write/],
      [/dry-run must be true or false/, /dry-run: false/],
      [/allowed-bots must be a comma- or newline-separated list/, /dependabot\[bot\]/],
      [/on-deny must be one of fail, skip/, /on-deny: fail/],
    ];
    expect(problems).toHaveLength(expectations.length);
    for (const [what, example] of expectations) {
      const problem = problems.find((p) => what.test(p));
      expect(problem, String(what)).toBeDefined();
      expect(problem).toMatch(example);
    }
  });

  it('rejects IDs with whitespace, a wrong prefix or a missing UUID', () => {
    expect(problemsOf({ 'federation-rule-id': ' fdrl_01AbC', 'organization-id': ORG })[0]).toMatch(/whitespace/);
    expect(problemsOf({ 'federation-rule-id': `${RULE}\n`, 'organization-id': ORG })[0]).toMatch(/whitespace/);
    expect(problemsOf({ 'federation-rule-id': 'rule_01AbC', 'organization-id': ORG })[0]).toMatch(
      /federation-rule-id is not a federation rule ID/,
    );
    expect(problemsOf({ 'federation-rule-id': RULE, 'organization-id': 'org_123' })[0]).toMatch(/organization-id is not/);
    expect(problemsOf({ 'federation-rule-id': RULE })[0]).toMatch(/organization-id is required/);
  });

  it('names the environment variable when the bad value came from it', () => {
    const problems = problemsOf({ 'organization-id': ORG }, { ANTHROPIC_FEDERATION_RULE_ID: 'fdrl_bad-id' });
    expect(problems[0]).toMatch(/ANTHROPIC_FEDERATION_RULE_ID \(fallback for federation-rule-id\)/);
  });

  it('never echoes a value that looks like a secret', () => {
    const problems = problemsOf({ 'federation-rule-id': 'sk-ant-oat01-abcdefgh', 'organization-id': 'eyJhbGciOi.eyJzdWIi.sig' });
    expect(problems.join('\n')).not.toMatch(/sk-ant-oat01|eyJhbGci/);
    expect(problems.join('\n')).toMatch(/looks like a secret/);
    for (const token of [
      'ghp_0123456789abcdefghijABCDEFGHIJ012345',
      'ghs_abc',
      'github_pat_11AAAA_bbbb',
      'gho_x',
      'ghu_y',
      'ghr_z',
      '"ghp_quoted',
      'token-ghs_inside',
      'x-sk-ant-oat01-abc',
    ]) {
      const text = problemsOf({ 'federation-rule-id': RULE, 'organization-id': token }).join('\n');
      expect(text, token).not.toContain(token);
      expect(text, token).toMatch(/organization-id is not an organization UUID: got something that looks like a secret \(not shown\)/);
    }
  });

  it('does not require the rule and organization IDs for a dry run, but still checks them when given', () => {
    const s = settingsFrom({ 'dry-run': 'true' });
    expect(s.dryRun).toBe(true);
    expect(s.ids).toEqual({ federationRuleId: '', organizationId: '' });
    expect(problemsOf({ 'dry-run': 'true', 'federation-rule-id': 'rule_1' })).toEqual([
      'input federation-rule-id is not a federation rule ID starting with fdrl_: got "rule_1", e.g. `federation-rule-id: fdrl_01AbCdEfGhIjKlMnOpQrStUv`',
    ]);
    expect(problemsOf({ 'dry-run': 'false' }).map((p) => p.split(':')[0])).toEqual([
      'federation-rule-id is required',
      'organization-id is required',
    ]);
  });

  it('allows http: only for the exact loopback hosts', () => {
    for (const url of ['http://localhost:8080', 'http://127.0.0.1:1234', 'http://[::1]:99']) {
      expect(settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG, 'base-url': url }).baseUrl).toBe(url);
    }
    for (const url of [
      'http://127.0.0.2',
      'http://localhost.evil.com',
      'ftp://localhost',
      'https://user:pw@api.anthropic.com',
      'https://api.anthropic.com/?x=1',
      'https://api.anthropic.com/?',
      'https://api.anthropic.com/#',
    ]) {
      expect(problemsOf({ 'federation-rule-id': RULE, 'organization-id': ORG, 'base-url': url })).toHaveLength(1);
    }
  });

  it('strips a trailing slash from base-url and keeps a path prefix', () => {
    expect(
      settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG, 'base-url': 'https://gw.example.com/anthropic/' }).baseUrl,
    ).toBe('https://gw.example.com/anthropic');
  });

  it('parses export lists, and none alone', () => {
    const both = settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG, export: 'claude-code-oauth-token, profile' });
    expect([...both.exports].sort()).toEqual(['claude-code-oauth-token', 'profile']);
    const none = settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG, export: 'none', refresh: 'true' });
    expect(none.exports.size).toBe(0);
    expect(none.refresh).toBe(false);
    expect(problemsOf({ 'federation-rule-id': RULE, 'organization-id': ORG, export: 'none,profile' })[0]).toMatch(/cannot be combined/);
  });

  it('accepts the YAML spellings of booleans and bounds timeout-seconds', () => {
    const s = settingsFrom({
      'federation-rule-id': RULE,
      'organization-id': ORG,
      verify: 'True',
      summary: 'FALSE',
      'timeout-seconds': '120',
    });
    expect(s.verify).toBe(true);
    expect(s.summary).toBe(false);
    expect(s.timeoutSeconds).toBe(120);
    expect(problemsOf({ 'federation-rule-id': RULE, 'organization-id': ORG, 'timeout-seconds': '0' })).toHaveLength(1);
    expect(problemsOf({ 'federation-rule-id': RULE, 'organization-id': ORG, 'timeout-seconds': '1e3' })).toHaveLength(1);
  });

  it('takes the github token from the input, else GITHUB_TOKEN, else none', () => {
    expect(settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG, 'github-token': 'ghs_input' }).gate.githubToken).toBe(
      'ghs_input',
    );
    expect(settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG }, { GITHUB_TOKEN: 'ghs_env' }).gate.githubToken).toBe(
      'ghs_env',
    );
    // With neither, the token is empty: the gate then fails closed on any look-up.
    expect(settingsFrom({ 'federation-rule-id': RULE, 'organization-id': ORG }).gate.githubToken).toBe('');
  });

  it('property: any well-formed rule id and UUID parse back to themselves', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{1,40}$/), fc.uuid(), (suffix, uuid) => {
        const s = settingsFrom({ 'federation-rule-id': `fdrl_${suffix}`, 'organization-id': uuid });
        return s.ids.federationRuleId === `fdrl_${suffix}` && s.ids.organizationId === uuid;
      }),
    );
  });

  it('property: any input with whitespace inside an ID is refused, never thrown as something else', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(' ', '\t', '\n', '\r'), fc.string(), (a, ws, b) => {
        const problems = problemsOf({ 'federation-rule-id': `fdrl_${a}${ws}${b}`, 'organization-id': ORG });
        return problems.length === 1 && problems[0]!.startsWith('input federation-rule-id');
      }),
    );
  });
});

describe('readSettings, edge by edge', () => {
  const ids = { 'federation-rule-id': RULE, 'organization-id': ORG };
  const only = (inputs: Record<string, string>): readonly string[] => problemsOf({ ...ids, ...inputs });

  it("reads the runner's INPUT_ variables: upper case, spaces as underscores, hyphens kept", () => {
    const read = inputsFromEnv({ 'INPUT_FEDERATION-RULE-ID': RULE, INPUT_MY_INPUT: 'x' });
    expect(read('federation-rule-id')).toBe(RULE);
    expect(read('my input')).toBe('x');
    expect(read('organization-id')).toBe('');
  });

  it('trims every free-text input before judging it', () => {
    const s = settingsFrom({
      ...ids,
      'base-url': ' https://gw.example.com ',
      'timeout-seconds': ' 30 ',
      profile: ' ci ',
      audience: ' https://aud.example ',
      'github-token': ' ghs_t ',
      'on-deny': ' skip ',
      'dry-run': ' true ',
    });
    expect([s.baseUrl, s.timeoutSeconds, s.profile, s.audience, s.gate.githubToken, s.onDeny, s.dryRun]).toEqual([
      'https://gw.example.com',
      30,
      'ci',
      'https://aud.example',
      'ghs_t',
      'skip',
      true,
    ]);
  });

  it('keeps optional IDs out of the settings unless they are given', () => {
    expect(settingsFrom(ids).ids).toStrictEqual({ federationRuleId: RULE, organizationId: ORG });
  });

  it('shows at most 40 characters of a bad value', () => {
    expect(only({ 'min-permission': 'x'.repeat(40) })[0]).toContain(`got "${'x'.repeat(40)}",`);
    expect(only({ 'min-permission': 'y'.repeat(41) })[0]).toContain(`got "${'y'.repeat(40)}…",`);
    // A value with something shaped like a secret anywhere in it is not shown at all.
    expect(only({ 'min-permission': 'my-ghp_x' })[0]).toBe(
      'min-permission must be one of read, write, admin: got something that looks like a secret (not shown), e.g. `min-permission: write`',
    );
  });

  it('takes each choice exactly, and the default when empty', () => {
    expect(settingsFrom({ ...ids, 'conflicting-credentials': 'warn' }).conflictingCredentials).toBe('warn');
    expect(settingsFrom({ ...ids, 'min-permission': 'admin' }).gate.minPermission).toBe('admin');
    expect(only({ 'min-permission': 'Admin' })).toEqual([
      'min-permission must be one of read, write, admin: got "Admin", e.g. `min-permission: write`',
    ]);
  });

  it('takes the YAML spellings of true and false, and nothing else', () => {
    for (const [text, value] of [
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['false', false],
      ['False', false],
      ['FALSE', false],
    ] as const) {
      expect(settingsFrom({ ...ids, 'allow-fork-heads': text }).gate.allowForkHeads, text).toBe(value);
    }
    expect(settingsFrom(ids).gate.allowForkHeads).toBe(false);
    expect(settingsFrom(ids).gate.allowPullRequestTarget).toBe(false);
    expect(settingsFrom({ ...ids, 'allow-pull-request-target': 'true' }).gate.allowPullRequestTarget).toBe(true);
    expect(only({ 'allow-fork-heads': 'yes', refresh: '1', verify: 'on' })).toEqual([
      'refresh must be true or false: got "1", e.g. `refresh: true`',
      'allow-fork-heads must be true or false: got "yes", e.g. `allow-fork-heads: false`',
      'verify must be true or false: got "on", e.g. `verify: false`',
    ]);
  });

  it('reads the gate lists, and names the bad item with an example for each list', () => {
    const s = settingsFrom({
      ...ids,
      'allowed-users': 'octocat, @hubot',
      'allowed-events': 'deployment\nrepository_dispatch',
      'allowed-bots': 'renovate[bot]',
    });
    expect([s.gate.allowedUsers, s.gate.allowedEvents, s.gate.allowedBots]).toEqual([
      ['octocat', '@hubot'],
      ['deployment', 'repository_dispatch'],
      ['renovate[bot]'],
    ]);
    expect(only({ 'allowed-users': 'ok-user,bad user', 'allowed-events': 'a b' })).toEqual([
      'allowed-users must be a comma- or newline-separated list of names: "bad user" is not one, e.g. `allowed-users: octocat,hubot`',
      'allowed-events must be a comma- or newline-separated list of names: "a b" is not one, e.g. `allowed-events: deployment,repository_dispatch`',
    ]);
    expect(only({ 'allowed-bots': 'a b,ok[bot],c d' })).toEqual([
      'allowed-bots must be a comma- or newline-separated list of names: "a b", "c d" is not one, e.g. `allowed-bots: dependabot[bot],renovate[bot]`',
    ]);
    // One bad item fails the settings as a whole, even beside items that are fine.
    expect(() => settingsFrom({ ...ids, 'allowed-users': 'fine,not fine' })).toThrow(InputError);
  });

  it('refuses base-url with credentials, a query or another scheme, each in its own words', () => {
    expect(only({ 'base-url': 'https://user@api.anthropic.com' })).toEqual([
      'base-url must not carry credentials (user:password@), e.g. `base-url: https://api.anthropic.com`',
    ]);
    expect(only({ 'base-url': 'https://:pw@api.anthropic.com' })).toEqual([
      'base-url must not carry credentials (user:password@), e.g. `base-url: https://api.anthropic.com`',
    ]);
    expect(only({ 'base-url': 'https://api.anthropic.com/?x=1' })).toEqual([
      'base-url must not have a query or fragment: got "https://api.anthropic.com/?x=1", e.g. `base-url: https://api.anthropic.com`',
    ]);
    expect(only({ 'base-url': 'ftp://localhost' })).toEqual([
      'base-url must be an https: URL: got "ftp://localhost", e.g. `base-url: https://api.anthropic.com`',
    ]);
    expect(only({ 'base-url': 'not a url' })).toEqual([
      'base-url is not a URL: got "not a url", e.g. `base-url: https://api.anthropic.com`',
    ]);
    expect(settingsFrom({ ...ids, 'base-url': 'https://gw.example.com/a//' }).baseUrl).toBe('https://gw.example.com/a');
    // Blank is the default, like every other input.
    expect(settingsFrom({ ...ids, 'base-url': '   ' }).baseUrl).toBe('https://api.anthropic.com');
  });

  it('bounds timeout-seconds to 5..600 and takes decimals', () => {
    expect(settingsFrom({ ...ids, 'timeout-seconds': '5' }).timeoutSeconds).toBe(5);
    expect(settingsFrom({ ...ids, 'timeout-seconds': '600' }).timeoutSeconds).toBe(600);
    expect(settingsFrom({ ...ids, 'timeout-seconds': '7.25' }).timeoutSeconds).toBe(7.25);
    for (const bad of ['4.99', '600.5', '601', '7.', '.5', 'x7', '7x', '7.x5', '+60', '0x10']) {
      expect(only({ 'timeout-seconds': bad }), bad).toEqual([
        `timeout-seconds must be a number of seconds from 5 to 600: got "${bad}", e.g. \`timeout-seconds: 60\``,
      ]);
    }
  });

  it('checks the audience: one value, no spaces or commas, at most 256 characters', () => {
    expect(settingsFrom(ids).audience).toBe('https://api.anthropic.com');
    expect(settingsFrom({ ...ids, audience: 'a'.repeat(256) }).audience).toBe('a'.repeat(256));
    for (const bad of ['a b', 'a,b', 'a'.repeat(257)]) {
      expect(only({ audience: bad })[0], bad).toMatch(/^audience must be one value without spaces or commas, at most 256 characters: got /);
    }
  });

  it('a profile name that is fine passes as it is', () => {
    expect(settingsFrom({ ...ids, profile: 'reviewer.2_a-b' }).profile).toBe('reviewer.2_a-b');
    expect(only({ profile: '..' })[0]).toMatch(/^profile must be 1 to 64 letters/);
  });
});

describe('splitList', () => {
  it('splits on commas and newlines and drops blanks', () => {
    expect(splitList('a, b\n\nc,,')).toEqual(['a', 'b', 'c']);
    expect(splitList('')).toEqual([]);
  });
});
