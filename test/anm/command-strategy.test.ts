import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUploadStrategy, type UploadJob, type UploadStrategy } from '../../src/anm/strategy.js';
import { anmSchema } from '../../src/config/sections/anm.js';
import type { AnmSimulator } from '../../src/sim/anm/server.js';
import { ANM_PW_ENV, ANM_PASSWORD, ANM_USER, fakeFetcher, signal, startSim } from './fixture.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const JOB: UploadJob = {
  device: 'ace-a',
  context: 'VC_WEB',
  address: '10.1.1.1',
  peer: 'ace-b',
  jobId: 42,
  role: 'STANDBY_HOT',
};

let dir: string;
function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
function commandStrategy(
  strategy: Record<string, unknown>,
  anm: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): UploadStrategy {
  const cfg = anmSchema.parse({ enabled: true, strategy: { type: 'command', ...strategy }, ...anm });
  return createUploadStrategy(cfg, { env, baseDir: dir });
}
/** Running (a zombie nobody reaps counts as dead: PID 1 here may not reap). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'acesync-cmd-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('command upload strategy', () => {
  it('passes the job as JSON on stdin, renders argv templates, and succeeds on exit 0', async () => {
    const out = join(dir, 'job.json');
    const p = script(
      'ok.sh',
      `cat > "$2"; echo "uploaded $1 ctx=$ACESYNC_CONTEXT"; env | grep -c SECRET_NOT_PASSED || true`,
    );
    const s = commandStrategy(
      { argv: [p, '{{device}}/{{context}}', out] },
      { url: 'https://anm.example:8443', username: 'u', password_env: ANM_PW_ENV },
      { ...process.env, SECRET_NOT_PASSED: 'x', [ANM_PW_ENV]: 'pw' },
    );
    const r = await s.upload(JOB, { signal: signal() });
    expect(r).toMatchObject({ outcome: 'ok', strategy: 'command', jobId: 42 });
    expect(r.detail).toContain('uploaded ace-a/VC_WEB ctx=VC_WEB');
    expect(r.detail).toMatch(/\b0$/); // the parent's other variables are not inherited
    const job = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(job).toEqual({ ...JOB, strategy: 'command', anm: { url: 'https://anm.example:8443', username: 'u' } });
  });

  it('resolves a relative script path against the config folder', async () => {
    script('rel.sh', 'exit 0');
    const s = commandStrategy({ argv: ['./rel.sh'] });
    await expect(s.upload(JOB, { signal: signal() })).resolves.toMatchObject({ outcome: 'ok' });
  });

  it('classifies exit codes: 75 retryable, others final', async () => {
    const p = script('exit.sh', 'cat >/dev/null; echo "boom on stderr" >&2; exit "$1"');
    const s = commandStrategy({ argv: [p, '75'] });
    await expect(s.upload(JOB, { signal: signal() })).rejects.toMatchObject({
      code: 'ACESYNC_UPLOAD',
      details: { kind: 'command', retryable: true, exitCode: 75 },
    });
    const s2 = commandStrategy({ argv: [p, '2'] });
    const err = await s2.upload(JOB, { signal: signal() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { kind: 'command', retryable: false, exitCode: 2 } });
    expect((err as Error).message).toContain('boom on stderr');
    const s3 = commandStrategy({ argv: [p, '3'], retryable_exit_codes: [3] });
    await expect(s3.upload(JOB, { signal: signal() })).rejects.toMatchObject({ details: { retryable: true } });
  });

  it('a script that ignores stdin is fine', async () => {
    const s = commandStrategy({ argv: ['/bin/true'] });
    await expect(s.upload(JOB, { signal: signal() })).resolves.toMatchObject({ outcome: 'ok' });
  });

  it('kills the script and everything it started at the timeout', async () => {
    const pidFile = join(dir, 'child.pid');
    // The grandchild ignores SIGTERM: only the SIGKILL after the grace period ends it.
    const p = script('hang.sh', `bash -c 'trap "" TERM; sleep 30' & echo $! > "${pidFile}"; wait`);
    const s = commandStrategy({ argv: [p], timeout_ms: 300, kill_grace_ms: 200 });
    const err = await s.upload(JOB, { signal: signal() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { kind: 'timeout', retryable: true } });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(pid)).toBe(false);
  });

  it('stops the script when the worker aborts', async () => {
    const p = script('sleep.sh', 'sleep 30');
    const s = commandStrategy({ argv: [p] });
    const ctl = new AbortController();
    const pr = s.upload(JOB, { signal: ctl.signal }).catch((e: unknown) => e);
    setTimeout(() => ctl.abort(), 100);
    expect(await pr).toMatchObject({ details: { kind: 'aborted', retryable: true } });
  });

  it('never lets secret values out in results or errors, and bounds the output', async () => {
    const p = script(
      'leak.sh',
      'for i in $(seq 1 2000); do echo "line $i token=$MY_TOKEN pw=$ANM_PASSWORD"; done; echo "fatal pw=$ANM_PASSWORD" >&2; exit 1',
    );
    const env = { ...process.env, MY_TOKEN: 'tok-123456', [ANM_PW_ENV]: ANM_PASSWORD };
    const s = commandStrategy(
      { argv: [p], pass_env: ['MY_TOKEN'], pass_anm_password: true, max_output_bytes: 1000 },
      { password_env: ANM_PW_ENV },
      env,
    );
    const err = await s.upload(JOB, { signal: signal() }).catch((e: unknown) => e);
    const text = JSON.stringify(err) + (err as Error).message;
    expect(text).not.toContain('tok-123456');
    expect(text).not.toContain(ANM_PASSWORD);
    expect(text).not.toContain('S3cret');
    expect((err as Error).message).toContain('fatal pw=[redacted]');
    // The tail keeps the end of stdout.
    const ok = script('leak-ok.sh', 'for i in $(seq 1 2000); do echo "line $i token=$MY_TOKEN"; done');
    const r = await commandStrategy({ argv: [ok], pass_env: ['MY_TOKEN'], max_output_bytes: 1000 }, {}, env).upload(
      JOB,
      { signal: signal() },
    );
    expect(r.detail).toContain('line 2000 token=[redacted]');
    expect(r.detail).not.toContain('tok-');
  });

  it('a missing program is a final configuration error', async () => {
    const s = commandStrategy({ argv: [join(dir, 'does-not-exist.sh')] });
    await expect(s.upload(JOB, { signal: signal() })).rejects.toMatchObject({
      details: { kind: 'config', retryable: false },
    });
  });

  describe('the sample script samples/anm/upload-via-script.sh against the simulator', () => {
    let sim: AnmSimulator;
    const fetcher = fakeFetcher();
    beforeAll(async () => {
      sim = await startSim({ fetcher });
    });
    afterAll(async () => {
      await sim.close();
    });

    it('logs in, syncs, and ANM holds the new copy', async () => {
      fetcher.revision = 5;
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, [ANM_PW_ENV]: ANM_PASSWORD };
      const cfg = anmSchema.parse({
        enabled: true,
        url: sim.url,
        username: ANM_USER,
        password_env: ANM_PW_ENV,
        strategy: {
          type: 'command',
          argv: ['samples/anm/upload-via-script.sh'],
          pass_anm_password: true,
          timeout_ms: 20_000,
        },
      });
      const s = createUploadStrategy(cfg, { env, baseDir: ROOT });
      const r = await s.upload(JOB, { signal: signal() });
      expect(r.outcome).toBe('ok');
      expect(r.detail).toContain('synced ace-a/VC_WEB (job 42)');
      expect(sim.copy('ace-a', 'VC_WEB')!.config).toContain('rev 5');
      // Unknown context: 404 -> exit 1 -> final.
      await expect(s.upload({ ...JOB, context: 'NOPE' }, { signal: signal() })).rejects.toMatchObject({
        details: { exitCode: 1, retryable: false },
      });
      // ANM down: curl fails -> exit 75 -> retryable.
      await sim.setBehaviour({ mode: 'fail', count: 1 });
      await expect(s.upload(JOB, { signal: signal() })).rejects.toMatchObject({
        details: { exitCode: 75, retryable: true },
      });
      // Wrong password: refused -> final, and the password never shows.
      const bad = createUploadStrategy(cfg, { env: { ...env, [ANM_PW_ENV]: 'wrong-pw-xyz' }, baseDir: ROOT });
      const err = await bad.upload(JOB, { signal: signal() }).catch((e: unknown) => e);
      expect(err).toMatchObject({ details: { exitCode: 1, retryable: false } });
      expect((err as Error).message).not.toContain('wrong-pw-xyz');
      expect(existsSync(join(ROOT, 'cookies'))).toBe(false);
    });
  });
});
