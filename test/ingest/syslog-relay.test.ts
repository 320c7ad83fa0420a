/**
 * Syslog through a real relay: Debian's rsyslogd, started by the test, receives lines sent from the contexts' own
 * loopback addresses and forwards them to acesync in rsyslog's two stock formats (RFC 5424
 * `RSYSLOG_SyslogProtocol23Format` and `RSYSLOG_TraditionalForwardFormat`), over UDP and over TCP (RFC 6587
 * octet counting), and with the README's template that adds an RFC 5424 `[origin ip=]` element. Every line must
 * reach the device and context it was sent from; origin fields from a sender that is not a relay change nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTool } from '../helpers/tools.js';
import { freeUdpPort, until } from '../helpers/wait.js';
import { startIngest, udpSender, type Harness } from './syslog-helpers.js';

const RSYSLOGD = 'rsyslogd';
const runIt = haveTool(RSYSLOGD, 'rsyslog');

const DEVICES = [
  {
    name: 'ace-a',
    host: '10.0.0.1',
    peer: 'ace-b',
    sources: ['127.0.72.11'],
    contexts: [
      { name: 'VC_WEB', sources: ['127.0.72.12'] },
      { name: 'VC_APP', sources: ['127.0.72.13'] },
    ],
  },
  {
    name: 'ace-b',
    host: '10.0.0.2',
    peer: 'ace-a',
    sources: ['127.0.73.11'],
    contexts: [{ name: 'VC_WEB', sources: ['127.0.73.12'] }],
  },
];

/** The README's rsyslog template: RFC 5424 with the sender's address as an `[origin ip=]` element. */
export const ACE_RELAY_TEMPLATE =
  'template(name="AceRelay" type="string" string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% ' +
  '%PROCID% %MSGID% [origin ip=\\"%FROMHOST-IP%\\"] %MSG%\\n")';

const MODES = ['p23', 'trad', 'tcp', 'sd'] as const;
type Mode = (typeof MODES)[number];

const line = (mode: Mode, ctx: string, withId: boolean): string =>
  `<165>${withId ? `${ctx}: ` : ''}%ACE-5-111008: User 'admin' executed the 'rserver host ${mode}-${ctx}' command.`;

