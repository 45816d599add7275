// Entry of the post step: stops the renewal process, reports how renewal went, removes every file the
// action wrote. Nothing here fails the job: problems become warnings, and each clean-up step runs
// even when an earlier one failed, removing the credentials last of all.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { messageOf } from './errors.ts';
import { getState, info, warning } from './log/post-commands.ts';
import { CONFIG_DIR_NAME, isProfileName, profilePaths, removeProfile, removeRenewalFiles, statusFilePath } from './export/profile.ts';
import { platform } from './platform/index.ts';
import { isStopChannel } from './renewal/channel.ts';
import { readStatus, type RenewalStatus } from './renewal/status.ts';
import { stopChannelTooLong, stopRenewalProcess, type StopOutcome } from './renewal/process.ts';
import { describeMissingStatus, describeRenewal, describeUnconfirmed } from './renewal/report.ts';
import { STATE } from './state.ts';

async function attempt(what: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    warning(`Cleaning up (${what}): ${messageOf(error)}`);
  }
}

/** Why the saved state is not what main saves (post then touches nothing), or undefined if it is. */
function unexpectedState(configDir: string, profile: string, statusFile: string, runnerTemp: string): string | undefined {
  if (configDir !== '' && (runnerTemp === '' || configDir !== path.join(runnerTemp, CONFIG_DIR_NAME))) {
    return `the config directory ${configDir} is not ${CONFIG_DIR_NAME} under RUNNER_TEMP`;
  }
  if (profile !== '' && !isProfileName(profile)) return `"${profile}" is not a profile name`;
  if (statusFile !== '' && statusFile !== statusFilePath(configDir, profile)) return `${statusFile} is not this profile's status file`;
  return undefined;
}

async function post(): Promise<void> {
  const pid = Number(getState(STATE.renewalPid));
  const statusFile = getState(STATE.statusFile);
  const configDir = getState(STATE.configDir);
  const profile = getState(STATE.profile);
  let status: RenewalStatus | undefined;
  let stopped: StopOutcome | undefined;

  // Post removes files and signals a process: only the ones main itself made.
  const unexpected = unexpectedState(configDir, profile, statusFile, process.env['RUNNER_TEMP'] ?? '');
  if (unexpected !== undefined) {
    warning(`Cleaning up: the saved state is not this action's own (${unexpected}); nothing was stopped or removed.`);
    return;
  }

  const hasPid = Number.isInteger(pid) && pid > 0;
  if (hasPid && statusFile !== '') {
    await attempt('stopping the renewal process', async () => {
      // A renewal process that stopped on its own says so; never signal a pid it no longer holds.
      const before = await readStatus(statusFile);
      if (before?.stoppedAt !== null && before?.stoppedAt !== undefined) return;
      // Asked on its stop channel; with no status yet, the process is still checked (its command
      // line, on Linux) and stopped. A pid nothing shows to be ours is left alone.
      stopped = await stopRenewalProcess(pid, statusFile);
      if (stopped === 'still-running')
        warning(`The background renewal process (pid ${pid}) did not stop; the runner ends it with the job.`);
      if (stopped === 'not-running' && before !== undefined)
        warning(
          `The background renewal process (pid ${pid}) was no longer running when the post step began, and had not recorded why: it was killed or crashed, and nothing renewed the credentials after its last recorded renewal.`,
        );
      if (stopped === 'unconfirmed' && before !== undefined)
        warning(describeUnconfirmed(pid, !isStopChannel(before.stop) && stopChannelTooLong(statusFile)));
    });
  }
  if (statusFile !== '') {
    await attempt('reading the renewal process status', async () => {
      status = await readStatus(statusFile);
      const report = status === undefined ? describeMissingStatus(hasPid ? pid : undefined, stopped) : describeRenewal(status, Date.now());
      for (const line of report.info) info(line);
      for (const line of report.warnings) warning(line);
    });
    await attempt('removing the status file', () => fs.rm(statusFile, { force: true, maxRetries: 5, retryDelay: 100 }));
    await attempt('removing the renewal process files', async () => {
      // Its stop channel's socket and half-written status files stay behind when it was killed.
      const channel = status?.stop;
      const socket = isStopChannel(channel) ? platform.stopChannelAddress(statusFile, channel.id) : undefined;
      if (socket !== undefined && platform.stopChannelIsFile) await fs.rm(socket, { force: true });
      if (configDir !== '' && profile !== '') await removeRenewalFiles(configDir, profile, platform);
    });
  }
  if (configDir !== '' && profile !== '') {
    await attempt('removing the profile', async () => {
      await removeProfile(profilePaths(configDir, profile));
      info(`Removed the profile "${profile}" from ${configDir}.`);
    });
  }
}

await post();
