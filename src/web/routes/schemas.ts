/**
 * JSON schemas of the API: fastify validates requests and serialises responses with them,
 * and the OpenAPI document is generated from them. Times are milliseconds since the epoch.
 */
import { INTERNAL_KINDS, SYNC_STATES, WIRE_KINDS } from '../../core/events.js';
import { JOB_STATES } from '../../store/job-queue.js';
import { errorSchema } from '../http-errors.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const ms = { type: 'integer', description: 'milliseconds since the epoch' } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

export const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
export const limit = { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'items per page' } as const;
export const cursor = { type: 'integer', minimum: 1, description: 'nextCursor of the previous page' } as const;

export const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  503: errorSchema,
} as const;

export const contextParams = {
  type: 'object',
  required: ['device', 'context'],
  properties: { device: name, context: name },
  additionalProperties: false,
} as const;
export const deviceParams = {
  type: 'object',
  required: ['device'],
  properties: { device: name },
  additionalProperties: false,
} as const;

export const contextItem = {
  type: 'object',
  required: ['device', 'context', 'sync', 'label', 'since', 'configured', 'reason'],
  properties: {
    device: str,
    context: str,
    sync: { type: 'string', enum: [...SYNC_STATES] },
    label: { type: 'string', description: 'the state as the page words it' },
    since: ms,
    configured: { type: 'boolean' },
    ftGroup: int,
    reason: { type: 'string', description: 'the newest reason (one line)' },
    lastAuditAt: ms,
    lastAuditOutcome: str,
    lastAuditHash: str,
    lastUploadAt: ms,
    lastUploadOutcome: str,
    anmHash: str,
  },
} as const;

export const reasonItem = {
  type: 'object',
  properties: { at: ms, eventId: int, rule: str, from: { type: ['string', 'null'] }, to: str, text: str },
} as const;

export const versionItem = {
  type: 'object',
  properties: {
    hash: str,
    firstSeen: ms,
    lastSeen: ms,
    seenCount: int,
    isAnm: { type: 'boolean' },
    textStored: { type: 'boolean' },
  },
} as const;

export const jobItem = {
  type: 'object',
  required: ['id', 'type', 'device', 'context', 'state'],
  properties: {
    id: int,
    type: str,
    device: str,
    context: str,
    dedupe: str,
    state: { type: 'string', enum: [...JOB_STATES] },
    priority: int,
    attempts: int,
    maxAttempts: int,
    requests: int,
    nextRunAt: ms,
    createdAt: ms,
    updatedAt: ms,
    startedAt: ms,
    finishedAt: ms,
    lastError: str,
    payload: anyObject,
    result: {},
  },
} as const;

export const contextDetail = {
  type: 'object',
  properties: {
    ...contextItem.properties,
    reasons: { type: 'array', items: reasonItem },
    role: { type: 'string', description: 'HA State of the FT group on this device' },
    peer: { type: 'object', properties: { device: str, sync: str } },
    versions: { type: 'array', items: versionItem },
    jobs: { type: 'array', items: jobItem },
    explanation: {
      type: 'array',
      items: anyObject,
      description: 'event -> rule -> decision -> action -> result, newest first',
    },
  },
} as const;

export const roleItem = { type: 'object', properties: { group: int, role: str, since: ms } } as const;

export const deviceItem = {
  type: 'object',
  required: ['name', 'configured'],
  properties: {
    name: str,
    host: str,
    peer: str,
    pair: str,
    configured: { type: 'boolean' },
    contexts: int,
    roles: { type: 'array', items: roleItem },
    lastSuccessfulAuditAt: ms,
    auditOverdue: { type: 'boolean' },
    loggingDrift: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          context: str,
          missing: { type: 'array', items: str },
          harmful: { type: 'array', items: str },
          at: ms,
        },
      },
    },
    pollCadence: { type: 'object', properties: { mode: str, until: ms, reason: str } },
  },
} as const;

export const pairItem = {
  type: 'object',
  properties: {
    id: str,
    devices: { type: 'array', items: str },
    groups: { type: 'array', items: { type: 'object', properties: { group: int, roles: stringMap, autosync: str } } },
  },
} as const;

export const EVENT_KINDS = [...WIRE_KINDS, ...INTERNAL_KINDS];

export const eventItem = {
  type: 'object',
  properties: {
    id: int,
    receivedAt: ms,
    kind: str,
    msgId: str,
    device: str,
    context: str,
    summary: str,
    event: anyObject,
  },
} as const;

export const alertItem = {
  type: 'object',
  properties: {
    id: int,
    fingerprint: str,
    alertname: str,
    severity: str,
    status: { type: 'string', enum: ['firing', 'resolved'] },
    device: str,
    context: str,
    labels: stringMap,
    annotations: stringMap,
    startsAt: ms,
    endsAt: ms,
    lastFiredAt: ms,
    fireCount: int,
    resolvedReason: str,
  },
} as const;

export const deliveryItem = {
  type: 'object',
  properties: {
    id: int,
    webhook: str,
    groupKey: str,
    status: str,
    alertStatus: str,
    alertCount: int,
    attempts: int,
    maxAttempts: int,
    nextAttemptAt: ms,
    lastError: str,
    lastHttpStatus: int,
    createdAt: ms,
    sentAt: ms,
  },
} as const;

export const ruleItem = {
  type: 'object',
  properties: {
    name: str,
    description: str,
    file: str,
    line: int,
    priority: int,
    on: { type: 'array', items: str },
    actions: { type: 'array', items: str },
    throttle: { type: 'object', properties: { onceWithinMs: int, groupBy: { type: 'array', items: str } } },
  },
} as const;

export function pageOf(item: object): object {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      items: { type: 'array', items: item },
      nextCursor: { type: 'integer', description: 'pass as cursor for the next page; absent at the end' },
    },
  };
}

export const actionBody = {
  type: ['object', 'null'],
  properties: { note: { type: 'string', maxLength: 200, description: 'why (recorded with the operator event)' } },
  additionalProperties: false,
} as const;

export const actionResult = {
  type: 'object',
  required: ['jobs', 'message'],
  properties: {
    eventId: int,
    jobs: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: int, type: str, device: str, context: str, merged: { type: 'boolean' } },
      },
    },
    message: str,
  },
} as const;

const nameStr = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const adoptBody = {
  type: 'object',
  required: ['reason'],
  properties: {
    all: { type: 'boolean', description: 'every context of every device' },
    devices: { type: 'array', items: nameStr, maxItems: 100, description: 'these devices (a pair is two)' },
    context: { ...nameStr, description: 'only this context (of the selected devices, or of every device)' },
    reason: { type: 'string', minLength: 1, maxLength: 300, description: 'why (recorded with each decision)' },
    by: { type: 'string', maxLength: 100, description: 'who, as the token holder says (recorded with each decision)' },
  },
  additionalProperties: false,
} as const;

export const adoptResult = {
  type: 'object',
  required: ['adopted', 'message'],
  properties: {
    adopted: {
      type: 'array',
      items: {
        type: 'object',
        properties: { device: str, context: str, hash: str, from: str, eventId: int },
      },
    },
    message: str,
  },
} as const;
