/**
 * SSH failures carry a typed kind (src/devices/ssh-error.ts) and the session pool's retry policy reads it: against
 * the ssh2 ACE simulator, refused credentials are tried once, a device that does not answer is tried
 * `connectAttempts` times, an abort stops at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AceSimulator } from '../../src/sim/ace/simulator.js';
import { openAceSession, AceCommandError, type AceSession } from '../../src/devices/ace-session.js';
import { ConnectFailure, SessionPool } from '../../src/devices/session-pool.js';
import { SSH_FAILURES, SshError, sshFailureKind } from '../../src/devices/ssh-error.js';
import { AcesyncError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { PASSWORD } from './fixture.js';

let sim: AceSimulator;

beforeAll(async () => {
  sim = await AceSimulator.start({
    devices: [
      { name: 'up', users: [{ username: 'admin', password: PASSWORD }], contexts: [{ name: 'C1' }] },
      { name: 'down', users: [{ username: 'admin', password: PASSWORD }] },
    ],
  });
  await sim.failDevice('down');
});
afterAll(async () => {
  await sim?.stop();
});

function pool(password: string, attempts: string[]): SessionPool {
  return new SessionPool({
    maxSessions: 2,
    idleCloseMs: 0,
    connectAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 20,
    logger: silentLogger,
    open: (device, signal): Promise<AceSession> => {
      attempts.push(device);
      return openAceSession({
        ...sim.endpoint(device),
        username: 'admin',
        password,
        connectTimeoutMs: 2000,
        ...(signal ? { signal } : {}),
      });
    },
  });
}

describe('SSH failure kinds', () => {
  it('a refused password is kind auth, an SshError and an AcesyncError with code ACESYNC_SSH', async () => {
    const err = await openAceSession({ ...sim.endpoint('up'), username: 'admin', password: 'wrong' }).catch((e) => e);
    expect(err).toBeInstanceOf(SshError);
    expect(err).toBeInstanceOf(AcesyncError);
    expect(err).toMatchObject({ code: 'ACESYNC_SSH', kind: 'auth', details: { kind: 'auth' } });
    expect(sshFailureKind(err)).toBe('auth');
  });

  it('a command the device rejects is kind rejected and still an AceCommandError', async () => {
    const s = await openAceSession({ ...sim.endpoint('up'), username: 'admin', password: PASSWORD });
    try {
      const err = await s.run('frobnicate now').catch((e) => e);
      expect(err).toBeInstanceOf(AceCommandError);
      expect(sshFailureKind(err)).toBe('rejected');
      const bad = await s.changeto('no such context!').catch((e) => e);
      expect(sshFailureKind(bad)).toBe('bad-context');
    } finally {
      await s.close();
    }
  });

  it('the pool tries refused credentials once and a silent device connectAttempts times', async () => {
    const tried: string[] = [];
    const p = pool('wrong', tried);
    try {
      const auth = await p.withSession('up', undefined, async () => 'never').catch((e) => e);
      expect(auth).toBeInstanceOf(ConnectFailure);
      expect(sshFailureKind(auth)).toBe('auth');
      expect(tried).toEqual(['up']);
      const down = await p.withSession('down', undefined, async () => 'never').catch((e) => e);
      expect(down).toBeInstanceOf(ConnectFailure);
      expect(SSH_FAILURES[sshFailureKind(down)!].retryable).toBe(true);
      expect(tried).toEqual(['up', 'down', 'down', 'down']);
    } finally {
      await p.close();
    }
  });

  it('an aborted open is kind aborted and not retried', async () => {
    const tried: string[] = [];
    const p = pool(PASSWORD, tried);
    const ctl = new AbortController();
    ctl.abort();
    try {
      const err = await p.withSession('up', ctl.signal, async () => 'never').catch((e) => e);
      expect(sshFailureKind(err)).toBe('aborted');
      expect(tried.length).toBeLessThanOrEqual(1);
    } finally {
      await p.close();
    }
  });
});
