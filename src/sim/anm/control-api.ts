/**
 * The simulator's control API (JSON over plain HTTP on its own port, so it keeps
 * answering while the simulated ANM is "down"): switch behaviour, expire sessions,
 * import contexts, and read what ANM holds.
 *
 *   GET  /state                          devices, copies (hash/size), history, counters, behaviour
 *   GET  /copy?device=D&context=C        ANM's copy of one context, with the config text
 *   POST /behaviour {mode, delay_ms?, scope?, count?}
 *   POST /sessions/expire                forget every SOAP token and web session
 *   POST /contexts {device, context}     import a context into ANM's inventory
 *   POST /counters/reset                 zero the counters and the history
 */
import { z } from 'zod';
import type { SimBehaviour } from './server.js';
import { AnmSimState } from './state.js';

export interface ControlTarget {
  state: AnmSimState;
  behaviour(): SimBehaviour;
  setBehaviour(b: SimBehaviour): Promise<void>;
}

export interface ControlReply {
  status: number;
  body: unknown;
}

const behaviourSchema = z.strictObject({
  mode: z.enum(['normal', 'slow', 'fail', 'hang', 'down']),
  delay_ms: z.number().int().min(0).max(600_000).optional(),
  scope: z.enum(['all', 'soap', 'web']).optional(),
  count: z.number().int().min(1).max(1_000_000).optional(),
});
const contextSchema = z.strictObject({
  device: z.string().min(1),
  context: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/),
});

export async function handleControl(t: ControlTarget, method: string, url: URL, body: string): Promise<ControlReply> {
  const parse = <S extends z.ZodType>(schema: S): z.output<S> | ControlReply => {
    let raw: unknown;
    try {
      raw = body === '' ? {} : JSON.parse(body);
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    const r = schema.safeParse(raw);
    return r.success
      ? (r.data as z.output<S>)
      : { status: 400, body: { error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } };
  };
  const isReply = (v: unknown): v is ControlReply =>
    typeof v === 'object' && v !== null && 'status' in v && 'body' in v;

  const route = `${method} ${url.pathname}`;
  switch (route) {
    case 'GET /state':
      return { status: 200, body: { ...t.state.snapshot(), behaviour: t.behaviour() } };
    case 'GET /copy': {
      const c = t.state.copy(url.searchParams.get('device') ?? '', url.searchParams.get('context') ?? '');
      return c ? { status: 200, body: c } : { status: 404, body: { error: 'ANM holds no copy of that context' } };
    }
    case 'POST /behaviour': {
      const b = parse(behaviourSchema);
      if (isReply(b)) return b;
      await t.setBehaviour({
        mode: b.mode,
        ...(b.delay_ms !== undefined ? { delayMs: b.delay_ms } : {}),
        ...(b.scope ? { scope: b.scope } : {}),
        ...(b.count !== undefined ? { count: b.count } : {}),
      });
      return { status: 200, body: { behaviour: t.behaviour() } };
    }
    case 'POST /sessions/expire':
      t.state.expireSessions();
      return { status: 200, body: { ok: true } };
    case 'POST /contexts': {
      const c = parse(contextSchema);
      if (isReply(c)) return c;
      const d = t.state.devices.get(c.device);
      if (!d) return { status: 404, body: { error: `no device ${c.device}` } };
      return { status: 200, body: { imported: t.state.importContexts(d, [c.context]) } };
    }
    case 'POST /counters/reset':
      t.state.counters = AnmSimState.zeroCounters();
      t.state.history.length = 0;
      return { status: 200, body: { ok: true } };
    default:
      return { status: 404, body: { error: `no route ${route}` } };
  }
}
