/**
 * Just enough DER to mint real self-signed certificates for simulated crypto files, so
 * `show crypto certificate` can print a subject and `crypto export` a PEM that any X.509
 * tool accepts (DER helpers in ../der.ts).
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { oid, positiveInteger as integer, seq, set, tlv, utcTime } from '../der.js';

function name(cn: string): Buffer {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

export interface MintedCertificate {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
}

/** A self-signed ECDSA P-256 certificate for `CN=<cn>`, valid for `days` from `now`. */
export function mintSelfSigned(cn: string, now = Date.now(), days = 365): MintedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sigAlg = seq(oid('1.2.840.10045.4.3.2'));
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(randomBytes(8)),
    sigAlg,
    name(cn),
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + days * 86_400_000))),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return { cert: toPem('CERTIFICATE', der), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** An RSA private key PEM (PKCS#1, as ACE's `crypto generate key` stores it). */
export function mintRsaKey(bits: number): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

export function toPem(label: string, der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Facts `show crypto certificate` prints; undefined when the PEM is not a certificate. */
export function describeCertificate(
  pem: string,
):
  { subject: string; issuer: string; serial: string; validFrom: string; validTo: string; keyType: string } | undefined {
  try {
    const c = new X509Certificate(pem);
    return {
      subject: c.subject.replace(/\n/g, ', '),
      issuer: c.issuer.replace(/\n/g, ', '),
      serial: c.serialNumber,
      validFrom: c.validFrom,
      validTo: c.validTo,
      keyType: c.publicKey.asymmetricKeyType ?? 'unknown',
    };
  } catch {
    return undefined;
  }
}

/** Facts `show crypto key` prints; undefined when the PEM is not a private key. */
export function describeKey(pem: string): { type: string; bits?: number } | undefined {
  try {
    const k: KeyObject = createPrivateKey(pem);
    const d = k.asymmetricKeyDetails;
    return { type: (k.asymmetricKeyType ?? 'unknown').toUpperCase(), bits: d?.modulusLength };
  } catch {
    return undefined;
  }
}
