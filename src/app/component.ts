/**
 * The service as an ordered list of named components, as zigbee2mqtt's controller holds its extensions: started
 * in order and, unlike there, stopped in reverse, so nothing stops while a component started after it still
 * runs. Each step's name and duration is logged. A start that fails stops the components already started, in
 * reverse, and rethrows; stop only stops what was started, so calling it again (or after a failed start) is
 * harmless.
 */
import type { Logger } from '../core/log.js';

export interface Component {
  /** Short, stable name for the logs (`store`, `listener:syslog`, `web`, ...). */
  readonly name: string;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

export class Lifecycle {
  readonly #components: readonly Component[];
  readonly #logger: Logger;
  readonly #now: () => number;
  /** Components started, in start order. */
  readonly #started: Component[] = [];

  constructor(components: readonly Component[], logger: Logger, now: () => number = () => performance.now()) {
    const seen = new Set<string>();
    for (const c of components) {
      if (seen.has(c.name)) throw new Error(`two components are named '${c.name}'`);
      seen.add(c.name);
    }
    this.#components = components;
    this.#logger = logger;
    this.#now = now;
  }

  /** Names in start order. */
  get names(): string[] {
    return this.#components.map((c) => c.name);
  }

  /** Names of the components running now, in start order. */
  get running(): string[] {
    return this.#started.map((c) => c.name);
  }

  async start(): Promise<void> {
    for (const c of this.#components) {
      if (this.#started.includes(c)) continue;
      const t0 = this.#now();
      try {
        await c.start?.();
      } catch (err) {
        this.#logger.error(
          { component: c.name, ms: Math.round(this.#now() - t0), err },
          'component failed to start; stopping those already started',
        );
        await this.stop().catch(() => undefined); // each failure is logged by stop
        throw err;
      }
      this.#started.push(c);
      this.#logger.debug({ component: c.name, ms: Math.round(this.#now() - t0) }, 'component started');
    }
  }

  /**
   * Stop the started components in reverse order. A failing stop is logged and the others still stop; the first
   * failure is rethrown once all have been stopped.
   */
  async stop(): Promise<void> {
    const failures: unknown[] = [];
    for (let c = this.#started.pop(); c; c = this.#started.pop()) {
      const t0 = this.#now();
      try {
        await c.stop?.();
        this.#logger.debug({ component: c.name, ms: Math.round(this.#now() - t0) }, 'component stopped');
      } catch (err) {
        failures.push(err);
        this.#logger.error({ component: c.name, ms: Math.round(this.#now() - t0), err }, 'component failed to stop');
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
