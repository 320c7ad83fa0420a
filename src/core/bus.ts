/**
 * A small typed event bus: named events with one payload type each, handlers called synchronously in the order
 * they subscribed. A handler that throws stops the emit and the error reaches the emitter (so a failure keeps
 * its caller's error handling, as a direct call would). It replaces callbacks bound late to objects that do not
 * exist yet: the producer emits, whoever is built later subscribes.
 */
/** Event names and their payload types, as an interface: `{ decisions: Decision[]; 'jobs-due': undefined }`. */
export type EventMap = object;

type Args<T> = [T] extends [undefined] ? [] : [payload: T];

export class Bus<E extends EventMap> {
  readonly #handlers = new Map<keyof E, Array<(payload: never) => void>>();

  /** Subscribe; returns the function that unsubscribes. */
  on<K extends keyof E>(name: K, handler: (payload: E[K]) => void): () => void {
    const list = this.#handlers.get(name) ?? [];
    list.push(handler as (payload: never) => void);
    this.#handlers.set(name, list);
    return () => {
      const l = this.#handlers.get(name);
      const i = l?.indexOf(handler as (payload: never) => void) ?? -1;
      if (l && i >= 0) l.splice(i, 1);
    };
  }

  emit<K extends keyof E>(name: K, ...args: Args<E[K]>): void {
    const list = this.#handlers.get(name);
    if (!list || list.length === 0) return;
    // A copy: a handler that unsubscribes (or subscribes) does not disturb this emit.
    for (const h of [...list]) (h as (payload: E[K]) => void)(args[0] as E[K]);
  }

  /** Handlers subscribed to `name` (tests, diagnostics). */
  listenerCount(name: keyof E): number {
    return this.#handlers.get(name)?.length ?? 0;
  }
}
