/** What a configuration reload changes in the SSH session pool: sessions recycled, the size changed. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import type { AceSession } from '../../src/devices/ace-session.js';
import { Semaphore } from '../../src/devices/limits.js';
import { SessionPool } from '../../src/devices/session-pool.js';

function pool(maxSessions = 2) {
  const sessions: Array<{ device: string; closed: boolean }> = [];
  const p = new SessionPool({
    maxSessions,
    idleCloseMs: 60_000,
    connectAttempts: 1,
    backoffBaseMs: 10,
    backoffMaxMs: 10,
    logger: silentLogger,
    open: async (device) => {
      const s = {
        device,
        closed: false,
        close: async () => {
          s.closed = true;
        },
      };
      sessions.push(s);
      return s as unknown as AceSession;
    },
  });
  return { p, sessions };
}

describe('SessionPool reload', () => {
  it('recycle closes an idle session at once and a busy one after its job; the next job opens a new one', async () => {
    const { p, sessions } = pool();
    await p.withSession('ace-a', undefined, async () => undefined);
    expect(sessions.map((s) => s.closed)).toEqual([false]);
    p.recycle('ace-a');
    expect(sessions.map((s) => s.closed)).toEqual([true]);

    await p.withDevice('ace-a', undefined, async (lease) => {
      await lease.session();
      p.recycle('ace-a');
      // Never under the job using it.
      expect(sessions[1]!.closed).toBe(false);
    });
    expect(sessions[1]!.closed).toBe(true);
    await p.withSession('ace-a', undefined, async () => undefined);
    expect(sessions).toHaveLength(3);
    expect(sessions[2]!.closed).toBe(false);
    // A later job reuses the new session (the recycle mark is spent).
    await p.withSession('ace-a', undefined, async () => undefined);
    expect(sessions).toHaveLength(3);
    await p.close();
  });

  it('a raised max_sessions lets a waiting device in', async () => {
    const { p, sessions } = pool(1);
    let releaseA: (() => void) | undefined;
    const a = p.withSession('ace-a', undefined, () => new Promise<void>((r) => (releaseA = r)));
    await new Promise((r) => setTimeout(r, 20));
    let bOpened = false;
    const b = p.withSession('ace-b', undefined, async () => {
      bOpened = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(bOpened).toBe(false);
    p.reconfigure({ maxSessions: 2, idleCloseMs: 60_000, connectAttempts: 1, backoffBaseMs: 10, backoffMaxMs: 10 });
    await b;
    expect(bOpened).toBe(true);
    expect(sessions.map((s) => s.device)).toEqual(['ace-a', 'ace-b']);
    releaseA!();
    await a;
    await p.close();
  });
});

describe('Semaphore.resize', () => {
  it('a cut takes effect as holders release', async () => {
    const s = new Semaphore(2);
    expect(s.tryAcquire() && s.tryAcquire()).toBe(true);
    s.resize(1);
    let third = false;
    const waiting = s.acquire().then(() => {
      third = true;
    });
    s.release(); // 2 in use, limit 1: the slot is not handed on
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    expect(s.used).toBe(1);
    s.release();
    await waiting;
    expect(third).toBe(true);
    expect(s.used).toBe(1);
  });
});
