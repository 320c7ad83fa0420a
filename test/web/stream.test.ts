/**
 * Live updates over a real socket: the SSE stream sends a snapshot, then the contexts whose
 * state changes as events go through the processor; listeners are bounded.
 */
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { buildWebServer } from '../../src/web/server.js';
import { change } from '../engine/helpers.js';
import { webFixture, type WebFixture } from './helpers.js';

interface Sse {
  res: IncomingMessage;
  events: Array<{ event: string; data: any }>;
  next(pred: (e: { event: string; data: any }) => boolean, timeoutMs?: number): Promise<{ event: string; data: any }>;
  close(): void;
}

function connect(port: number, path = '/api/v1/stream'): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      const events: Sse['events'] = [];
      const waiters: Array<{ pred: (e: Sse['events'][number]) => boolean; done: (e: Sse['events'][number]) => void }> =
        [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!ev || data === undefined) continue;
          const e = { event: ev, data: JSON.parse(data) };
          events.push(e);
          for (const w of [...waiters])
            if (w.pred(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.done(e);
            }
        }
      });
      resolve({
        res,
        events,
        next(pred, timeoutMs = 5000) {
          const hit = events.find(pred);
          if (hit) return Promise.resolve(hit);
          return new Promise((ok, ko) => {
            const t = setTimeout(() => ko(new Error('no such event in time')), timeoutMs);
            waiters.push({ pred, done: (e) => (clearTimeout(t), ok(e)) });
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

let f: WebFixture;
let port: number;
beforeEach(async () => {
  f = await webFixture({ config: {} });
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  port = (f.app.server.address() as AddressInfo).port;
});
afterEach(async () => {
  await f.shutdown();
});

describe('GET /api/v1/stream', () => {
  it('sends a snapshot, then each context whose state changes', async () => {
    const s = await connect(port);
    expect(s.res.statusCode).toBe(200);
    expect(s.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.res.headers['content-security-policy']).toContain("script-src 'self'");
    const snap = await s.next((e) => e.event === 'snapshot');
    expect(snap.data.contexts).toHaveLength(8);
    expect(snap.data.contexts.find((c: any) => c.device === 'ace1' && c.context === 'VC_WEB')).toMatchObject({
      sync: 'unknown',
      label: 'unknown',
    });
    f.feed(change('ace1', 'VC_WEB', 'rserver host web9'));
    const upd = await s.next((e) => e.event === 'context' && e.data.device === 'ace2' && e.data.context === 'VC_WEB');
    expect(upd.data).toMatchObject({
      sync: 'suspect',
      label: 'suspect',
      tone: 'warn',
      reason: "admin ran 'rserver host web9' in VC_WEB on ace1",
    });
    const summary = await s.next((e) => e.event === 'summary');
    expect(summary.data.counts.suspect).toBe(2);
    // Unchanged contexts are not sent.
    expect(s.events.filter((e) => e.event === 'context' && e.data.context === 'VC_DB')).toHaveLength(0);
    s.close();
  });

  it('bounds the number of listeners', async () => {
    const app = buildWebServer({
      store: f.store,
      inventory: f.inventory,
      counters: f.counters,
      config: f.config,
      logger: silentLogger,
      clock: f.clock,
      readiness: () => ({ ready: true, checks: {} }),
      maxLiveClients: 1,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const p = (app.server.address() as AddressInfo).port;
    const one = await connect(p);
    await one.next((e) => e.event === 'snapshot');
    const two = await new Promise<{ status?: number; body: string }>((resolve) =>
      get({ host: '127.0.0.1', port: p, path: '/api/v1/stream' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }),
    );
    expect(two.status).toBe(503);
    expect(JSON.parse(two.body).code).toBe('ACESYNC_UNAVAILABLE');
    // Closing the server ends the open stream instead of waiting for the browser to leave.
    const ended = new Promise<void>((resolve) => one.res.on('close', () => resolve()));
    await Promise.race([
      app.close(),
      new Promise((_, ko) => setTimeout(() => ko(new Error('close hung on an open stream')), 3000)),
    ]);
    await ended;
  });
});
