// Entry of the post step: stops the refresher, reports how renewal went, removes every file the
// action wrote. Nothing here fails the job: problems become warnings.
import { promises as fs } from 'node:fs';
import { messageOf } from './errors.ts';
import { profilePaths, removeProfile } from './profile.ts';
import { describeRenewal } from './renewal-report.ts';
import { getState, info, warning } from './post-commands.ts';
import { readStatus } from './refresh-status.ts';
import { stopRefresher } from './refresher-process.ts';
import { STATE } from './state.ts';

async function post(): Promise<void> {
  const pid = Number(getState(STATE.refresherPid));
  const statusFile = getState(STATE.statusFile);
  const configDir = getState(STATE.configDir);
  const profile = getState(STATE.profile);

  if (Number.isInteger(pid) && pid > 0) {
    const stopped = await stopRefresher(pid);
    if (!stopped) warning(`The background refresher (pid ${pid}) did not stop; the runner ends it with the job.`);
  }
  if (statusFile !== '') {
    const report = describeRenewal(await readStatus(statusFile), Date.now());
    for (const line of report.info) info(line);
    for (const line of report.warnings) warning(line);
    await fs.rm(statusFile, { force: true });
  }
  if (configDir !== '' && profile !== '') {
    await removeProfile(profilePaths(configDir, profile));
    info(`Removed the profile "${profile}" from ${configDir}.`);
  }
}

await post().catch((error: unknown) => warning(`Cleaning up: ${messageOf(error)}`));
