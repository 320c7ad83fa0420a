/**
 * A self-signed TLS server certificate for the ANM simulator, minted with node:crypto
 * and a few lines of DER (Node has no certificate builder, and no npm dependency is
 * wanted). It carries subjectAltName (localhost, 127.0.0.1, ::1, plus any extra names)
 * because Node verifies IP hosts only against SAN, and basicConstraints CA:TRUE so the
 * same PEM serves as the CA file a client trusts (anm.ca_file).
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { bool, octets, oid, positiveInteger, seq, set, tlv, utcTime } from '../der.js';

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand `::` then 8 groups of 16 bits.
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g || '0', 16), i * 2));
  return out;
}

export interface SelfSignedTls {
  /** PEM certificate; also the CA a client must trust. */
  cert: string;
  /** PEM (PKCS#8) private key. */
  key: string;
}

/** Mint a certificate for `CN=<cn>` valid for `days`, for localhost/127.0.0.1/::1 and `altNames`. */
export function mintTlsServerCert(
  cn = 'acesync ANM simulator',
  altNames: string[] = [],
  days = 30,
  now = Date.now(),
): SelfSignedTls {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...altNames])];
  const san = seq(...names.map((n) => (isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'ascii')))));
  const extensions = tlv(
    0xa3,
    seq(
      seq(oid('2.5.29.19'), bool(true), octets(seq(bool(true)))), // basicConstraints, critical, CA:TRUE
      seq(oid('2.5.29.15'), bool(true), octets(tlv(0x03, Buffer.from([0x02, 0x84])))), // keyUsage: digitalSignature, keyCertSign
      seq(oid('2.5.29.17'), octets(san)), // subjectAltName
    ),
  );
  const sigAlg = seq(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const dn = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
  const tbs = seq(
    tlv(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(randomBytes(12)),
    sigAlg,
    dn,
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + days * 86_400_000))),
    dn,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), sign('sha256', tbs, privateKey)])));
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
