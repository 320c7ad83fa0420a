/**
 * `acesync baseline adopt [--config FILE] [--device D]... [--context C] [--all] --reason TEXT
 *  [--token-file FILE] [--offline]`: record what the selected contexts ran at their last
 * audit as ANM's copy and mark them in-sync, with one decision each (who: the CLI user;
 * why: --reason). Never uploads.
 *
 * Where it writes. SQLite has one writer at a time, and the running service keeps the
 * context states in memory (its mirror) and decides through its own rule processor: a
 * second process writing the same rows would not be seen by the service's mirror, and its
 * next decision would overwrite them (or be refused as BUSY mid-burst). So while the
 * service runs, the CLI asks it, through POST /api/v1/baseline/adopt (the token from the
 * environment variable http.token_env names, ACESYNC_TOKEN by default, or --token-file):
 * one writer, one processor, the page updated live. Only when the service is not running
 * (its API refuses the connection) does the CLI open the database itself and run the same
 * action in-process. With http.enabled false the CLI cannot tell whether the service runs,
 * so it writes directly only when told so with --offline.
 */
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { AcesyncError, EXIT } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import type { Config } from '../config/schema.js';
import { Inventory } from '../inventory/inventory.js';
import { loadRules } from '../engine/loader.js';
import { Processor } from '../engine/processor.js';
import { Store } from '../store/store.js';
import { adoptBaseline, type AdoptResult, type AdoptSelection } from '../web/adopt.js';
import type { Parsed } from './args.js';
import { resolveConfig } from './config-arg.js';

const USAGE =
  'usage: acesync baseline adopt [--config FILE] [--device D]... [--context C] [--all] --reason TEXT ' +
  '[--token-file FILE] [--offline]';

function who(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return `user ${user} on ${hostname()}`;
}

/** Where the service's API answers (a wildcard bind is reached on loopback). */
export function serviceUrl(config: Config): string {
  const h = config.http.host;
  const host = h === '0.0.0.0' || h === '::' || h === '' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  return `http://${host}:${config.http.port}`;
}

/** Is the service's API answering? false only when the connection itself fails. */
async function serviceAnswers(base: string): Promise<boolean> {
  try {
    await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(3_000) });
    return true;
  } catch {
    return false;
  }
}

export function readToken(config: Config, tokenFile: string | undefined): string | undefined {
  const fromEnv = process.env[config.http.token_env];
  if (fromEnv) return fromEnv;
  if (tokenFile === undefined) return undefined;
  try {
    return readFileSync(tokenFile, 'utf8').trim() || undefined;
  } catch (err) {
    throw new AcesyncError('ACESYNC_USAGE', `cannot read --token-file ${tokenFile}: ${(err as Error).message}`);
  }
}

function print(r: AdoptResult, via: string): void {
  const lines = r.adopted.map((a) => `  ${a.device}/${a.context}: ${a.from} -> ANM's copy ${a.hash.slice(0, 12)}`);
  process.stdout.write(`${r.message} (${via})\n${lines.join('\n')}\n`);
}

async function viaApi(base: string, token: string, sel: AdoptSelection, reason: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/baseline/adopt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ ...sel, reason, by: `acesync CLI, ${who()}` }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await res.json().catch(() => ({}))) as Partial<AdoptResult> & { code?: string; message?: string };
  if (res.ok && Array.isArray(body.adopted)) {
    print(body as AdoptResult, `through the running service at ${base}`);
    return EXIT.OK;
  }
  process.stderr.write(`acesync baseline adopt: ${body.code ?? res.status}: ${body.message ?? res.statusText}\n`);
  return res.status === 400 ? EXIT.BAD_INPUT : EXIT.FAILURE;
}

function direct(config: Config, sel: AdoptSelection, reason: string): number {
  const clock = systemClock;
  const inventory = Inventory.fromConfig(config);
  const ruleset = loadRules(config.rules, { engine: config.engine, now: clock.now() });
  const store = Store.open({
    path: config.store.path,
    inventory,
    clock,
    retention: config.store.retention,
    engine: config.engine,
  });
  try {
    const processor = new Processor({ store, ruleset, clock, logger: silentLogger });
    const r = adoptBaseline({ store, queue: store.jobs, processor, clock }, sel, `CLI (${who()})`, reason);
    print(r, `directly on ${config.store.path}; the service is not running`);
    return EXIT.OK;
  } finally {
    store.close();
  }
}

export async function main(args: Parsed): Promise<number> {
  const values = args.all() as {
    config?: string;
    device: string[];
    context?: string;
    all: boolean;
    reason?: string;
    'token-file'?: string;
    offline: boolean;
  };
  const positionals = args.positionals;
  if (positionals.length !== 1 || positionals[0] !== 'adopt') throw new AcesyncError('ACESYNC_USAGE', USAGE);
  const reason = values.reason?.trim();
  if (!reason) throw new AcesyncError('ACESYNC_USAGE', `--reason TEXT is required (it is recorded)\n${USAGE}`);
  const devices = values.device ?? [];
  if (!values.all && devices.length === 0 && values.context === undefined)
    throw new AcesyncError('ACESYNC_USAGE', `say what to adopt: --all, --device D or --context C\n${USAGE}`);
  if (values.all && devices.length > 0)
    throw new AcesyncError('ACESYNC_USAGE', '--all and --device exclude each other');
  const sel: AdoptSelection = {
    ...(values.all ? { all: true } : {}),
    ...(devices.length ? { devices } : {}),
    ...(values.context !== undefined ? { context: values.context } : {}),
  };
  const { config } = resolveConfig(values.config);
  try {
    if (config.http.enabled) {
      const base = serviceUrl(config);
      if (await serviceAnswers(base)) {
        const token = readToken(config, values['token-file']);
        if (!token)
          throw new AcesyncError(
            'ACESYNC_USAGE',
            `the service runs at ${base}: set ${config.http.token_env} to its API token, or pass --token-file FILE`,
          );
        return await viaApi(base, token, sel, reason);
      }
    } else if (!values.offline) {
      throw new AcesyncError(
        'ACESYNC_USAGE',
        'http.enabled is false, so acesync cannot ask the service nor tell whether it runs: stop it, then pass ' +
          '--offline to write to the database directly',
      );
    }
    return direct(config, sel, reason);
  } catch (err) {
    if (err instanceof AcesyncError && err.code !== 'ACESYNC_USAGE') {
      process.stderr.write(`acesync baseline adopt: ${err.code}: ${err.message}\n`);
      return err.code === 'ACESYNC_BAD_REQUEST' ? EXIT.BAD_INPUT : EXIT.FAILURE;
    }
    throw err;
  }
}
