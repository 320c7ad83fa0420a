/**
 * The one-way switch of a service whose state database can no longer be written: the first failure is kept,
 * logged once and announced on the bus (`fatal`); later ones are ignored. Anything that is not an AcesyncError
 * is wrapped as ACESYNC_STORE_WRITE, since the pipeline's only unrecoverable failure is the database.
 */
import { AcesyncError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { AppBus } from './events.js';

export class FatalLatch {
  #error: AcesyncError | undefined;
  readonly #bus: AppBus;
  readonly #logger: Logger;

  constructor(bus: AppBus, logger: Logger) {
    this.#bus = bus;
    this.#logger = logger;
  }

  get error(): AcesyncError | undefined {
    return this.#error;
  }

  fail(err: unknown): void {
    if (this.#error) return;
    const fatal =
      err instanceof AcesyncError
        ? err
        : new AcesyncError(
            'ACESYNC_STORE_WRITE',
            `the event pipeline failed: ${err instanceof Error ? err.message : String(err)}`,
            undefined,
            { cause: err },
          );
    this.#error = fatal;
    this.#logger.fatal({ err: fatal, code: fatal.code }, fatal.message);
    this.#bus.emit('fatal', fatal);
  }

  /** Called once with the fatal error: at once when it already happened. */
  onFatal(listener: (err: AcesyncError) => void): void {
    if (this.#error) listener(this.#error);
    else this.#bus.on('fatal', listener);
  }
}
