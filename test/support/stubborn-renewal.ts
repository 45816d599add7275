// Stands in for a renewal process that answers on its stop channel but then does not stop (hung
// after answering): what the post step's last-resort kill is for. Writes a status naming its channel,
// then idles. Argument: the status file.
import { platform } from '../../src/platform/index.ts';
import { openStopChannel } from '../../src/renewal/channel.ts';
import { startingStatus, writeStatus } from '../../src/renewal/status.ts';

const statusFile = process.argv[2] ?? '';
const open = await openStopChannel(platform, statusFile, process.pid, () => undefined);
const now = new Date().toISOString();
await writeStatus(statusFile, startingStatus(process.pid, now, now, open?.channel));
setInterval(() => undefined, 1_000);
