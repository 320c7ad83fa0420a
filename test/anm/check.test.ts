/**
 * `acesync anm check` against the ANM simulator (real HTTP/HTTPS) and the ACE simulator
 * (real SSH for the re-audit), through the built CLI: a check that passes, and each failure
 * naming its step and what to change (bad TLS, bad password, unknown context, sync refused,
 * an ANM that answers HTML), plus usage errors (exit 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AceSimulator } from '../../src/sim/ace/simulator.js';
import { simAnmConfigSchema } from '../../src/sim/anm/config.js';
import { startAnmSimulator, type AnmSimulator } from '../../src/sim/anm/server.js';
import { runCli } from '../helpers/cli.js';
import { PASSWORD, pairSpec } from '../devices/fixture.js';
import { ANM_PASSWORD, ANM_USER, fakeFetcher } from './fixture.js';

const ENV = { SIM_PW: PASSWORD, CHECK_ANM_PW: ANM_PASSWORD, WRONG_ANM_PW: 'not-it' };
let ace: AceSimulator;
let plain: AnmSimulator;
let secure: AnmSimulator;
let htmlServer: http.Server;
let htmlUrl: string;
let dir: string;
const fetcher = fakeFetcher();

function anmSim(tlsOn: boolean): Promise<AnmSimulator> {
  return startAnmSimulator({
    config: simAnmConfigSchema.parse({
      users: [{ username: ANM_USER, password: ANM_PASSWORD }],
      tls: { enabled: tlsOn },
      devices: [
        { name: 'ace-a', address: '127.0.0.1', contexts: ['Admin', 'C1', 'C2'], ssh: { password: 'x' } },
        { name: 'ace-b', address: '127.0.0.2', contexts: ['Admin', 'C1', 'C2'], ssh: { password: 'x' } },
      ],
    }),
    fetchRunningConfig: fetcher,
  });
}

/** A config file for the pair and one ANM; `anm` overrides keys of the anm: section. */
function configFile(name: string, anm: Record<string, unknown>, extraContext?: string): string {
  const devices = ace.endpoints().map((e) => ({
    name: e.device,
    host: e.host,
    peer: e.device === 'ace-a' ? 'ace-b' : 'ace-a',
    contexts: [
      { name: 'C1' },
      { name: 'C2' },
      ...(extraContext && e.device === 'ace-a' ? [{ name: extraContext }] : []),
    ],
    ssh: { port: e.port, password_env: 'SIM_PW', host_key_sha256: e.hostKeySha256, connect_timeout_ms: 3000 },
  }));
  const file = join(dir, name);
  // JSON is YAML: the real loader reads it.
  writeFileSync(
    file,
    JSON.stringify({
      store: { path: join(dir, 'unused.db') },
      devices,
      anm: {
        enabled: true,
        username: ANM_USER,
        password_env: 'CHECK_ANM_PW',
        timeout_ms: 3000,
        strategy: { type: 'http' },
        ...anm,
      },
    }),
  );
  return file;
}

