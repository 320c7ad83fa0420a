/**
 * The ACE message ids that can matter to acesync. This is the single source of truth shared
 * by the receive-path fast path (`isCertainNoise`) and the message catalogue (`parseAceBody`),
 * so the two can never disagree about what may be dropped unparsed.
 *
 * Everything not listed here is noise by construction: the catalogue never looks past the id
 * of such a message, and the fast path may drop it without decoding a byte of text.
 */

/** Individually relevant ids (reference section 2). */
export const RELEVANT_ID_LIST: readonly number[] = [
  111008, // user executed a command (config change, logging, crypto, context, ft switchover)
  199006, // orderly reload started
  253010, // configuration failure: certificate file (crypto divergence between peers)
  504001, // security context added
  504002, // security context removed
  728016, // HA data receive failure
  728017, // internal communications error (ha)
  728029, // HA state for FtGroup changed
  728030, // silently discarding HA data
];

/**
 * The whole 727xxx block is the FT/HA subsystem. Only 727001-727023 are documented, but an id
 * in this block from a newer release is far more likely to be an HA event than noise, so the
 * block is relevant as a whole: an unknown one reaches the parser as `ha-state` with its text.
 */
export const HA_BLOCK_FIRST = 727000;
export const HA_BLOCK_LAST = 727999;

const RELEVANT = new Set<number>(RELEVANT_ID_LIST);

/** True when the numeric message id may be relevant (must be parsed, never dropped as noise). */
export function isRelevantId(id: number): boolean {
  return (id >= HA_BLOCK_FIRST && id <= HA_BLOCK_LAST) || RELEVANT.has(id);
}
