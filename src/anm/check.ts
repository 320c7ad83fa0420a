/**
 * `acesync anm check`: the configured ANM, step by step, in the order a failure has to be
 * fixed: TLS, SOAP login, ANM's inventory, the configured contexts ANM does not know, and
 * (asked for) one real upload through the configured strategy followed by a re-audit of the
 * context over SSH. Every failed step says what to change. A step that cannot run because an
 * earlier one failed is skipped, never guessed.
 */
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { resolveCredentials } from '../devices/credentials.js';
import { openAceSession } from '../devices/ace-session.js';
import { hashRunningConfig } from '../parse/cli/running-config.js';
import { AnmError } from './anm-error.js';
import { createAnmClient } from './connect.js';
import { inventoryContextRefs, reconcile } from './reconcile.js';
import type { DeviceId } from './soap-client.js';
import { createUploadStrategy } from './strategy.js';

export type StepStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckStep {
  step: string;
  status: StepStatus;
  detail: string;
  /** What to change, for a failed (or warned) step. */
  fix?: string;
}

export interface CheckOptions {
  config: Config;
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** `DEVICE/CONTEXT` to check (and to upload with `sync`). */
  context?: { device: string; context: string };
  sync: boolean;
  timeoutMs?: number;
}

const short = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 300);

/** Connect with the configured trust and read the certificate ANM presents. */
async function checkTls(cfg: Config, baseDir: string, timeoutMs: number): Promise<CheckStep> {
  const url = new URL(cfg.anm.url!);
  if (url.protocol !== 'https:')
    return {
      step: 'TLS',
      status: 'warn',
      detail: `${url.origin} is plain HTTP: the ANM password crosses the network in clear`,
      fix: "use ANM's https URL (https://<anm>:8443 or :443) with anm.ca_file",
    };
  let ca: Buffer | undefined;
  if (cfg.anm.ca_file !== undefined) ca = readFileSync(resolve(baseDir, cfg.anm.ca_file));
  const port = Number(url.port || 443);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise<CheckStep>((done) => {
    const sock = tls.connect({
      host,
      port,
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      ...(ca ? { ca } : {}),
      rejectUnauthorized: !cfg.anm.insecure,
      timeout: timeoutMs,
    });
    const finish = (s: CheckStep): void => {
      sock.destroy();
      done(s);
    };
    sock.once('secureConnect', () => {
      const c = sock.getPeerCertificate();
      const who = `subject CN=${c.subject?.CN ?? '?'}, issuer CN=${c.issuer?.CN ?? '?'}, valid until ${c.valid_to ?? '?'}`;
      if (cfg.anm.insecure)
        finish({
          step: 'TLS',
          status: 'warn',
          detail: `certificate accepted WITHOUT verification (anm.insecure: true): ${who}`,
          fix: "save ANM's CA certificate as PEM and set anm.ca_file instead of insecure",
        });
      else
        finish({
          step: 'TLS',
          status: 'ok',
          detail: `certificate verified${ca ? ' against anm.ca_file' : ''}: ${who}`,
        });
    });
    sock.once('timeout', () =>
      finish({
        step: 'TLS',
        status: 'fail',
        detail: `${host}:${port}: no TLS handshake within ${timeoutMs} ms`,
        fix: 'check anm.url (host and port) and the firewall',
      }),
    );
    sock.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      const untrusted = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
      finish({
        step: 'TLS',
        status: 'fail',
        detail: `${host}:${port}: ${code || 'error'}: ${short(err)}`,
        fix:
          code === 'ERR_TLS_CERT_ALTNAME_INVALID'
            ? 'the certificate does not name this host: use the name it was issued for in anm.url'
            : untrusted
              ? `the certificate is not trusted${ca ? ' by anm.ca_file' : ''}: set anm.ca_file to the PEM of the CA that signed it (or, knowingly, insecure: true)`
              : 'check anm.url (host and port) and that ANM is up',
      });
    });
  });
}