beforeAll(async () => {
  const spec = pairSpec(9);
  (spec.devices[1]!.ssh as Record<string, unknown>).host = '127.0.0.2';
  ace = await AceSimulator.start(spec);
  plain = await anmSim(false);
  secure = await anmSim(true);
  htmlServer = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to the portal</body></html>'),
  );
  await new Promise<void>((r) => htmlServer.listen(0, '127.0.0.1', () => r()));
  htmlUrl = `http://127.0.0.1:${(htmlServer.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'acesync-anm-check-'));
  writeFileSync(join(dir, 'anm-ca.pem'), secure.caPem!);
});
afterAll(async () => {
  await ace?.stop();
  await plain?.close();
  await secure?.close();
  await new Promise<void>((r) => htmlServer?.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const check = (file: string, ...args: string[]) => runCli(['anm', 'check', '--config', file, ...args], { env: ENV });

describe('acesync anm check', () => {
  it('passes over verified TLS: login, inventory, contexts, one real upload and the re-audit', async () => {
    const file = configFile('ok.yaml', { url: secure.url, ca_file: join(dir, 'anm-ca.pem') });
    const r = await check(file, '--context', 'ace-a/C1', '--sync');
    expect(r.stdout).toMatch(/^ok {3}TLS {17}certificate verified against anm\.ca_file/m);
    expect(r.stdout).toMatch(/^ok {3}SOAP login/m);
    expect(r.stdout).toMatch(/^ok {3}ANM inventory .*6 context\(s\)/m);
    expect(r.stdout).toMatch(/^ok {3}contexts ANM knows .*all 6 configured/m);
    expect(r.stdout).toMatch(/^ok {3}sync .*http upload of ace-a\/C1/m);
    expect(r.stdout).toMatch(/^ok {3}re-audit .*ace-a\/C1 read over SSH: sha256 [0-9a-f]{16}/m);
    expect(r.stdout).toContain('anm check: passed');
    expect(r.code).toBe(0);
    expect(secure.copy('ace-a', 'C1')).toBeDefined();
    expect(r.stdout + r.stderr).not.toContain(ANM_PASSWORD);
  });

  it('bad TLS: the self-signed certificate without anm.ca_file fails the first step, the rest is skipped', async () => {
    const r = await check(configFile('tls.yaml', { url: secure.url }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL TLS .*SELF_SIGNED/m);
    expect(r.stdout).toContain('-> the certificate is not trusted: set anm.ca_file');
    expect(r.stdout).toMatch(/^skip SOAP login +TLS failed/m);
  });

  it('bad password: the SOAP login step names the account and the variable', async () => {
    const r = await check(configFile('pw.yaml', { url: plain.url, password_env: 'WRONG_ANM_PW' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^WARN TLS .*plain HTTP/m);
    expect(r.stdout).toMatch(/^FAIL SOAP login .*refused the login of 'acesync'/m);
    expect(r.stdout).toContain("-> check anm.username ('acesync') and the password in $WRONG_ANM_PW");
    expect(r.stdout).not.toContain('not-it');
  });

  it('unknown context: names the configured context ANM does not know', async () => {
    const r = await check(configFile('unknown.yaml', { url: plain.url }, 'VC_NEW'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL contexts ANM knows .*ANM does not know 1 configured context\(s\): ace-a\/VC_NEW/m);
    expect(r.stdout).toContain('upload the Admin context of that ACE first');
  });

  it('sync refused: ANM could not read the context; the sync step fails and says what to compare', async () => {
    fetcher.fail = 'ssh: connection refused';
    try {
      const r = await check(configFile('refused.yaml', { url: plain.url }), '--context', 'ace-b/C2', '--sync');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAIL sync .*does not meet the success criteria/m);
      expect(r.stdout).toContain('acesync anm import-har');
      expect(r.stdout).toMatch(/^skip re-audit/m);
    } finally {
      fetcher.fail = undefined;
    }
  });

  it('an ANM that answers HTML: the login step says the URL does not answer SOAP', async () => {
    const r = await check(configFile('html.yaml', { url: htmlUrl }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL SOAP login .*not a SOAP envelope/m);
    expect(r.stdout).toContain('does not answer SOAP (an HTML page or a proxy?)');
  });

  it('usage and configuration problems exit 2', async () => {
    const file = configFile('u.yaml', { url: plain.url });
    const noCtx = await check(file, '--sync');
    expect(noCtx.code).toBe(2);
    expect(noCtx.stderr).toContain('--sync uploads one context');
    const badCtx = await check(file, '--context', 'ace-z/C1');
    expect(badCtx.code).toBe(2);
    expect(badCtx.stderr).toContain("no device 'ace-z'");
    const noCa = await check(configFile('noca.yaml', { url: secure.url, ca_file: join(dir, 'missing.pem') }));
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toContain('missing.pem');
  });
});
