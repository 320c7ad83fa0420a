/**
 * "Add to sources" against a real configuration file: the service built in process (real
 * UDP syslog on loopback, real fastify, real SQLite), the whole-config reloader, and
 * POST /api/v1/sources / the page form. The token is required; the address must be an IP;
 * an added source is accepted by the running listener right after the reload; a refused
 * reload puts the file back byte for byte; the built-in configuration answers with the
 * snippet to paste. Then, as a real non-root service (`acesync start` run as nobody via
 * setpriv), a file it may not write gets the 409 and the snippet, the file untouched.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app/app.js';
import { configReloader } from '../../src/app/reload.js';
import { sourceRoutes } from '../../src/app/sources.js';
import { loadConfigFile } from '../../src/config/load.js';
import { addSourceToYaml, canonicalAddress } from '../../src/config/add-source.js';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/log.js';
import { DEFAULT_RULES, tempDir } from '../engine/helpers.js';
import { until } from '../helpers/wait.js';
import { CLI, NODE_FLAGS, ROOT } from '../helpers/cli.js';

const TOKEN = 'add-source-token-0123456789abcdef';
const ENV = { ACESYNC_SRC_TOKEN: TOKEN };
const auth = { authorization: `Bearer ${TOKEN}` };

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const CONFIG = `# acesync for the lab pair (kept by hand: these comments must survive an edit)
syslog: { udp: { host: 127.0.0.1, port: 0 }, tcp: { enabled: false } }
snmp: { enabled: false }
http: { host: 127.0.0.1, port: 0, token_env: ACESYNC_SRC_TOKEN }
poller: { enabled: false }
anm: { enabled: false }
store: { path: ./state.db }
rules: ./rules
engine: { watch_rules: false, jobs: { workers: false }, default_settle_ms: 60000 }
devices:
  # the active peer
  - name: ace1
    host: 192.0.2.1
    peer: ace2
    sources: [127.0.0.1]
    contexts:
      - name: VC_WEB   # web farm
  - { name: ace2, host: 192.0.2.2, peer: ace1, contexts: [{ name: VC_WEB }] }
`;

function send(port: number, from: string, line: string): Promise<void> {
  const s = createSocket('udp4');
  return new Promise<void>((resolve, reject) =>
    s.bind(0, from, () =>
      s.send(line, port, '127.0.0.1', (err) => {
        s.close();
        if (err) reject(err);
        else resolve();
      }),
    ),
  );
}

const line = (cmd: string): string =>
  `<189>Mar  1 2026 10:00:00 ace1: %ACE-5-111008: User 'admin' executed the '${cmd}' command.`;

async function service(): Promise<{ a: App; file: string; dir: string; udp: number }> {
  const dir = tempDir('acesync-addsrc-');
  mkdirSync(join(dir, 'rules'));
  for (const f of ['config-change.yaml', 'logging-change.yaml'])
    copyFileSync(join(DEFAULT_RULES, f), join(dir, 'rules', f));
  const file = join(dir, 'acesync.yaml');
  writeFileSync(file, CONFIG);
  const loaded = loadConfigFile(file, ENV);
  const a = buildApp({ loaded, logger: silentLogger, env: ENV });
  const reloader = configReloader(a, loaded, ENV);
  sourceRoutes(a, { reloader, tokenEnv: 'ACESYNC_SRC_TOKEN', env: ENV });
  await a.start();
  app = a;
  const udp = a.listeners.flatMap((l) => l.addresses()).find((x) => x.transport === 'udp')!.port;
  return { a, file, dir, udp };
}

const count = (a: App, source: string, outcome: string): number => {
  for (const l of a.listeners) (l as { flushCounters?: () => void }).flushCounters?.();
  return a.counters.snapshot().find((c) => c.source === source && c.outcome === outcome)?.count ?? 0;
};

describe('POST /api/v1/sources', () => {
  it('needs the token, refuses a bad address or device, and an added source is heard after the reload', async () => {
    const { a, file, udp } = await service();
    const web = a.web!;
    const before = readFileSync(file);
    const post = (body: unknown, headers: Record<string, string> = auth) =>
      web.inject({ method: 'POST', url: '/api/v1/sources', headers, payload: body as Record<string, unknown> });

    // 1. Unknown sender: dropped and counted.
    await send(udp, '127.0.0.7', line('rserver host r1'));
    await until('the datagram to be dropped', () => count(a, '127.0.0.7', 'dropped-unknown-source') === 1);
    expect((await web.inject('/')).body).toContain('data-source="127.0.0.7"');

    // 2. The token is required.
    expect((await post({ address: '127.0.0.7', device: 'ace1' }, {})).statusCode).toBe(401);
    expect((await post({ address: '127.0.0.7', device: 'ace1' }, { authorization: 'Bearer nope' })).statusCode).toBe(
      401,
    );
    // 3. Attacker-chosen text is not an address; the device must exist.
    for (const address of ['127.0.0.7\n- evil', '<b>x</b>', '999.1.1.1', 'fe80::1%eth0', ''])
      expect((await post({ address, device: 'ace1' })).statusCode, address).toBe(400);
    expect((await post({ address: '127.0.0.7', device: 'ace9' })).statusCode).toBe(404);
    expect((await post({ address: '127.0.0.7', device: 'ace1', context: 'VC_NOPE' })).statusCode).toBe(404);
    expect((await post({ address: '127.0.0.1', device: 'ace2' })).statusCode).toBe(409);
    expect(readFileSync(file).equals(before)).toBe(true);

    // 4. Added to ace1/VC_WEB: the file keeps its comments, the reload applies it, the listener hears it.
    const ok = await post({ address: '127.0.0.7', device: 'ace1', context: 'VC_WEB' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ added: true, address: '127.0.0.7', device: 'ace1', context: 'VC_WEB' });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# acesync for the lab pair (kept by hand: these comments must survive an edit)');
    expect(text).toContain('# the active peer');
    expect(text).toContain('# web farm');
    const parsed = parse(text) as { devices: Array<{ name: string; contexts: Array<{ sources?: string[] }> }> };
    expect(parsed.devices[0]!.contexts[0]!.sources).toEqual(['127.0.0.7']);
    expect(a.inventory.lookupSource('127.0.0.7')).toEqual({ device: 'ace1', context: 'VC_WEB' });
    await send(udp, '127.0.0.7', line('rserver host r2'));
    await until('the change from 127.0.0.7 to count', () => a.store.context('ace1', 'VC_WEB')?.sync === 'suspect');
    expect(count(a, '127.0.0.7', 'accepted')).toBe(1);
    expect(count(a, '127.0.0.7', 'dropped-unknown-source')).toBe(1);
    // The panel no longer offers it; adding it again changes nothing.
    expect((await web.inject('/')).body).not.toContain('data-source="127.0.0.7"');
    const again = await post({ address: '127.0.0.7', device: 'ace1', context: 'VC_WEB' });
    expect(again.json()).toMatchObject({ added: false });
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('a refused reload puts the file back byte for byte and the source stays unknown', async () => {
    const { a, file, dir } = await service();
    const before = readFileSync(file);
    // Someone left a broken rule file beside the good ones: every reload is refused now.
    writeFileSync(join(dir, 'rules', 'zz-broken.yaml'), 'rules:\n  - name: broken\n    on: no-such-kind\n');
    const res = await a.web!.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: auth,
      payload: { address: '127.0.0.8', device: 'ace2' },
    });
    expect(res.statusCode).toBe(422);
    const body = res.json() as { code: string; problems: string[]; snippet: string };
    expect(body.code).toBe('ACESYNC_CONFIG_REFUSED');
    expect(body.problems.join('\n')).toContain('zz-broken.yaml');
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(a.inventory.lookupSource('127.0.0.8')).toBeUndefined();
  });

  it('the page form needs the token field, adds the source and comes back to the overview with a notice', async () => {
    const { a, file } = await service();
    const form = (fields: Record<string, string>) =>
      a.web!.inject({
        method: 'POST',
        url: '/sources',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });
    await a.web!.inject('/'); // warm
    expect((await form({ address: '127.0.0.9', device: 'ace2' })).statusCode).toBe(401);
    const res = await form({ address: '127.0.0.9', device: 'ace2', context: '', token: TOKEN });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/?done=source-added&address=127.0.0.9');
    expect(
      (parse(readFileSync(file, 'utf8')) as { devices: Array<{ sources?: string[] }> }).devices[1]!.sources,
    ).toEqual(['127.0.0.9']);
    const page = await a.web!.inject(res.headers.location as string);
    expect(page.body).toContain('Added 127.0.0.9 to the sources of ace2; the configuration was reloaded.');
    // A notice is only built for an address that is now a source: no echo of the query.
    expect((await a.web!.inject('/?done=source-added&address=%3Cb%3E')).body).not.toContain('Added ');
  });

  it('the built-in configuration answers 409 with the snippet to paste', async () => {
    const dir = tempDir('acesync-addsrc-builtin-');
    const config = configSchema.parse({
      store: { path: join(dir, 'state.db') },
      syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { enabled: false } },
      snmp: { enabled: false },
      http: { host: '127.0.0.1', port: 0, token_env: 'ACESYNC_SRC_TOKEN' },
      poller: { enabled: false },
      anm: { enabled: false },
      engine: { watch_rules: false, jobs: { workers: false } },
      devices: [{ name: 'ace1', host: '192.0.2.1', contexts: [{ name: 'VC_WEB' }] }],
    });
    app = buildApp({ loaded: { config, baseDir: dir }, logger: silentLogger, env: ENV });
    sourceRoutes(app, { reloader: undefined, tokenEnv: 'ACESYNC_SRC_TOKEN', env: ENV });
    await app.web!.ready();
    const res = await app.web!.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: auth,
      payload: { address: '10.1.2.3', device: 'ace1', context: 'VC_WEB' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'ACESYNC_CONFIG_READONLY',
      snippet:
        'devices:\n  - name: ace1\n    contexts:\n      - name: VC_WEB\n        sources: [10.1.2.3]   # add to the existing list if there is one\n',
    });
  });
});

describe('addSourceToYaml / canonicalAddress (pure)', () => {
  it('appends to an existing list, keeps flow style and comments, refuses unknown targets', () => {
    const r = addSourceToYaml(CONFIG, '127.0.0.5', { device: 'ace1' });
    expect(r).toMatchObject({ ok: true, changed: true });
    const text = (r as { text: string }).text;
    expect(text).toContain('sources: [127.0.0.1, 127.0.0.5]');
    // Every other byte as written.
    expect(text.replace('sources: [127.0.0.1, 127.0.0.5]', 'sources: [127.0.0.1]')).toBe(CONFIG);
    // A new sources: line under the context's name (block map), and in a flow map.
    const ctx = addSourceToYaml(CONFIG, '127.0.0.4', { device: 'ace1', context: 'VC_WEB' }) as { text: string };
    expect(ctx.text).toBe(
      CONFIG.replace('VC_WEB   # web farm\n', 'VC_WEB   # web farm\n        sources: [127.0.0.4]\n'),
    );
    const block = 'devices:\n  - name: a\n    host: h\n    sources:\n      - 10.0.0.1 # first\n    contexts: []\n';
    expect((addSourceToYaml(block, '10.0.0.2', { device: 'a' }) as { text: string }).text).toBe(
      block.replace('# first\n', '# first\n      - 10.0.0.2\n'),
    );
    const flow = addSourceToYaml(CONFIG, '127.0.0.6', { device: 'ace2', context: 'VC_WEB' });
    expect((flow as { text: string }).text).toBe(
      CONFIG.replace('contexts: [{ name: VC_WEB }] }', 'contexts: [{ name: VC_WEB, sources: [127.0.0.6] }] }'),
    );
    expect(addSourceToYaml(CONFIG, '127.0.0.1', { device: 'ace1' })).toMatchObject({ ok: true, changed: false });
    expect(addSourceToYaml(CONFIG, '127.0.0.5', { device: 'ace3' })).toMatchObject({ ok: false, reason: 'not-found' });
    // A new key right under name: (not at the end of a map with nested lists); IPv6 in a flow list.
    expect(
      (addSourceToYaml('devices:\n  - name: a\n    host: h\n', '::1', { device: 'a' }) as { text: string }).text,
    ).toBe('devices:\n  - name: a\n    sources: [::1]\n    host: h\n');
    expect(canonicalAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalAddress(' 2001:db8::1 ')).toBe('2001:db8::1');
    expect(canonicalAddress('10.0.0.1/24')).toBeUndefined();
  });
});

const isRoot = process.getuid?.() === 0;
const setpriv = spawnSync('setpriv', ['--version']).status === 0;

describe('a configuration file the service may not write', () => {
  // As root (DAC does not bind root) the service runs as nobody through setpriv (util-linux).
  it.skipIf(isRoot && !setpriv && process.env.CI !== 'true')(
    'acesync start as a user who may not write it: 409 with the snippet, the file untouched',
    { timeout: 30_000 },
    async () => {
      expect(!isRoot || setpriv, 'setpriv (util-linux) is needed to run the service as nobody').toBe(true);
      const dir = tempDir('acesync-addsrc-ro-');
      const state = join(dir, 'state');
      mkdirSync(state);
      chmodSync(state, 0o777);
      const file = join(dir, 'acesync.yaml');
      writeFileSync(
        file,
        CONFIG.replace('store: { path: ./state.db }', 'store: { path: ./state/state.db }').replace(
          'rules: ./rules\n',
          '',
        ),
      );
      chmodSync(file, 0o444);
      chmodSync(dir, 0o555);
      const before = readFileSync(file);
      const { spawn } = await import('node:child_process');
      const argv = [process.execPath, ...NODE_FLAGS, CLI, 'start', '--config', file];
      const child = spawn(
        isRoot ? 'setpriv' : argv[0]!,
        isRoot ? ['--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv.slice(1),
        { cwd: ROOT, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      try {
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
        const port = await until('acesync to start', () => {
          for (const l of err.split('\n'))
            if (l.includes('"acesync started"')) {
              const j = JSON.parse(l) as { listeners: Array<{ transport: string; port: number }> };
              return j.listeners.find((x) => x.transport === 'http')?.port;
            }
          return undefined;
        });
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/sources`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ address: '127.0.0.7', device: 'ace1' }),
        });
        expect(res.status).toBe(409);
        const body = (await res.json()) as { code: string; message: string; snippet: string };
        expect(body.code).toBe('ACESYNC_CONFIG_READONLY');
        expect(body.message).toContain('may not write its configuration file');
        expect(body.snippet).toBe(
          'devices:\n  - name: ace1\n    sources: [127.0.0.7]   # add to the existing list if there is one\n',
        );
        expect(readFileSync(file).equals(before)).toBe(true);
      } finally {
        child.kill('SIGKILL');
        chmodSync(dir, 0o755);
      }
    },
  );
});
