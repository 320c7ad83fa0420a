/**
 * Watching the rules folder: editors write files in several steps (temp file, rename,
 * chmod), so changes are debounced and reported once. fs.watch can fail (some network
 * filesystems) or stop; that is logged, and SIGHUP still reloads.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../core/log.js';

export interface RulesWatcher {
  close(): void;
}

export function watchRules(
  path: string,
  onChange: () => void,
  opts: { debounceMs?: number; logger: Logger },
): RulesWatcher {
  const debounce = opts.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounce);
    timer.unref();
  };
  try {
    watcher = watch(path, { persistent: false }, (_event, file) => {
      // Only rule files matter; editors' swap and backup files do not.
      if (file === null || /\.ya?ml$/i.test(String(file))) fire();
    });
    watcher.on('error', (err) =>
      opts.logger.warn({ err, path }, 'watching the rules folder failed; SIGHUP still reloads'),
    );
  } catch (err) {
    opts.logger.warn({ err, path }, 'cannot watch the rules folder; SIGHUP still reloads');
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
