/**
 * The simulator's way to read a context's running-config, as ANM does: SSH to the ACE,
 * `changeto`, `show running-config`. Uses acesync's own session code (src/devices).
 */
import { openAceSession } from '../../devices/ace-session.js';
import type { FetchRunningConfig } from './web-ui.js';

/**
 * Fetch over SSH. A simulator talks to simulated ACEs, so an unpinned host key is
 * accepted (ANM itself trusts the devices it imported); pin one with `host_key_sha256`.
 */
export const sshFetchRunningConfig: FetchRunningConfig = async (device, context, opts) => {
  const session = await openAceSession({
    host: device.host,
    port: device.port,
    username: device.username,
    ...(device.password !== undefined ? { password: device.password } : {}),
    ...(device.hostKeySha256 !== undefined ? { hostKeySha256: device.hostKeySha256 } : { onHostKey: () => true }),
    connectTimeoutMs: Math.min(opts.timeoutMs, 10_000),
    commandTimeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
  try {
    return await session.runningConfig(context);
  } finally {
    await session.close();
  }
};
