import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTION_VERSION } from '../src/user-agent.ts';

describe('runtime', () => {
  it('runs the tests on Node 24, the runtime action.yml declares', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(24);
    expect(readFileSync('action.yml', 'utf8')).toMatch(/using: node24/);
  });

  it('sends the version package.json declares in its user-agent', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(ACTION_VERSION).toBe(pkg.version);
  });
});
