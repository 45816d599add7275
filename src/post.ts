// Entry of the post step: stops the refresher, reports how renewal went, removes every file the
// action wrote. Nothing here fails the job: problems become warnings.
import * as core from '@actions/core';
import { promises as fs } from 'node:fs';
import { messageOf } from './errors.ts';
import { profilePaths, removeProfile } from './profile.ts';
import { describeRenewal } from './renewal-report.ts';
import { readStatus } from './refresh.ts';
import { stopRefresher } from './refresher-process.ts';
import { STATE } from './state.ts';

async function post(): Promise<void> {
  const pid = Number(core.getState(STATE.refresherPid));
  const statusFile = core.getState(STATE.statusFile);
  const configDir = core.getState(STATE.configDir);
  const profile = core.getState(STATE.profile);

  if (Number.isInteger(pid) && pid > 0) {
    const stopped = await stopRefresher(pid);
    if (!stopped) core.warning(`The background refresher (pid ${pid}) did not stop; the runner ends it with the job.`);
  }
  if (statusFile !== '') {
    const report = describeRenewal(await readStatus(statusFile), Date.now());
    for (const line of report.info) core.info(line);
    for (const line of report.warnings) core.warning(line);
    await fs.rm(statusFile, { force: true });
  }
  if (configDir !== '' && profile !== '') {
    await removeProfile(profilePaths(configDir, profile));
    core.info(`Removed the profile "${profile}" from ${configDir}.`);
  }
}

await post().catch((error: unknown) => core.warning(`Cleaning up: ${messageOf(error)}`));
