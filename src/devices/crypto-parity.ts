/**
 * Certificate and key parity across an HA pair (HA procedure step 3): per context, the
 * files on each peer and a fingerprint of each. Exportable files are fingerprinted by
 * SHA-256 of the DER that `crypto export <file> terminal` prints (the PEM, key material
 * included, is hashed and dropped at once: never stored, never logged); non-exportable
 * ones by name and size, all the device will tell.
 */
import type { CryptoParityData } from '../core/events.js';
import { AceCommandError, type AceSession } from './ace-session.js';
import { parseCryptoFiles, pemDerSha256 } from '../parse/cli/crypto.js';
import { formatFtConfigError, parseFtConfigErrors } from '../parse/cli/ft-config-error.js';

export interface CryptoInventory {
  /** File name -> fingerprint (`sha256:<hex>` or `size:<n>` for non-exportable files). */
  files: Map<string, string>;
  /** `show ft config-error` lines of this context (empty on an active or a healthy standby). */
  configErrors: string[];
}

/** Read one context's crypto files and config-sync errors over an open session. */
export async function readCryptoInventory(
  s: AceSession,
  context: string,
  opts: { signal?: AbortSignal; maxFiles?: number } = {},
): Promise<CryptoInventory> {
  await s.changeto(context);
  const listed = parseCryptoFiles(await s.run('show crypto files', { signal: opts.signal })).slice(
    0,
    opts.maxFiles ?? 512,
  );
  const files = new Map<string, string>();
  for (const f of listed) {
    let fp = `${f.kind}:size:${f.size}`;
    if (f.exportable) {
      try {
        const sha = pemDerSha256(await s.run(`crypto export ${f.name} terminal`, { signal: opts.signal }));
        if (sha !== undefined) fp = `${f.kind}:sha256:${sha}`;
      } catch (err) {
        // A file listed as exportable that will not export: fall back to name+size.
        if (!(err instanceof AceCommandError)) throw err;
      }
    }
    files.set(f.name, fp);
  }
  let configErrors: string[] = [];
  try {
    configErrors = parseFtConfigErrors(await s.run('show ft config-error', { signal: opts.signal })).map(
      formatFtConfigError,
    );
  } catch (err) {
    // Older software has no `show ft config-error` (A4(x)+ only).
    if (!(err instanceof AceCommandError)) throw err;
  }
  return { files, configErrors };
}

/**
 * Compare the two peers' files for one context, from `device`'s point of view. A file is
 * `different` when its fingerprints differ; when one side could hash it and the other only
 * size it, sizes are not comparable with hashes, so it counts as different only if the
 * kinds differ.
 */
export function compareCrypto(peer: string, mine: CryptoInventory, theirs: CryptoInventory): CryptoParityData {
  const missingOnPeer: string[] = [];
  const missingOnDevice: string[] = [];
  const different: string[] = [];
  for (const [name, fp] of mine.files) {
    const other = theirs.files.get(name);
    if (other === undefined) missingOnPeer.push(name);
    else if (other !== fp) {
      const comparable = fp.split(':')[1] === other.split(':')[1];
      if (comparable || fp.split(':')[0] !== other.split(':')[0]) different.push(name);
    }
  }
  for (const name of theirs.files.keys()) if (!mine.files.has(name)) missingOnDevice.push(name);
  const data: CryptoParityData = {
    peer,
    ok:
      missingOnPeer.length === 0 &&
      missingOnDevice.length === 0 &&
      different.length === 0 &&
      mine.configErrors.length === 0,
    missingOnDevice: missingOnDevice.sort(),
    missingOnPeer: missingOnPeer.sort(),
    different: different.sort(),
  };
  if (mine.configErrors.length > 0) data.configErrors = mine.configErrors;
  return data;
}
