/**
 * The trust model for context lifecycle traps (issue 12, item 1): real SNMPv2c
 * cmVirtContextAdded/Removed from Debian's snmptrap (`--clientaddr` picks the source),
 * into acesync in process (buildApp, real rules, a real SQLite file). A trap from a user
 * context's address claiming Admin in clogOriginID changes nothing; the same from Admin's
 * address makes the context `unconfirmed`. Without snmptrap: fails when CI=true, else skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/log.js';
import { snmpTool } from '../ingest/snmp-tools.js';
import { RULES, TempDirs, until } from '../reliability/helpers.js';

const HAVE_TOOL = existsSync('/usr/bin/snmptrap');
if (!HAVE_TOOL && process.env.CI === 'true') throw new Error('snmptrap (Debian package snmp) is required in CI');

const ADMIN = '127.0.0.61';
const VC_WEB = '127.0.0.62';
const CMV = '1.3.6.1.4.1.9.9.472';
const CLOG = '1.3.6.1.4.1.9.9.41.1.1';
const dirs = new TempDirs();
let app: App;
let target: string;

beforeAll(async () => {
  if (!HAVE_TOOL) return;
  const dir = dirs.make('acesync-trap-trust-');
  const config = configSchema.parse({
    rules: RULES,
    store: { path: join(dir, 'acesync.db') },
    http: { enabled: false },
    anm: { enabled: false },
    syslog: { udp: { enabled: false, port: 0 }, tcp: { enabled: false, port: 0 } },
    snmp: { host: '127.0.0.1', port: 0, communities: ['acePublic'] },
    engine: { watch_rules: false, jobs: { workers: false } },
    devices: [
      {
        name: 'ace-a',
        host: '10.0.0.1',
        contexts: [
          { name: 'Admin', sources: [ADMIN] },
          { name: 'VC_WEB', sources: [VC_WEB] },
          { name: 'VC_APP', sources: ['127.0.0.63'] },
        ],
      },
    ],
  });
  app = buildApp({ loaded: { config, baseDir: dir }, logger: silentLogger });
  await app.start();
  const a = app.listeners.flatMap((l) => l.addresses()).find((x) => x.transport === 'snmp')!;
  target = `127.0.0.1:${a.port}`;
});
afterAll(async () => {
  await app?.stop();
  dirs.removeAll();
});

const stored = (kind: string): Array<Record<string, unknown>> =>
  (app.store.db.prepare('SELECT body FROM events WHERE kind = ? ORDER BY id').all(kind) as Array<{ body: string }>).map(
    (r) => JSON.parse(r.body) as Record<string, unknown>,
  );

/** cmVirtContextAdded/Removed v2c from `from`, with clogOriginID = contextName `origin`. */
function trap(from: string, which: 1 | 2, context: string, origin: string) {
  return snmpTool('snmptrap', [
    `--clientaddr=${from}`,
    '-v',
    '2c',
    '-c',
    'acePublic',
    target,
    '',
    `${CMV}.0.${which}`,
    `${CMV}.1.3.1`,
    's',
    context,
    `${CLOG}.6.0`,
    'i',
    '5',
    `${CLOG}.7.0`,
    's',
    origin,
  ]);
}

describe.skipIf(!HAVE_TOOL)('context lifecycle traps count only from Admin', () => {
  it("cmVirtContextAdded/Removed from VC_WEB's address claiming Admin change nothing and are suspicious", async () => {
    expect((await trap(VC_WEB, 1, 'PH_TRAP', 'Admin')).code).toBe(0);
    expect((await trap(VC_WEB, 2, 'VC_APP', 'Admin')).code).toBe(0);
    await until('both traps stored', () => stored('suspicious-source').length >= 2, 10_000);
    expect(app.store.context('ace-a', 'PH_TRAP')).toBeUndefined();
    expect(app.store.context('ace-a', 'VC_APP')?.sync).not.toBe('removed');
    expect(stored('suspicious-source')[0]).toMatchObject({
      transport: 'snmp',
      source: VC_WEB,
      context: 'VC_WEB',
      claimedOrigin: 'Admin',
      data: { reason: 'not-admin', change: 'added', target: 'PH_TRAP' },
    });
    expect(stored('context-lifecycle')).toEqual([]);
  });

  it("the same trap from Admin's address makes the context unconfirmed", async () => {
    expect((await trap(ADMIN, 1, 'VC_TRAPNEW', 'Admin')).code).toBe(0);
    await until('VC_TRAPNEW learnt', () => app.store.context('ace-a', 'VC_TRAPNEW') !== undefined, 10_000);
    expect(app.store.context('ace-a', 'VC_TRAPNEW')?.sync).toBe('unconfirmed');
  });
});
