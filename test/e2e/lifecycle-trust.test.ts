/**
 * The trust model under attack (issue 12, item 1), end to end: the simulated ACE pair and
 * ANM (src/demo/lab.ts), acesync in process on a real SQLite file with the real rules, and
 * an attacker who can send UDP from one user context's source address (a real socket
 * bound to that 127.0.x.y address). Waits are on counters that move once per message, so
 * no timing decides an outcome.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabApp, type LabApp } from '../reliability/lab-app.js';
import { TempDirs, until } from '../reliability/helpers.js';
import { demoSourceAddress } from '../../src/demo/spec.js';

const dirs = new TempDirs();
let h: LabApp;
let port: number;

// ace-a: Admin logs from 127.0.50.1, VC_WEB from 127.0.50.2, VC_APP from 127.0.50.3.
const ADMIN_A = demoSourceAddress(0, 0);
const VC_WEB_A = demoSourceAddress(0, 1);

/** Send lines from `source` (the socket is bound to it), paced so loopback drops nothing. */
async function sendFrom(source: string, lines: string[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: source, port: 0 }, () => resolve());
  });
  try {
    for (let i = 0; i < lines.length; i++) {
      await new Promise<void>((resolve, reject) =>
        sock.send(lines[i]!, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    sock.close();
  }
}

const refused = (reason: 'not-admin' | 'unknown-source'): number => h.app.processor.guard.stats.refused[reason];
const lastEventId = (): number =>
  (h.app.store.db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM events').get() as { m: number }).m;
/** Events stored from `source` after event id `since` (whatever kind the code made of them). */
const eventsFrom = (source: string, since: number): number =>
  (
    h.app.store.db
      .prepare("SELECT COUNT(*) AS n FROM events WHERE id > ? AND json_extract(body, '$.source') = ?")
      .get(since, source) as { n: number }
  ).n;
const countEvents = (kind: string): number =>
  (h.app.store.db.prepare('SELECT COUNT(*) AS n FROM events WHERE kind = ?').get(kind) as { n: number }).n;

beforeAll(async () => {
  h = await startLabApp(dirs);
  port = h.app.listeners.flatMap((l) => l.addresses()).find((a) => a.transport === 'udp')!.port;
}, 60_000);
afterAll(async () => {
  await h?.stop();
  dirs.removeAll();
});

describe('context lifecycle counts only from Admin', () => {
  it('300 spoofed `context PH_n` from a user context create nothing, queue no audit, and are counted as suspicious', async () => {
    const jobMark = h.lastJobId();
    const eventMark = lastEventId();
    // Half of them also claim to be Admin in the device-id token: the source decides.
    const lines = Array.from({ length: 300 }, (_, i) =>
      i % 2 === 0
        ? `<189>%ACE-5-111008: User 'x' executed the 'context PH_${i}' command.`
        : `<189>Admin: %ACE-5-111008: User 'x' executed the 'context PH_${i}' command.`,
    );
    await sendFrom(VC_WEB_A, lines);
    await until('the 300 spoofed lines stored', () => eventsFrom(VC_WEB_A, eventMark) >= 300, 20_000);
    // Let a settle window (200 ms in the lab) pass, so any audit they asked for would be queued.
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.app.store.contexts().filter((c) => c.context.startsWith('PH_'))).toEqual([]);
    const newJobs = h.app.jobs.list({ limit: 5000 }).filter((j) => j.id > jobMark);
    // The scheduler's periodic audits ('scheduled ...') may fall in the window; none may come from the spoof.
    const scheduledOnly = (j: (typeof newJobs)[number]): boolean => {
      const reasons = (j.payload as { reasons?: unknown }).reasons;
      return Array.isArray(reasons) && reasons.length > 0 && reasons.every((r) => String(r).startsWith('scheduled'));
    };
    expect(newJobs.filter((j) => j.type === 'audit' && !scheduledOnly(j))).toEqual([]);
    expect(refused('not-admin')).toBe(300);
    expect(countEvents('suspicious-source')).toBeGreaterThanOrEqual(300);
    // The device-id claims were recorded as mismatches, the attribution kept to VC_WEB.
    expect(h.app.processor.guard.stats.attributionMismatches).toBeGreaterThanOrEqual(150);
    const row = h.app.store.db
      .prepare("SELECT body FROM events WHERE kind = 'suspicious-source' ORDER BY id DESC LIMIT 1")
      .get() as { body: string };
    const ev = JSON.parse(row.body) as Record<string, unknown>;
    expect(ev).toMatchObject({ context: 'VC_WEB', source: VC_WEB_A, claimedOrigin: 'Admin' });
    expect(ev.data).toMatchObject({ reason: 'not-admin', change: 'added', target: 'PH_299', sourceContext: 'VC_WEB' });
  });

  it("a spoofed `no context VC_APP` from VC_WEB's source marks nothing removed", async () => {
    const eventMark = lastEventId();
    await sendFrom(VC_WEB_A, [
      "<189>%ACE-5-111008: User 'x' executed the 'no context VC_APP' command.",
      '<189>%ACE-5-504002: Security context VC_APP was removed from the system',
    ]);
    await until('both stored', () => eventsFrom(VC_WEB_A, eventMark) >= 2, 10_000);
    expect(h.syncOf('ace-a', 'VC_APP')).not.toBe('removed');
    expect(h.syncOf('ace-b', 'VC_APP')).not.toBe('removed');
  });

  it('a real `context VC_REALNEW` from Admin after the flood is created, confirmed and uploaded on both peers', async () => {
    h.lab.ace.configure('ace-a', 'Admin', ['context VC_REALNEW', '  allocate-interface vlan 320']);
    await until(
      'VC_REALNEW in-sync on both peers and held by ANM',
      () => ['ace-a', 'ace-b'].every((d) => h.syncOf(d, 'VC_REALNEW') === 'in-sync' && h.anmHolds(d, 'VC_REALNEW')),
      40_000,
    );
  }, 60_000);

  it('a phantom learnt from a (spoofed) Admin line goes removed once show context does not list it', async () => {
    await sendFrom(ADMIN_A, ["<189>%ACE-5-111008: User 'x' executed the 'context PH_ADMIN' command."]);
    await until('PH_ADMIN learnt', () => h.syncOf('ace-a', 'PH_ADMIN') !== undefined, 10_000);
    // Until a listing confirms it, nothing uploads it.
    expect(['unconfirmed', 'removed']).toContain(h.syncOf('ace-a', 'PH_ADMIN'));
    await until(
      'PH_ADMIN removed on both peers',
      () => h.syncOf('ace-a', 'PH_ADMIN') === 'removed' && h.syncOf('ace-b', 'PH_ADMIN') === 'removed',
      30_000,
    );
    expect(h.uploads('ace-a', 'PH_ADMIN')).toBe(0);
    // No audit of it failed (and none is retried): an absent learnt context is not an audit error.
    const failed = h.app.jobs.list({ limit: 5000 }).filter((j) => j.context === 'PH_ADMIN' && j.state === 'failed');
    expect(failed).toEqual([]);
  }, 60_000);
});
