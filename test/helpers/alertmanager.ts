/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1, clustering off, its
 * storage in a temporary folder, with a short resolve_timeout so a test can outlive it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, until } from './wait.js';

export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

export interface AmAlertView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: string };
}

export interface RunningAlertmanager {
  url: string;
  /** GET /api/v2/alerts: the alerts it holds that are not resolved. */
  alerts(): Promise<AmAlertView[]>;
  log(): string;
  stop(): Promise<void>;
}

export async function startAlertmanager(resolveTimeout = '3s'): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'acesync-am-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    `global:\n  resolve_timeout: ${resolveTimeout}\nroute:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n`,
  );
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(`alertmanager ready on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited: ${output}`);
      const r = await fetch(`${url}/-/ready`).catch(() => undefined);
      return r?.ok === true;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async alerts() {
      const r = await fetch(`${url}/api/v2/alerts`);
      if (!r.ok) throw new Error(`GET /api/v2/alerts: HTTP ${r.status}`);
      return (await r.json()) as AmAlertView[];
    },
    log: () => output,
    stop,
  };
}
