/**
 * SNMP notification receiver: v1 traps, v2c traps and informs, SNMPv3 traps and informs
 * at every security level, on net-snmp's createReceiver. The receive callback decodes
 * (a pure table lookup, src/parse/trap-decode.ts) and pushes to the non-blocking sink;
 * nothing on this path waits for anything.
 *
 * What net-snmp does not do and this module adds: a large socket buffer and port 0
 * (snmp-socket.ts), the source allowlist before decoding, a guard around net-snmp's
 * handler, counting and rate-limited logging of every rejection including the USM
 * reports net-snmp answers v3 informs with (it does not call back for those), and
 * refusing SNMPv3 messages with an empty user name (net-snmp lets unauthenticated ones
 * through as an anonymous user), and the RFC 3414 §3.2 step 7 timeliness check of
 * authenticated v3 traps and informs (snmp-timeliness.ts), with acesync's own
 * snmpEngineBoots/Time reported in discovery.
 *
 * Where the timeliness check sits, and why there: net-snmp does not expose the USM header
 * to the callback, so the socket gate (snmp-socket.ts `admit`) reads it from the raw
 * datagram (parse/usm-header.ts) into #current, for this one datagram. net-snmp then
 * decodes and authenticates it synchronously; only what it accepted reaches the two
 * places that use #current: the inform ack on its way out (#watchReports: an inform out
 * of the window gets a notInTimeWindow report instead of an ack, so the sender neither
 * thinks it delivered nor stops retrying with a fresh time) and #accept (trap or inform:
 * rejected and counted as `not-in-time-window`, or the sender's engine time advanced).
 * An unauthenticated message never updates the per-engine state.
 */
import { readRmemMax, recvBufferReport } from './recv-buffer.js';
import type { RemoteInfo } from 'node:dgram';
import snmp from 'net-snmp';
import { AcesyncError } from '../core/errors.js';
import type { AceEvent } from '../core/events.js';
import { decodeTrap, PDU_TYPE } from '../parse/trap-decode.js';
import { normaliseAddress } from '../inventory/inventory.js';
import type { IngestDeps, Listener } from './types.js';
import { TrapSocketFactory } from './snmp-socket.js';
import {
  classifyReceiverError,
  outcomeOf,
  reasonOfReport,
  rejectedUser,
  RejectionLog,
  type RejectReason,
} from './snmp-rejections.js';
import { desAvailable, desUsers, engineId, resolveUsers } from './snmp-security.js';
import { isAuthenticated, readUsmHeader, type UsmHeader } from '../parse/usm-header.js';
import { LocalEngine, RemoteEngineTimes, type Timeliness } from './snmp-timeliness.js';

/** The parts of net-snmp's (untyped) Receiver used here. */
interface NetSnmpReceiver {
  getAuthorizer(): { addCommunity(c: string): void; addUser(u: object): void };
  /** Internal (net-snmp 3.29.2): the values its discovery and USM reports carry. */
  engine?: { engineBoots: number; engineTime: number };
  /** Internal: the contextName of reports. */
  context?: string;
  close(cb?: (socket: unknown) => void): void;
  /** Internal (net-snmp 3.29.2): sends inform acks and USM reports. */
  listener?: { send?: (message: NetSnmpMessage, rinfo: RemoteInfo, socket: unknown) => void };
}

interface NetSnmpMessage {
  pdu?: { type?: number; varbinds?: Array<{ oid?: unknown }> };
  /** net-snmp 3.29.2 Message method (the report its own USM errors get). */
  createReportResponseMessage?(engine: unknown, context: string, errorType: string): NetSnmpMessage;
}

interface Notification {
  pdu: {
    type?: number;
    scoped?: boolean;
    community?: string;
    user?: string;
    contextName?: unknown;
    [k: string]: unknown;
  };
  rinfo: RemoteInfo;
}

