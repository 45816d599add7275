import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { certificateNodeOptions, isWatchedParentAlive, renewalEnv, RENEWAL_ENV } from '../../src/renewal/process.ts';
import type { RenewalConfig } from '../../src/renewal/loop.ts';

describe('the renewal process', () => {
  it('watches a real parent, and has none to watch at pid 0 (a container job) or 1', () => {
    expect(isWatchedParentAlive(process.pid)).toBe(true);
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    expect(isWatchedParentAlive(gone)).toBe(false);
    expect(isWatchedParentAlive(0)).toBe(true);
    expect(isWatchedParentAlive(1)).toBe(true);
  });

  it('gets only the allow-listed variables and its config, nothing the step was given', () => {
    const config = { statusFile: '/tmp/x/renewal-p.json' } as unknown as RenewalConfig;
    const env = renewalEnv(
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
      ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'CLAUDE_OIDC_RENEWAL_CONFIG', 'PATH'].sort(),
    );
    expect(RENEWAL_ENV).not.toContain('NODE_OPTIONS');
    expect(JSON.parse(env['CLAUDE_OIDC_RENEWAL_CONFIG']!)).toEqual(config);
  });

  it('gets what made the step trust its servers: the CA variables and the certificate flags of NODE_OPTIONS', () => {
    const config = { statusFile: '/tmp/x/renewal-p.json' } as unknown as RenewalConfig;
    const env = renewalEnv(
      {
        PATH: '/usr/bin',
        NODE_EXTRA_CA_CERTS: '/etc/ca/extra.pem',
        NODE_USE_SYSTEM_CA: '1',
        SSL_CERT_FILE: '/etc/ca/bundle.pem',
        SSL_CERT_DIR: '/etc/ca/certs',
        NODE_OPTIONS: '--require /tmp/evil.js --use-system-ca --inspect=0.0.0.0:9229',
      },
      config,
    );
    expect(env).toMatchObject({
      NODE_EXTRA_CA_CERTS: '/etc/ca/extra.pem',
      NODE_USE_SYSTEM_CA: '1',
      SSL_CERT_FILE: '/etc/ca/bundle.pem',
      SSL_CERT_DIR: '/etc/ca/certs',
      NODE_OPTIONS: '--use-system-ca',
    });
  });

  it('keeps only --use-system-ca, --use-openssl-ca and --use-bundled-ca of NODE_OPTIONS, read the way Node reads it', () => {
    expect(certificateNodeOptions(undefined)).toBeUndefined();
    expect(certificateNodeOptions('')).toBeUndefined();
    expect(certificateNodeOptions('--max-old-space-size=4096 --require ./x.js --import=y --inspect')).toBeUndefined();
    expect(certificateNodeOptions('--use-openssl-ca')).toBe('--use-openssl-ca');
    expect(certificateNodeOptions('  --use_system_ca   --use-system-ca ')).toBe('--use-system-ca');
    expect(certificateNodeOptions('--use-bundled-ca --enable-source-maps')).toBe('--use-bundled-ca');
    // A quoted argument is one word, whatever it holds; quotes around a flag still name the flag.
    expect(certificateNodeOptions('--require "/tmp/a dir/--use-system-ca" "--use-openssl-ca"')).toBe('--use-openssl-ca');
    expect(certificateNodeOptions('--title="x \\" --use-system-ca"')).toBeUndefined();
    // Not flags at all are not certificate flags.
    expect(certificateNodeOptions('use-openssl-ca -use-system-ca')).toBeUndefined();
    // As Node reads them: a value still turns the flag on, --no- turns it off, the last one wins.
    expect(certificateNodeOptions('--use-system-ca=1')).toBe('--use-system-ca');
    expect(certificateNodeOptions('--use_openssl_ca=true')).toBe('--use-openssl-ca');
    expect(certificateNodeOptions('--use-openssl-ca --no-use-openssl-ca')).toBeUndefined();
    expect(certificateNodeOptions('--no-use-system-ca --use-system-ca --use-bundled-ca')).toBe('--use-system-ca --use-bundled-ca');
  });
});
