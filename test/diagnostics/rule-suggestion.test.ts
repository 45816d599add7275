import { describe, expect, it } from 'vitest';
import type { Claims } from '../../src/diagnostics/claims.ts';
import { likelyMismatches, suggestionNotes, suggestRule } from '../../src/diagnostics/rule-suggestion.ts';

const claims: Claims = {
  iss: 'https://token.actions.githubusercontent.com',
  aud: 'https://api.anthropic.com',
  sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
  repository: 'octo-org/octo-repo',
  repository_id: '123456789',
  repository_owner: 'octo-org',
  repository_owner_id: '987654',
  ref: 'refs/heads/main',
  event_name: 'push',
  job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
  runner_environment: 'github-hosted',
};

describe('suggestRule', () => {
  it('pins the subject, audience, numeric ids, event, workflow and runner', () => {
    const s = suggestRule(claims, 'https://api.anthropic.com', { serviceAccountId: 'svac_1' });
    expect(s.match).toEqual({
      subject_prefix: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      audience: 'https://api.anthropic.com',
      claims: {
        repository_id: '123456789',
        repository_owner_id: '987654',
        event_name: 'push',
        job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
        runner_environment: 'github-hosted',
      },
    });
    expect(s.body['target']).toEqual({ type: 'service_account', service_account_id: 'svac_1' });
    expect(s.condition).toContain("claims.repository_id == '123456789'");
    expect(s.condition).toContain("claims.sub == 'repo:octo-org/octo-repo:ref:refs/heads/main'");
  });

  it('pins ref when there is no job_workflow_ref, and the environment when there is one', () => {
    const { job_workflow_ref: _, ...rest } = claims;
    const s = suggestRule({ ...rest, environment: 'prod', sub: 'repo:octo-org/octo-repo:environment:prod' }, 'aud', {});
    expect(s.match.claims['ref']).toBe('refs/heads/main');
    expect(s.match.claims['environment']).toBe('prod');
    expect(s.match.subject_prefix).toBe('repo:octo-org/octo-repo:environment:prod');
  });

  it('quotes CEL strings safely', () => {
    const { job_workflow_ref: _, ...rest } = claims;
    const s = suggestRule({ ...rest, ref: "refs/heads/it's" }, 'a', {});
    expect(s.condition).toContain("claims.ref == 'refs/heads/it\\'s'");
  });

  it('keeps each clause of the CEL condition on one line whatever the claims hold', () => {
    const { job_workflow_ref: _, ...rest } = claims;
    const s = suggestRule({ ...rest, ref: 'refs/heads/a\n::warning::b', event_name: 'push\\' }, 'a', {});
    expect(s.condition).toContain("claims.ref == 'refs/heads/a\\u000a::warning::b'");
    expect(s.condition).toContain("claims.event_name == 'push\\\\'");
    const lines = s.condition.split('\n');
    expect(lines).toHaveLength(2 + Object.keys(s.match.claims).length);
    for (const line of lines) expect(line).toMatch(/^\s*('a' in |claims\.)/);
  });

  it('notes immutable subjects and events whose ref is the default branch', () => {
    const notes = suggestionNotes({
      ...claims,
      sub: 'repo:octo-org@987654/octo-repo@123456789:ref:refs/heads/main',
      event_name: 'issue_comment',
    });
    expect(notes.join('\n')).toMatch(/immutable subject form/);
    expect(notes.join('\n')).toMatch(/issue_comment the ref claims name the default branch/);
    expect(suggestionNotes(claims)).toEqual([]);
  });

  it('lists the claims a 401 most often turns on', () => {
    const lines = likelyMismatches(claims, 'https://api.anthropic.com').join('\n');
    expect(lines).toMatch(/sub = repo:octo-org\/octo-repo:ref:refs\/heads\/main/);
    expect(lines).toMatch(/aud = https:\/\/api.anthropic.com/);
    expect(lines).toMatch(/event_name = push/);
  });
});
