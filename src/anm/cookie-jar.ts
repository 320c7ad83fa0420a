/**
 * The smallest cookie jar that keeps a Java web app session (JSESSIONID and friends) for
 * one origin: name=value pairs from Set-Cookie, Max-Age=0/past Expires removes, bounded
 * in count and size. Paths and domains are ignored: the jar belongs to one ANM origin.
 */

const MAX_COOKIES = 32;
const MAX_COOKIE_BYTES = 4096;

export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Take the cookies of one response. */
  store(setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) {
      if (header.length > MAX_COOKIE_BYTES) continue;
      const [pair, ...attrs] = header.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) continue;
      const expired = attrs.some((a) => {
        const [k, v] = a.split('=').map((x) => x.trim());
        if (k?.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k?.toLowerCase() === 'expires') {
          const t = Date.parse(v ?? '');
          return Number.isFinite(t) && t < Date.now();
        }
        return false;
      });
      if (expired || value === '') {
        this.#cookies.delete(name);
        continue;
      }
      if (!this.#cookies.has(name) && this.#cookies.size >= MAX_COOKIES) continue;
      this.#cookies.set(name, value);
    }
  }

  /** The Cookie request header, or undefined when empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get size(): number {
    return this.#cookies.size;
  }

  has(name: string): boolean {
    return this.#cookies.has(name);
  }

  clear(): void {
    this.#cookies.clear();
  }
}
