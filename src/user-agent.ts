// The user-agent sent with every request: the action, its version and the run.
export const ACTION_NAME = 'claude-oidc-action';
export const ACTION_VERSION = '0.1.0';

export function userAgent(env: NodeJS.ProcessEnv): string {
  const repo = env['GITHUB_REPOSITORY'] ?? 'local';
  const run = env['GITHUB_RUN_ID'] ?? '0';
  const attempt = env['GITHUB_RUN_ATTEMPT'] ?? '1';
  return `${ACTION_NAME}/${ACTION_VERSION} (${repo}; run ${run}/${attempt})`;
}
