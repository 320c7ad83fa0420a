/**
 * Starting a worker thread from a module next to the caller: the compiled `<name>.js` (dist/), or, running
 * from the TypeScript sources (vitest, tsx), `<name>.ts` loaded through tsx's loader registered inside the
 * worker.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `base` is the caller's `import.meta.url`; `name` the entry's file name without extension. */
export function spawnWorker(base: string, name: string, workerData: unknown): Worker {
  const js = new URL(`./${name}.js`, base);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return new Worker(js, { workerData });
  const ts = new URL(`./${name}.ts`, base).href;
  const api = pathToFileURL(
    createRequire(base)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(code, { eval: true, workerData });
}
