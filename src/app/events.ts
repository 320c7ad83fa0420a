/**
 * The events the service's components tell each other about, by name, with their payloads. Producers built early
 * (the processor, the event queue's drain) emit; consumers built later (the web server's live pages, the job
 * runner) subscribe, so nothing calls a function that does not exist yet.
 */
import { Bus } from '../core/bus.js';
import type { AcesyncError } from '../core/errors.js';
import type { DecisionRecord } from '../store/state-writes.js';

export interface AppEvents {
  /** The processor committed these decisions (state changes, actions, expired expectations). */
  decisions: DecisionRecord[];
  /** Jobs may have become due (events were handled, timers fired): the job runner looks for work. */
  'jobs-due': undefined;
  /** The state database can no longer be written; the service must stop. Emitted once. */
  fatal: AcesyncError;
}

export type AppBus = Bus<AppEvents>;

export const createAppBus = (): AppBus => new Bus<AppEvents>();
