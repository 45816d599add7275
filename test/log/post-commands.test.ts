import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { escapeData, getState, info, warning } from '../../src/log/post-commands.ts';
import { parseCommands } from '../support/runner.ts';

describe('post-commands', () => {
  it('escapes %, CR and LF so a message stays one command line', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
  });

  it('property: any warning text survives the round trip through the runner format', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const [command] = parseCommands([`::warning::${escapeData(text)}`]);
        return command?.name === 'warning' && command.value === text;
      }),
    );
  });

  it('reads state the runner passes as STATE_<name>', () => {
    expect(getState('config-dir', { 'STATE_config-dir': '/tmp/x' })).toBe('/tmp/x');
    expect(getState('missing', {})).toBe('');
  });

  describe('what the post step prints', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    function printed(print: () => void): string {
      const chunks: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        chunks.push(String(chunk));
        return true;
      });
      print();
      vi.restoreAllMocks();
      return chunks.join('');
    }

    it('a plain line: one line, and no workflow command from the text in it', () => {
      expect(printed(() => info('renewed 3 times'))).toBe('renewed 3 times\n');
      expect(printed(() => info('a\r\n::error::x ##[warning]y'))).toBe('a ::error::x ##\u200b[warning]y\n');
    });

    it('a warning: one ::warning:: command whose text is escaped', () => {
      expect(printed(() => warning('lapsed at 10:00\n100%'))).toBe('::warning::lapsed at 10:00%0A100%25\n');
    });
  });
});