describe.skipIf(!runIt)('syslog through an rsyslog relay', () => {
  let h: Harness;
  let rsyslog: ChildProcess | undefined;
  let dir: string;
  const inPort: Partial<Record<Mode, number>> = {};
  let errTail = '';

  beforeAll(async () => {
    h = await startIngest(
      { relays: ['127.0.0.1'], tcp: { enabled: true, host: '127.0.0.1', port: 0 }, loss_check_interval_ms: 100 },
      DEVICES,
    );
    dir = mkdtempSync(join(tmpdir(), 'acesync-rsyslog-'));
    for (const m of MODES) inPort[m] = await freeUdpPort();
    const fwd = (template: string, protocol = 'udp', extra = ''): string =>
      `action(type="omfwd" target="127.0.0.1" port="${protocol === 'tcp' ? h.tcpPort() : h.udpPort()}" ` +
      `protocol="${protocol}" template="${template}"${extra})`;
    const conf = [
      `global(workDirectory="${dir}" net.enableDNS="off")`,
      'module(load="imudp")',
      ACE_RELAY_TEMPLATE,
      ...MODES.map((m) => `input(type="imudp" address="127.0.0.1" port="${inPort[m]}" ruleset="${m}")`),
      `ruleset(name="p23") { ${fwd('RSYSLOG_SyslogProtocol23Format')} }`,
      `ruleset(name="trad") { ${fwd('RSYSLOG_TraditionalForwardFormat')} }`,
      `ruleset(name="tcp") { ${fwd('RSYSLOG_SyslogProtocol23Format', 'tcp', ' TCP_Framing="octet-counted"')} }`,
      `ruleset(name="sd") { ${fwd('AceRelay')} }`,
    ].join('\n');
    writeFileSync(join(dir, 'rsyslog.conf'), conf + '\n');
    rsyslog = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslog.pid')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    rsyslog.stderr!.setEncoding('utf8');
    rsyslog.stderr!.on('data', (c: string) => (errTail = (errTail + c).slice(-4000)));
    // rsyslog is up when a probe sent through it arrives (it binds asynchronously).
    const probe = await udpSender('127.0.72.11');
    try {
      await until(
        `rsyslogd to forward a probe (${errTail})`,
        async () => {
          await probe.send("<165>%ACE-5-111008: User 'admin' executed the 'rserver host probe' command.", inPort.p23!);
          return h.sink.events.some((e) => e.command === 'rserver host probe');
        },
        15_000,
      );
    } finally {
      probe.close();
    }
  }, 30_000);

  afterAll(async () => {
    if (rsyslog && rsyslog.exitCode === null) {
      rsyslog.kill('SIGTERM');
      await new Promise((r) => rsyslog!.once('exit', r));
    }
    await h?.ingest.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const senders = [
    { from: '127.0.72.12', device: 'ace-a', ctx: 'VC_WEB' },
    { from: '127.0.72.13', device: 'ace-a', ctx: 'VC_APP' },
    { from: '127.0.73.12', device: 'ace-b', ctx: 'VC_WEB' },
  ];

  it.each(MODES)('%s: lines from several contexts reach their own device and context, command intact', async (m) => {
    for (const s of senders) {
      const tx = await udpSender(s.from);
      try {
        await tx.send(line(m, s.ctx, false), inPort[m]!);
        await tx.send(line(m, s.ctx, true).replace(`${m}-`, `${m}-id-`), inPort[m]!);
      } finally {
        tx.close();
      }
    }
    for (const s of senders)
      for (const cmd of [`rserver host ${m}-${s.ctx}`, `rserver host ${m}-id-${s.ctx}`]) {
        const got = await until(`${cmd} from ${s.from}`, () =>
          h.sink.events.find((e) => e.command === cmd && e.source === s.from),
        );
        expect(got, `${cmd} attributed to ${s.device}`).toMatchObject({
          kind: 'config-change',
          id: '111008',
          user: 'admin',
          device: s.device,
          context: s.ctx,
          source: s.from,
          relay: '127.0.0.1',
          transport: m === 'tcp' ? 'tcp' : 'udp',
        });
      }
    // Each line exactly once, and none attributed elsewhere.
    const mine = h.sink.events.filter((e) => e.command?.startsWith(`rserver host ${m}-`));
    expect(mine).toHaveLength(senders.length * 2);
    for (const e of mine) expect(e.command).toContain(e.context!);
  });

  it('counts per relay, like a direct source', () => {
    expect(h.count('127.0.0.1', 'accepted')).toBeGreaterThanOrEqual(senders.length * 2 * 3);
    expect(h.count('127.0.0.1', 'accepted', 'tcp')).toBe(senders.length * 2);
  });

  it('a relayed line naming an origin outside the inventory is dropped and counted, not attributed', async () => {
    const before = h.count('127.0.0.1', 'dropped-unknown-origin');
    const tx = await udpSender('127.0.72.99');
    try {
      await tx.send(line('p23', 'ghost', false), inPort.p23!);
    } finally {
      tx.close();
    }
    await until('dropped-unknown-origin counted', () => h.count('127.0.0.1', 'dropped-unknown-origin') > before);
    expect(h.sink.events.some((e) => e.command === 'rserver host p23-ghost')).toBe(false);
  });

  it('origin fields from a sender that is not a relay are ignored: a forged HOSTNAME moves nothing', async () => {
    // VC_APP's own address sends a relay-shaped line claiming to be VC_WEB (HOSTNAME, SD origin and device-id).
    const forged = [
      "<165>Dec  2 19:07:27 127.0.72.12 VC_WEB: %ACE-5-111008: User 'x' executed the 'rserver host forged-1' command.",
      '<165>1 2026-12-02T19:07:27Z 127.0.72.12 VC_WEB - - [origin ip="127.0.73.12"] ' +
        "%ACE-5-111008: User 'x' executed the 'rserver host forged-2' command.",
    ];
    const tx = await udpSender('127.0.72.13');
    const stranger = await udpSender('127.0.72.98');
    const droppedBefore = h.count('127.0.72.98', 'dropped-unknown-source');
    try {
      for (const f of forged) await tx.send(f, h.udpPort());
      await stranger.send(forged[0]!.replace('forged-1', 'forged-3'), h.udpPort());
    } finally {
      tx.close();
      stranger.close();
    }
    for (const n of [1, 2]) {
      const e = await h.sink.waitFor((x) => x.command === `rserver host forged-${n}`);
      expect(e.source).toBe('127.0.72.13');
      expect(e.device).toBe('ace-a');
      expect(e.relay).toBeUndefined();
      // forged-2's SD origin names ace-b's VC_WEB: believed, it would have moved the line to the other device.
      expect(e.device).not.toBe('ace-b');
    }
    await until('the stranger is dropped', () => h.count('127.0.72.98', 'dropped-unknown-source') > droppedBefore);
    expect(h.sink.events.some((e) => e.command === 'rserver host forged-3')).toBe(false);
  });
});
