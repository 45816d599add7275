// Names of the values `main` saves for `post` (GITHUB_STATE).
export const STATE = {
  configDir: 'config-dir',
  profile: 'profile',
  renewalPid: 'renewal-pid',
  statusFile: 'status-file',
} as const;
