import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cell, deniedSummary, dryRunSummary, failureSummary, plain, successSummary } from '../../src/diagnostics/summary.ts';

const gate = { allowed: true, reason: 'ok', summary: 'Allowed (ok): push in o/r by octocat' };

describe('job summary Markdown', () => {
  it('keeps any value inside its table cell', () => {
    expect(cell('a|b\nc<script>')).toBe('a\\|b c&lt;script>');
    fc.assert(
      fc.property(fc.string(), (value) => {
        const text = cell(value);
        return !/[\r\n]/.test(text) && !/(^|[^\\])\|/.test(text.replace(/\\\\/g, '')) && !text.includes('<');
      }),
    );
  });

  it('success: one row per fact, with a value a claim cannot break out of', () => {
    const md = successSummary({
      claims: { repository: 'o/r', ref: 'refs/heads/x|y', event_name: 'push', actor: 'a`b' },
      ids: { federationRuleId: 'fdrl_1', organizationId: 'org' },
      expiresAt: Date.UTC(2026, 0, 1),
      renewed: false,
      fingerprint: 'sha256:0123',
      exported: [],
      gate,
      profile: undefined,
      verified: false,
    });
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |'));
    expect(rows.every((r) => /^\| [^|]+ \| .* \|$/.test(r))).toBe(true);
    expect(md).toContain('| Ref | `refs/heads/x\\|y` |');
    expect(md).toContain("| Actor | `a'b` |");
    expect(md).toContain('2026-01-01T00:00:00.000Z, not renewed');
    expect(md).toContain('| Exported | outputs only |');
    expect(md).toContain('| Service account | `(from the rule)` |');
    expect(md).toContain('not checked (`verify: true` checks it)');
  });

  it('failure: a message cannot close the code fence it is shown in', () => {
    const md = failureSummary({ title: 'T', message: 'bad ``` injected\n# heading', hint: 'do ```this```', gate: undefined });
    expect(md.match(/```/g)?.length).toBe(4);
    expect(md).toContain("bad ''' injected");
  });

  it('denied and dry-run summaries say nothing was requested or minted', () => {
    expect(deniedSummary({ allowed: false, reason: 'fork-pr', summary: 'Denied' }, true)).toMatch(
      /Skipped[\s\S]*not requested[\s\S]*not attempted/,
    );
    expect(deniedSummary({ allowed: false, reason: 'fork-pr', summary: 'Denied' }, false)).toMatch(/Denied: no credentials/);
    const dry = dryRunSummary({ claims: { sub: 'repo:o/r:ref:refs/heads/main' }, ruleJson: '{}', condition: 'true', gate });
    expect(dry).toMatch(/no token minted/);
    expect(dry).toContain('```cel\ntrue\n```');
  });

  it('shows the gate line as plain text: no link, image, emphasis or HTML from a payload', () => {
    const md = deniedSummary(
      { allowed: false, reason: 'dangerous-event', summary: 'run "x [a](https://e/) ![i](https://e/i.png) *b* <img>"' },
      true,
    );
    const row = md.split('\n').find((l) => l.startsWith('| Gate |'))!;
    expect(row).toBe(
      '| Gate | denied (`dangerous-event`): run "x \\[a\\]\\(https:\u200b//e/\\) \\!\\[i\\]\\(https:\u200b//e/i.png\\) \\*b\\* &lt;img>" |',
    );
    fc.assert(
      fc.property(fc.string(), (value) => {
        // Every Markdown punctuation mark that could start a construct is escaped.
        const text = plain(value).replace(/\\\\/g, '');
        return !/(^|[^\\])[[\]()!*_~`#|]/.test(text) && !/[\r\n<]/.test(text);
      }),
    );
  });

  it('shows a URL in the gate line as text, not as a link GitHub would make by itself', () => {
    const text = plain('run "Fix at https://evil.example/login" and WWW.evil.example');
    expect(text).toBe('run "Fix at https:\u200b//evil.example/login" and WWW\u200b.evil.example');
    expect(text).not.toMatch(/:\/\/|www\./i);
  });

  it('a rule or condition cannot close the code fence it is shown in', () => {
    const dry = dryRunSummary({ claims: {}, ruleJson: '{"ref":"x```y"}', condition: "claims.ref == 'x```y'", gate: undefined });
    expect(dry.match(/```/g)?.length).toBe(4);
  });
});