const REPORT_PDU = 168;
const GET_RESPONSE_PDU = 162;
const INFORM_PDU = 166;
/** net-snmp UsmErrorType.NOT_IN_TIME_WINDOW / UNKNOWN_ENGINE_ID. */
const USM_NOT_IN_TIME_WINDOW = '2';
const USM_UNKNOWN_ENGINE_ID = '4';
/** Bound on distinct unknown notification OIDs remembered. */
const MAX_UNKNOWN_OIDS = 256;
/** Bound on the allowlist cache (raw address -> admitted). */
const MAX_ADMIT_CACHE = 4096;
/** How often the rejection log looks whether its global cap window is over (to log what it held back). */
const REJECT_SUMMARY_CHECK_MS = 1000;

export interface SnmpIngestOptions {
  /**
   * acesync's snmpEngineBoots for this start, given the engine ID: persisted and
   * incremented at every start (Store.nextSnmpEngineBoots), so an inform captured before
   * a restart is out of the time window after it. Default: 1 (tests, no store).
   */
  engineBoots?(engineId: string): number;
  /**
   * Where trap senders' engine clocks are remembered across restarts (without it, the first
   * trap of each engine after a start is a first contact, and a captured one is accepted).
   * `save` runs off the receive path, every `flushMs` and at stop.
   */
  remoteEngines?: {
    load(limit: number): Array<{ engineId: string; boots: number; time: number; at: number }>;
    save(rows: Array<{ engineId: string; boots: number; time: number; at: number }>): void;
    flushMs?: number;
  };
}

/** The datagram net-snmp is handling right now (it handles one at a time, synchronously). */
interface Current {
  header: UsmHeader | undefined;
  /** The inform verdict, once taken when its ack left (the ack comes before the callback). */
  verdict?: Timeliness;
}

/** SNMP trap/inform receiver (v1, v2c, v3) feeding the sink. */
export class SnmpIngest implements Listener {
  readonly deps: IngestDeps;
  readonly #options: SnmpIngestOptions;
  readonly #remote: RemoteEngineTimes;
  #local: LocalEngine | undefined;
  #current: Current | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #rejectTimer: NodeJS.Timeout | undefined;
  readonly #rejections: RejectionLog;
  readonly #unknownOids = new Map<string, number>();
  readonly #admitCache = new Map<string, boolean>();
  #receiver: NetSnmpReceiver | undefined;
  #address: { address: string; port: number } | undefined;
  #engineId: string | undefined;
  /** Bound: socket errors from here on are logged (a bind error is start()'s to report). */
  #listening = false;

