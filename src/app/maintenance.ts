/**
 * The retention pass (prune, then optimize), one at a time: a pass asked for while one runs waits for it. The
 * pruning yields to the event loop in chunks so ingestion never waits long. A failure is fatal (the database).
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { Store } from '../store/store.js';

export class Maintenance {
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly d: { store: Store; clock: Clock; logger: Logger; halted(): boolean; fail(err: unknown): void },
  ) {}

  /** Queue one pass behind the one running (if any). */
  pass(): void {
    this.#chain = this.#chain
      .then(async () => {
        if (this.d.halted() || this.d.store.closed) return;
        const counts = await this.d.store.pruneAsync(this.d.clock.now());
        this.d.store.optimize();
        this.d.logger.debug({ pruned: counts }, 'retention pass done');
      })
      .catch((err) => this.d.fail(err));
  }

  /** Resolves when the passes asked for so far are done. */
  async drain(): Promise<void> {
    await this.#chain;
  }
}