function soapFix(err: unknown, cfg: Config): { detail: string; fix: string } {
  const msg = short(err);
  if (err instanceof AnmError) {
    if (err.details.kind === 'auth' || err.details.kind === 'fault')
      return {
        detail: msg,
        fix: `check anm.username ('${cfg.anm.username}') and the password in $${cfg.anm.password_env}; the account needs web-services access in ANM`,
      };
    if (err.details.kind === 'protocol' || err.details.kind === 'http-4xx')
      return {
        detail: msg,
        fix: `${cfg.anm.url}${cfg.anm.soap_path} does not answer SOAP (an HTML page or a proxy?): check anm.url and anm.soap_path; ${cfg.anm.url}${cfg.anm.soap_path}?wsdl should show ANM's WSDL`,
      };
  }
  return { detail: msg, fix: 'check anm.url, anm.timeout_ms and that ANM is up' };
}

export async function runAnmCheck(o: CheckOptions): Promise<CheckStep[]> {
  const cfg = o.config;
  const timeoutMs = o.timeoutMs ?? cfg.anm.timeout_ms;
  const steps: CheckStep[] = [];
  const skip = (step: string, why: string): void => {
    steps.push({ step, status: 'skip', detail: why });
  };

  const tlsStep = await checkTls(cfg, o.baseDir, timeoutMs);
  steps.push(tlsStep);
  const client = tlsStep.status !== 'fail' ? createAnmClient(cfg.anm, { env: o.env, baseDir: o.baseDir }) : undefined;
  let ids: DeviceId[] | undefined;
  if (!client) {
    for (const s of ['SOAP login', 'ANM inventory', 'contexts ANM knows']) skip(s, 'TLS failed');
  } else {
    try {
      try {
        await client.login({ timeoutMs });
        steps.push({
          step: 'SOAP login',
          status: 'ok',
          detail: `logged in to ${cfg.anm.url}${cfg.anm.soap_path} as ${cfg.anm.username}`,
        });
      } catch (err) {
        steps.push({ step: 'SOAP login', status: 'fail', ...soapFix(err, cfg) });
        throw err;
      }
      try {
        ids = await client.listDeviceIds('VIRTUAL_CONTEXT', { timeoutMs });
        let how = 'listDeviceIds(VIRTUAL_CONTEXT)';
        if (ids.length === 0) {
          const aces = [
            ...(await client.listDeviceIds('ACE4710', { timeoutMs })),
            ...(await client.listDeviceIds('ACE_BLADE', { timeoutMs })),
          ];
          for (const a of aces.slice(0, 500)) ids.push(...(await client.listVirtualContexts(a, { timeoutMs })));
          how = `listVirtualContexts of ${aces.length} ACE(s)`;
        }
        steps.push({ step: 'ANM inventory', status: 'ok', detail: `${how}: ${ids.length} context(s)` });
      } catch (err) {
        steps.push({ step: 'ANM inventory', status: 'fail', ...soapFix(err, cfg) });
        throw err;
      }
    } catch {
      if (!steps.some((s) => s.step === 'ANM inventory')) skip('ANM inventory', 'SOAP login failed');
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  if (ids !== undefined) {
    const refs = inventoryContextRefs(
      cfg.devices.map((d) => ({
        name: d.name,
        host: d.host,
        contexts: [...new Set(['Admin', ...d.contexts.map((c) => c.name)])],
      })),
    );
    const r = reconcile(ids, refs);
    const missing = r.missingInAnm.map((m) => `${m.device}/${m.context}`);
    const target = o.context ? `${o.context.device}/${o.context.context}` : undefined;
    const fix =
      'import them in ANM (upload the Admin context of that ACE first: ANM imports the user contexts it defines), ' +
      'or check devices[].host is the address ANM imported the ACE with';
    if (target !== undefined && missing.includes(target))
      steps.push({ step: 'contexts ANM knows', status: 'fail', detail: `ANM does not know ${target}`, fix });
    else if (target === undefined && missing.length > 0)
      steps.push({
        step: 'contexts ANM knows',
        status: 'fail',
        detail: `ANM does not know ${missing.length} configured context(s): ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`,
        fix,
      });
    else
      steps.push({
        step: 'contexts ANM knows',
        status: missing.length > 0 ? 'warn' : 'ok',
        detail:
          missing.length > 0
            ? `${target} is known; ANM does not know ${missing.slice(0, 20).join(', ')}`
            : `ANM knows all ${r.matched.length} configured context(s)`,
      });
  } else if (!steps.some((s) => s.step === 'contexts ANM knows')) skip('contexts ANM knows', 'no inventory');

  if (!o.sync) return steps;
  if (steps.some((s) => s.status === 'fail')) {
    skip('sync', 'an earlier step failed');
    skip('re-audit', 'no sync');
    return steps;
  }
  const target = o.context!;
  const dev = cfg.devices.find((d) => d.name === target.device)!;
  const strategy = createUploadStrategy(cfg.anm, { env: o.env, baseDir: o.baseDir });
  try {
    const started = Date.now();
    const res = await strategy.upload(
      { device: dev.name, context: target.context, address: dev.host, ...(dev.peer ? { peer: dev.peer } : {}) },
      { signal: AbortSignal.timeout(Math.max(timeoutMs, 1000) * 4) },
    );
    if (res.outcome !== 'ok') {
      steps.push({
        step: 'sync',
        status: 'fail',
        detail: `the ${strategy.name} strategy answered '${res.outcome}': ${res.detail ?? ''}`.trim(),
        fix:
          strategy.name === 'manual'
            ? 'the manual strategy waits for a person: nothing to check here; configure http (acesync anm import-har) or command'
            : 'see anm.strategy',
      });
      skip('re-audit', 'the sync did not succeed');
      return steps;
    }
    steps.push({
      step: 'sync',
      status: 'ok',
      detail: `${strategy.name} upload of ${dev.name}/${target.context} in ${Date.now() - started} ms: ${res.detail ?? 'ok'}`,
    });
  } catch (err) {
    steps.push({
      step: 'sync',
      status: 'fail',
      detail: short(err),
      fix:
        strategy.name === 'http'
          ? 'the request or its success criteria do not match your ANM: capture the GUI request again and run acesync anm import-har; compare anm.strategy.request and success'
          : 'see the script output above; run the script by hand with the job JSON on stdin',
    });
    skip('re-audit', 'the sync did not succeed');
    return steps;
  } finally {
    await strategy.close().catch(() => undefined);
  }

  try {
    const creds = resolveCredentials(dev.ssh, o.env);
    let seen = '';
    const s = await openAceSession({
      host: dev.host,
      port: dev.ssh.port,
      username: dev.ssh.username,
      ...creds,
      ...(dev.ssh.host_key_sha256 !== undefined ? { hostKeySha256: dev.ssh.host_key_sha256 } : {}),
      onHostKey: (fp) => {
        seen = fp;
        return true;
      },
      legacyAlgorithms: dev.ssh.legacy_algorithms,
      connectTimeoutMs: dev.ssh.connect_timeout_ms,
      commandTimeoutMs: dev.ssh.command_timeout_ms,
    });
    try {
      const { hash } = hashRunningConfig(await s.runningConfig(target.context));
      steps.push({
        step: 're-audit',
        status: 'ok',
        detail:
          `running-config of ${dev.name}/${target.context} read over SSH: sha256 ${hash.slice(0, 16)}…; ` +
          "the service records the audited config as ANM's copy after each upload" +
          (seen ? ` (host key ${seen} not pinned: set devices[].ssh.host_key_sha256)` : ''),
      });
    } finally {
      await s.close();
    }
  } catch (err) {
    steps.push({
      step: 're-audit',
      status: 'fail',
      detail: short(err),
      fix: `check devices[${dev.name}].ssh (address, port, user, password, host key)`,
    });
  }
  return steps;
}

export function checkPassed(steps: readonly CheckStep[]): boolean {
  return steps.every((s) => s.status === 'ok' || s.status === 'warn');
}