  constructor(deps: IngestDeps, options: SnmpIngestOptions = {}) {
    this.deps = deps;
    this.#options = options;
    this.#remote = new RemoteEngineTimes({ clock: deps.clock });
    this.#rejections = new RejectionLog({
      logger: deps.logger,
      clock: deps.clock,
      intervalMs: deps.config.snmp.reject_log_interval_ms,
    });
  }

  async start(): Promise<void> {
    if (this.#receiver) return;
    const { config, logger } = this.deps;
    const cfg = config.snmp;
    const users = resolveUsers(cfg, this.deps.env);
    const des = desUsers(cfg);
    if (des.length > 0 && !desAvailable())
      logger.error(
        { users: des },
        "SNMPv3 users with DES privacy are configured but this Node has no DES (OpenSSL 3 legacy provider not loaded): their traps will be rejected as undecryptable. Run acesync with 'node --openssl-legacy-provider' or NODE_OPTIONS=--openssl-legacy-provider (the installed acesync command does this).",
      );
    const engine = engineId(cfg);
    this.#engineId = engine.id;
    const local = new LocalEngine({
      engineId: engine.id,
      boots: this.#options.engineBoots?.(engine.id) ?? 1,
      clock: this.deps.clock,
    });
    this.#local = local;
    const remembered = this.#options.remoteEngines;
    if (remembered) this.#remote.restore(remembered.load(this.#remote.maxEngines));

    const type = cfg.host.includes(':') ? 'udp6' : 'udp4';
    const factory = new TrapSocketFactory({
      type,
      host: cfg.host,
      port: cfg.port,
      recvBufferBytes: cfg.recv_buffer_bytes,
      admit: (rinfo, msg) => {
        if (!this.#admit(rinfo.address)) return false;
        this.#current = { header: readUsmHeader(msg) };
        return true;
      },
      settled: () => (this.#current = undefined),
      onHandlerError: (_err, rinfo) => this.#reject(rinfo.address, 'receiver-error'),
    });
    let receiver: NetSnmpReceiver;
    try {
      receiver = snmp.createReceiver(
        {
          // net-snmp would replace port 0 with 162; the socket factory binds cfg.port itself.
          port: cfg.port === 0 ? 162 : cfg.port,
          address: cfg.host,
          transport: type,
          includeAuthentication: true,
          disableAuthorization: false,
          engineID: engine.id,
          dgramModule: factory,
        },
        (err: unknown, n: Notification | null) => this.#onReceive(err, n),
      ) as NetSnmpReceiver;
    } catch (err) {
      throw new AcesyncError(
        'ACESYNC_LISTEN',
        `SNMP receiver could not start: ${err instanceof Error ? err.message : String(err)}`,
        undefined,
        { cause: err },
      );
    }
    // net-snmp's Engine reports boots 0 and time 10 forever; report ours (RFC 3414 §2.2).
    if (receiver.engine)
      Object.defineProperties(receiver.engine, {
        engineBoots: { get: () => local.now().boots, configurable: true },
        engineTime: { get: () => local.now().time, configurable: true },
      });
    const auth = receiver.getAuthorizer();
    for (const c of cfg.communities) auth.addCommunity(c);
    for (const u of users) auth.addUser({ ...u });
    this.#watchReports(receiver);
    this.#receiver = receiver;

    try {
      await factory.listening();
    } catch (err) {
      this.#receiver = undefined;
      try {
        receiver.close();
      } catch {
        /* the socket never bound */
      }
      const code = (err as { code?: string }).code;
      throw new AcesyncError(
        'ACESYNC_LISTEN',
        `snmp.port: SNMP receiver could not bind ${cfg.host}:${cfg.port}${code ? ` (${code})` : ''} (set snmp.host/port)`,
        { key: ['snmp', 'port'] },
        { cause: err },
      );
    }
    this.#listening = true;
    // What the global log cap held back is summarised when its window ends, even if the flood stopped.
    this.#rejectTimer = setInterval(() => this.#rejections.flush(), REJECT_SUMMARY_CHECK_MS);
    this.#rejectTimer.unref();
    if (remembered) {
      this.#flushTimer = setInterval(() => this.#flushRemote(), remembered.flushMs ?? 5000);
      this.#flushTimer.unref();
    }
    const socket = factory.socket!;
    const bound = socket.address();
    this.#address = { address: bound.address, port: bound.port };
    // Linux reports twice the size set (bookkeeping overhead) and caps it at net.core.rmem_max.
    let effective: number | undefined;
    try {
      effective = socket.getRecvBufferSize();
    } catch {
      effective = undefined;
    }
    logger.info(
      {
        address: bound.address,
        port: bound.port,
        engineId: engine.id,
        engineIdGenerated: engine.generated,
        engineBoots: local.now().boots,
        communities: cfg.communities.length,
        users: cfg.users.map((u) => ({ name: u.name, level: u.level })),
        recvBufferRequested: cfg.recv_buffer_bytes,
        recvBufferEffective: effective,
      },
      engine.generated
        ? 'SNMP receiver listening (engine ID derived from host name and port; set snmp.engine_id to pin it for v3 informs)'
        : 'SNMP receiver listening',
    );
    if (effective !== undefined) {
      const buf = recvBufferReport('SNMP', cfg.recv_buffer_bytes, effective, await readRmemMax());
      if (buf.message)
        logger.warn(
          { requested: cfg.recv_buffer_bytes, granted: buf.granted, reported: effective, rmemMax: buf.rmemMax },
          `${buf.message}; trap bursts may be lost`,
        );
    }
  }

  async stop(): Promise<void> {
    const receiver = this.#receiver;
    if (!receiver) return;
    this.#receiver = undefined;
    if (this.#flushTimer) clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    clearInterval(this.#rejectTimer);
    this.#rejectTimer = undefined;
    this.#flushRemote();
    this.#listening = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      try {
        receiver.close(() => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  addresses(): ReturnType<Listener['addresses']> {
    return this.#address ? [{ transport: 'snmp', address: this.#address.address, port: this.#address.port }] : [];
  }

  /** The engine ID v3 informs are acknowledged with (hex), after start. */
  get engineId(): string | undefined {
    return this.#engineId;
  }

  /** acesync's snmpEngineBoots and snmpEngineTime (informs), after start. */
  get engineClock(): { boots: number; time: number } | undefined {
    return this.#local?.now();
  }

  /** Rejections by source and reason (bounded; overflow sources fold into `other`). */
  rejections(): Array<{ source: string; reason: RejectReason; count: number }> {
    return this.#rejections.breakdown();
  }

  /** Notification OIDs that are not in the table, with counts (bounded). */
  unknownNotifications(): Array<{ oid: string; count: number }> {
    return [...this.#unknownOids].map(([oid, count]) => ({ oid, count }));
  }

  #admit(raw: string): boolean {
    let ok = this.#admitCache.get(raw);
    if (ok === undefined) {
      ok = this.deps.config.syslog.accept_unknown_sources || this.deps.inventory.isKnownSource(raw);
      if (this.#admitCache.size >= MAX_ADMIT_CACHE) this.#admitCache.clear();
      this.#admitCache.set(raw, ok);
    }
    if (!ok) this.#reject(raw, 'unknown-source');
    return ok;
  }

  #reject(rawSource: string | undefined, reason: RejectReason, detail?: Record<string, string | number>): void {
    const source = rawSource !== undefined ? normaliseAddress(rawSource) : 'unknown';
    this.deps.counters.add('snmp', source, outcomeOf(reason));
    this.deps.counters.rejectSnmp(reason);
    this.#rejections.record(source, reason, detail);
  }

  /**
   * net-snmp answers an unknown user / wrong security level in a *reportable* (inform)
   * v3 message with a USM Report and does not call back; count those where they leave.
   */
  #watchReports(receiver: NetSnmpReceiver): void {
    const listener = receiver.listener;
    const send = listener?.send;
    if (!listener || typeof send !== 'function') return;
    listener.send = (message, rinfo, socket) => {
      // An inform's ack: net-snmp authenticated the inform; the ack waits for timeliness.
      if (message?.pdu?.type === GET_RESPONSE_PDU && this.#current) {
        const verdict = this.#informTimeliness(this.#current);
        if (!verdict.ok) {
          const report = message.createReportResponseMessage?.(
            receiver.engine,
            receiver.context ?? '',
            verdict.reason === 'unknown-engine-id' ? USM_UNKNOWN_ENGINE_ID : USM_NOT_IN_TIME_WINDOW,
          );
          // Counted in #accept (net-snmp calls back right after the ack), not as a report here.
          if (report) send.call(listener, report, rinfo, socket);
          return;
        }
      }
      if (message?.pdu?.type === REPORT_PDU) {
        const reason = reasonOfReport(message.pdu.varbinds?.[0]?.oid);
        if (reason !== undefined) this.#reject(rinfo.address, reason);
      }
      // May throw (an inform whose varbinds cannot be re-encoded for the ack): the socket
      // guard catches it and the notification is counted as malformed, not delivered.
      send.call(listener, message, rinfo, socket);
    };
  }

  #onReceive(err: unknown, n: Notification | null): void {
    try {
      if (err) {
        const rinfo = (err as { rinfo?: RemoteInfo }).rinfo;
        if (!rinfo) {
          if (this.#listening)
            this.deps.logger.error(
              { err: { message: (err as Error).message, code: (err as { code?: unknown }).code } },
              'SNMP socket error',
            );
          return;
        }
        const reason = classifyReceiverError(err);
        const user =
          reason === 'unknown-user' || reason === 'auth-required' || reason === 'priv-required'
            ? rejectedUser(err)
            : undefined;
        this.#reject(rinfo.address, reason, user !== undefined ? { user } : undefined);
        return;
      }
      if (!n?.pdu || !n.rinfo) return;
      this.#accept(n);
    } catch {
      this.#reject((n?.rinfo ?? (err as { rinfo?: RemoteInfo } | null)?.rinfo)?.address, 'receiver-error');
    }
  }

  #accept(n: Notification): void {
    const { pdu, rinfo } = n;
    const v3 = pdu.scoped === true;
    // The community is a secret: it goes no further than net-snmp's check.
    delete pdu.community;
    // Configured users have names; an empty one is net-snmp's anonymous noAuthNoPriv user.
    if (v3 && (pdu.user === undefined || pdu.user === '')) {
      this.#reject(rinfo.address, 'unknown-user', { user: '(empty)' });
      return;
    }
    if (v3 && !this.#timely(pdu.type, rinfo.address)) return;
    const version = v3 ? 'v3' : pdu.type === PDU_TYPE.trap ? 'v1' : 'v2c';
    const source = normaliseAddress(rinfo.address);
    // The pdu is ours now (net-snmp made it for this callback): tag it instead of copying.
    pdu.version = version;
    const event = decodeTrap(pdu, source, this.deps.clock.now());
    this.#enqueue(event, source);
  }

  /** Write the trap senders' clocks that advanced to the store (its errors are the caller's `save` to handle). */
  #flushRemote(): void {
    const rows = this.#remote.drainChanged();
    if (rows.length > 0) this.#options.remoteEngines?.save(rows);
  }

  /** Inform timeliness against our own engine (taken once per datagram: at the ack, else here). */
  #informTimeliness(current: Current): Timeliness {
    const h = current.header;
    if (current.verdict) return current.verdict;
    current.verdict = !h || !isAuthenticated(h) || !this.#local ? { ok: true } : this.#local.check(h);
    return current.verdict;
  }

  /**
   * RFC 3414 §3.2 step 7 for an authenticated v3 notification net-snmp accepted; false
   * when rejected (and counted). A timely trap advances our notion of its sender's clock.
   */
  #timely(pduType: number | undefined, address: string): boolean {
    const current = this.#current;
    const h = current?.header;
    if (!current || !h || !isAuthenticated(h)) return true;
    let verdict: Timeliness;
    if (pduType === INFORM_PDU) verdict = this.#informTimeliness(current);
    else {
      verdict = this.#remote.check(h);
      if (verdict.ok) this.#remote.update(h);
    }
    if (verdict.ok) return true;
    this.#reject(address, verdict.reason, {
      engine: h.engineId.slice(0, 64),
      boots: h.engineBoots,
      time: h.engineTime,
    });
    return false;
  }

  #enqueue(event: AceEvent, source: string): void {
    const { inventory, counters, sink, config } = this.deps;
    // attribute() sets originContext from the source; a contextName origin in the trap wins.
    const origin = event.originContext;
    inventory.attribute(event, source);
    if (origin !== undefined) event.originContext = origin;

    switch (event.kind) {
      case 'noise':
        counters.add('snmp', source, 'noise');
        if (config.syslog.store_noise) sink.push(event);
        return;
      case 'malformed':
        // Authenticated but not a usable notification (asn1-ber reads a truncated PDU as
        // one with no varbinds): a rejection like garbage, not an event.
        this.#reject(source, 'malformed', event.error !== undefined ? { error: event.error.slice(0, 200) } : undefined);
        return;
      case 'unknown': {
        const oid = event.trapOid ?? '(none)';
        if (this.#unknownOids.has(oid) || this.#unknownOids.size < MAX_UNKNOWN_OIDS)
          this.#unknownOids.set(oid, (this.#unknownOids.get(oid) ?? 0) + 1);
        counters.add('snmp', source, 'accepted');
        sink.push(event);
        return;
      }
      default:
        counters.add('snmp', source, 'accepted');
        sink.push(event);
    }
  }
}
