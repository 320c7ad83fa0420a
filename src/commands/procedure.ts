/**
 * `acesync procedure ack PAIR [--context DEVICE/CONTEXT]... [--note TEXT] [--config FILE]
 *  [--token-file FILE]`: acknowledge a manual procedure run (every context of it that
 * waits, or the listed ones) through the running service's API. Acknowledging needs the
 * service's rule processor (it queues the confirming audits), so unlike `baseline adopt`
 * there is no offline mode. PAIR is the devices joined by + (as in the alert's `pair` label).
 */
import { AcesyncError, EXIT } from '../core/errors.js';
import type { Parsed } from './args.js';
import { readToken, serviceUrl } from './baseline.js';
import { resolveConfig } from './config-arg.js';

const USAGE =
  'usage: acesync procedure ack PAIR [--context DEVICE/CONTEXT]... [--note TEXT] [--config FILE] [--token-file FILE]';

export async function main(args: Parsed): Promise<number> {
  const values = args.all() as { config?: string; context: string[]; note?: string; 'token-file'?: string };
  const positionals = args.positionals;
  if (positionals.length !== 2 || positionals[0] !== 'ack') throw new AcesyncError('ACESYNC_USAGE', USAGE);
  const pair = positionals[1]!;
  const { config } = resolveConfig(values.config);
  if (!config.http.enabled)
    throw new AcesyncError(
      'ACESYNC_USAGE',
      'http.enabled is false: acknowledging needs the running service and its API',
    );
  const token = readToken(config, values['token-file']);
  if (!token)
    throw new AcesyncError('ACESYNC_USAGE', `set ${config.http.token_env} to the API token, or pass --token-file FILE`);
  const base = serviceUrl(config);
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/procedures/${encodeURIComponent(pair)}/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        ...(values.context?.length ? { contexts: values.context } : {}),
        ...(values.note !== undefined ? { note: values.note } : {}),
      }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    process.stderr.write(`acesync procedure ack: the service at ${base} does not answer (${(err as Error).message})\n`);
    return EXIT.FAILURE;
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string; code?: string };
  if (res.ok) {
    process.stdout.write(`${body.message ?? 'acknowledged'}\n`);
    return EXIT.OK;
  }
  process.stderr.write(`acesync procedure ack: ${body.code ?? res.status}: ${body.message ?? res.statusText}\n`);
  return res.status === 400 ? EXIT.BAD_INPUT : EXIT.FAILURE;
}
