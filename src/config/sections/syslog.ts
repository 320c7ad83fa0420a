import { z } from 'zod';
import { parseCidr } from '../../core/cidr.js';
import { host, port } from './common.js';

/** An address or a CIDR block (`10.1.2.0/24`, `2001:db8::/48`). */
const addressOrCidr = z
  .string()
  .refine((v) => parseCidr(v) !== undefined, { message: 'expected an IPv4/IPv6 address or a CIDR block' });

/** Where a relay's origin may be read from, in the order tried (ace-device.md 1.2, RFC 5424 7.2). */
export const RELAY_ORIGIN_FIELDS = ['sd-origin', 'hostname', 'device-id'] as const;
export type RelayOriginField = (typeof RELAY_ORIGIN_FIELDS)[number];

const relaySchema = z.union([
  addressOrCidr.transform((address) => ({ address, origin: [...RELAY_ORIGIN_FIELDS] })),
  z.strictObject({
    address: addressOrCidr,
    /** Which origin fields of this relay's lines to trust, in order. Default: all three. */
    origin: z
      .array(z.enum(RELAY_ORIGIN_FIELDS))
      .min(1)
      .default([...RELAY_ORIGIN_FIELDS]),
  }),
]);
export type RelayConfig = z.output<typeof relaySchema>;

export const syslogSchema = z
  .strictObject({
    udp: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** `0.0.0.0` for IPv4, `::` for dual-stack IPv6. */
        host: host.default('0.0.0.0'),
        port: port.default(5514),
        /** SO_RCVBUF; absorbs stalls of the event loop. The kernel doubles and caps it (net.core.rmem_max). */
        recv_buffer_bytes: z
          .number()
          .int()
          .min(65536)
          .default(8 * 1024 * 1024),
        /**
         * Receive, filter and parse in a worker thread (off the event loop shared with rules, store, web and SSH);
         * false runs it all on the main thread.
         */
        worker: z.boolean().default(true),
      })
      .prefault({}),
    tcp: z
      .strictObject({
        enabled: z.boolean().default(false),
        host: host.default('0.0.0.0'),
        port: port.default(5514),
        max_connections: z.number().int().min(1).max(10000).default(256),
        /**
         * Connections one source address may hold open. Keeps one source (a looping or hostile
         * sender) from taking every slot of max_connections; a refused known source is reported
         * as ingest-loss, so its contexts are audited.
         */
        max_connections_per_source: z.number().int().min(1).max(10000).default(16),
        /** Close a connection that sent nothing for this long. */
        idle_timeout_ms: z
          .number()
          .int()
          .min(1000)
          .default(10 * 60 * 1000),
      })
      .prefault({}),
    /**
     * Syslog relays (rsyslog, syslog-ng) that forward ACE lines: only from these is the origin a line names (RFC 5424
     * `[origin ip=]`, HOSTNAME, device-id) believed; from anywhere else origin fields are ignored.
     */
    relays: z.array(relaySchema).default([]),
    /** Accept messages from addresses not listed in any device's or context's `sources`. */
    accept_unknown_sources: z.boolean().default(false),
    /** Longer messages are counted as oversize and dropped (UDP) or the frame skipped (TCP). */
    max_message_bytes: z.number().int().min(480).max(65535).default(8192),
    /** Store noise events too (off: noise is only counted). */
    store_noise: z.boolean().default(false),
    /** Relevant messages waiting for the pipeline; beyond it they are dropped and reported as ingest-loss. */
    queue_limit: z.number().int().min(100).default(100_000),
    /** How often the kernel's drop counter for our UDP socket is read. */
    loss_check_interval_ms: z.number().int().min(100).default(1000),
  })
  .prefault({});
