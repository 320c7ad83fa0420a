/**
 * Webhook signatures: `X-Acesync-Signature: sha256=<hex HMAC-SHA256 of the raw body>`,
 * keyed with the webhook's secret (GitHub's `X-Hub-Signature-256` scheme, so receivers
 * can reuse their verification code). Verify over the raw bytes, before parsing JSON.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-acesync-signature';

export function sign(body: string | Buffer, secret: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of a received signature header. */
export function verifySignature(body: string | Buffer, header: string | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const want = Buffer.from(sign(body, secret));
  const got = Buffer.from(header.trim());
  return got.length === want.length && timingSafeEqual(got, want);
}
