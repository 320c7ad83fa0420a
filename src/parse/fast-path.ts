// CONTRACT STUB — implemented by the parser work (issue "Foundation"). Signature is fixed.

/**
 * Decide on the receive path, without the full parser, whether a datagram is certainly
 * noise (an ACE message whose id can never be relevant, e.g. 302022) or must be parsed.
 * Works on the raw bytes; must run at well over 1M lines/s.
 */
export function isCertainNoise(data: Buffer): boolean {
  void data;
  return false;
}
