/**
 * Where first-use SSH host keys are remembered when a device's config pins none. The
 * service backs it with the database (src/store/known-hosts.ts); the in-memory default
 * serves tests and one-shot tools.
 */

export interface KnownHosts {
  /** `SHA256:<base64>` recorded for a device, if any. */
  get(device: string): string | undefined | Promise<string | undefined>;
  set(device: string, fingerprint: string): void | Promise<void>;
}

export class MemoryKnownHosts implements KnownHosts {
  readonly #map = new Map<string, string>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  get(device: string): string | undefined {
    return this.#map.get(device);
  }

  set(device: string, fingerprint: string): void {
    if (!this.#map.has(device) && this.#map.size >= this.#max) return;
    this.#map.set(device, fingerprint);
  }
}
