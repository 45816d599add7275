import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeData, getState } from '../src/post-commands.ts';
import { parseCommands } from './support/runner.ts';

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
});
