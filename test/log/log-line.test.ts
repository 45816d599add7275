import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breakLegacyCommands, oneLine } from '../../src/log/log-line.ts';

describe('log lines from outside text', () => {
  it('breaks the old ##[command] form wherever it stands, and keeps the text readable', () => {
    expect(breakLegacyCommands('CI ##[save-state name=x;]y and ##[error]z')).toBe('CI ##\u200b[save-state name=x;]y and ##\u200b[error]z');
    expect(breakLegacyCommands('issue #12 [link]')).toBe('issue #12 [link]');
  });

  it('keeps text on one line: runs of control characters become one space', () => {
    expect(oneLine('a\r\n::warning::b\u2028c\u0085d\te')).toBe('a ::warning::b c d e');
  });

  it('property: no line break and no ##[ survives', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('#', '[', '\n', '\r', '\u2028', 'a', ':', ' ') }), (value) => {
        const line = oneLine(value);
        return !/[\r\n\u2028\u2029]/.test(line) && !line.includes('##[');
      }),
    );
  });
});
