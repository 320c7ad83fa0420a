/**
 * Parse rates in-process: the full parser on noise and on relevant lines, and the receive-path
 * fast path on noise datagrams. Lines are realistic (envelope variants of reference 1.2 and the
 * catalogue's templates); each measurement runs ~1.5 s after a short warm-up.
 *
 *   npx tsx bench/parse.ts
 */
import { pathToFileURL } from 'node:url';
import { parseSyslog } from '../src/parse/syslog.js';
import { isCertainNoise } from '../src/parse/fast-path.js';

const ENVELOPES = [
  (b: string) => `<166>Jan 12 2026 10:11:12 ace-a: ${b}`,
  (b: string) => `<166>${b}`,
  (b: string) => `<134>Jan 12 10:11:12 relay.example.net ace-a: ${b}`,
  (b: string) => `Jan  2 2026 10:11:12: ${b}`,
  (b: string) => `<166>1 2026-01-12T10:11:12.123Z relay ace - - - ${b}`,
];

const NOISE_BODIES = [
  '%ACE-6-302022: Built TCP connection 0x1618 for vlan303:10.1.2.3/4928 (10.35.1.83/4928) to vlan600:10.9.8.7/80 (10.9.8.7/80)',
  '%ACE-6-302023: Teardown TCP connection 0x1618 for vlan303:10.1.2.3/4928 to vlan600:10.9.8.7/80 duration 0:00:01 bytes 5234 FIN',
  '%ACE-6-302024: Built UDP connection 0x22 for vlan303:10.1.2.3/53 (10.35.1.83/53) to vlan600:10.9.8.7/53 (10.9.8.7/53)',
  '%ACE-4-106023: Deny tcp src vlan303:10.1.2.3/4100 dst vlan600:10.9.8.7/22 by access-group "ALL"',
  '%ACE-3-251010: Health probe failed for server 10.33.81.227 on port 8082, connection refused by server',
];

const RELEVANT_BODIES = [
  "%ACE-5-111008: User 'admin' executed the 'serverfarm host SF_WEB' command.",
  "%ACE-5-111008: User 'admin' executed the 'no logging enable' command.",
  '%ACE-4-727012: ace-a: HA: FT Group 1 changed state to FSM_FT_STATE_ACTIVE. Reason: Peer heartbeat lost.',
  '%ACE-3-727005: ace-a: HA: Config replication failed for context VC_WEB. Error : Missing file cert.pem',
  '%ACE-5-504001: Security context VC_NEW was added to the system',
];

function corpus(bodies: string[]): string[] {
  return ENVELOPES.flatMap((env) => bodies.map(env));
}

let sink = 0;

/** Run `fn` over `items` repeatedly for about `ms` and return items processed per second. */
function rate<T>(items: T[], fn: (x: T) => unknown, ms = 1500): number {
  const warm = Date.now() + 200;
  while (Date.now() < warm) for (const x of items) if (fn(x)) sink++;
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < until) {
    for (let r = 0; r < 50; r++) for (const x of items) if (fn(x)) sink++;
    n += 50 * items.length;
    now = process.hrtime.bigint();
  }
  return Math.round(n / (Number(now - start) / 1e9));
}

export async function run(): Promise<Record<string, number>> {
  const noise = corpus(NOISE_BODIES);
  const relevant = corpus(RELEVANT_BODIES);
  const noiseBuffers = noise.map((l) => Buffer.from(l, 'utf8'));
  // Sanity: the corpora must be what their names say, or the figures mean nothing.
  if (!noiseBuffers.every(isCertainNoise) || relevant.some((l) => isCertainNoise(Buffer.from(l)))) {
    throw new Error('bench corpus misclassified by the fast path');
  }
  if (relevant.some((l) => parseSyslog(l).kind === 'noise'))
    throw new Error('bench corpus: relevant line parsed as noise');

  const result = {
    parse_noise_lines_per_s: rate(noise, (l) => parseSyslog(l).kind === 'noise'),
    parse_relevant_lines_per_s: rate(relevant, (l) => parseSyslog(l).kind !== 'noise'),
    fast_path_noise_per_s: rate(noiseBuffers, isCertainNoise),
  };
  const fmt = (n: number): string => `${(n / 1e6).toFixed(2)}M lines/s`;
  console.log(
    `parse: full parser noise ${fmt(result.parse_noise_lines_per_s)}, relevant ${fmt(result.parse_relevant_lines_per_s)}; ` +
      `fast path noise ${fmt(result.fast_path_noise_per_s)} (sink ${sink > 0 ? 'ok' : 'empty'})`,
  );
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (r) => console.log(JSON.stringify(r)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
