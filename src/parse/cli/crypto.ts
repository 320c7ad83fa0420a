/**
 * Crypto files (reference 4.9): `show crypto files` listing, and fingerprints of what
 * `crypto export <file> terminal` prints. A fingerprint is the SHA-256 of the DER inside the
 * PEM armour; the PEM itself (key material for keys) is never kept.
 */
import { createHash } from 'node:crypto';

export interface CryptoFileEntry {
  name: string;
  size: number;
  /** PEM | DER | PKCS12 */
  format: string;
  exportable: boolean;
  kind: 'cert' | 'key';
}

const ROW = /^(\S+)\s+(\d+)\s+(PEM|DER|PKCS12)\s+(Yes|No)\s+(KEY|CERT)\s*$/i;
const MAX_FILES = 4096;

/** Rows of `show crypto files`; header, ruler and unparseable lines are skipped. */
export function parseCryptoFiles(output: string): CryptoFileEntry[] {
  const out: CryptoFileEntry[] = [];
  for (const raw of output.split('\n')) {
    const m = ROW.exec(raw.trim());
    if (!m) continue;
    if (out.length >= MAX_FILES) break;
    out.push({
      name: m[1]!.slice(0, 128),
      size: Number(m[2]),
      format: m[3]!.toUpperCase(),
      exportable: m[4]!.toLowerCase() === 'yes',
      kind: m[5]!.toUpperCase() === 'KEY' ? 'key' : 'cert',
    });
  }
  return out;
}

/**
 * SHA-256 (hex) of the DER of the first PEM block in `output`, or undefined when there is
 * none. Whitespace inside the base64 is ignored, so line wrapping does not matter.
 */
export function pemDerSha256(output: string): string | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(output);
  if (!m) return undefined;
  // Encrypted PEM headers (Proc-Type/DEK-Info) are part of the body's identity; keep them by
  // hashing the whole body text when present, else the decoded DER.
  const body = m[2]!;
  if (/^[A-Za-z-]+:/m.test(body)) return createHash('sha256').update(body.replace(/\s+/g, ''), 'utf8').digest('hex');
  const b64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length === 0) return undefined;
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
}
