/**
 * `anm:` — the ANM server acesync talks to, and how it triggers a "CLI > ANM" upload.
 * ANM's SOAP API has no sync operation (see docs/anm.md), so the upload is a strategy
 * each installation chooses: `http` (replay ANM's own GUI request), `command` (an
 * operator's script) or `manual` (an alert with the steps, acknowledged by a person).
 */
import { z } from 'zod';
import { envName, ms } from './common.js';

/** Variables a template may use, per template. The password is only ever allowed in the login. */
export const REQUEST_TEMPLATE_VARS = ['device', 'context', 'address', 'peer', 'job_id', 'username', 'anm_url'] as const;
export const LOGIN_TEMPLATE_VARS = ['username', 'password'] as const;
export const COMMAND_TEMPLATE_VARS = ['device', 'context', 'address', 'peer', 'job_id', 'anm_url'] as const;

const TEMPLATE_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Names used in `{{...}}` placeholders of a string. */
export function templateVars(s: string): string[] {
  return [...s.matchAll(TEMPLATE_RE)].map((m) => m[1]!);
}

function templated(allowed: readonly string[], minLength = 0) {
  return z
    .string()
    .min(minLength)
    .superRefine((s, ctx) => {
      for (const v of templateVars(s))
        if (!allowed.includes(v))
          ctx.addIssue({
            code: 'custom',
            message: `unknown template variable {{${v}}}; allowed here: ${allowed.map((a) => `{{${a}}}`).join(', ')}`,
          });
    });
}

const regexString = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    try {
      new RegExp(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(e as Error).message}` });
    }
  });

const FORBIDDEN_HEADERS = new Set(['cookie', 'host', 'content-length', 'transfer-encoding', 'connection']);
/** Extra request headers; checked on the record so the message names the header. */
const headers = (allowed: readonly string[]) =>
  z.record(z.string(), templated(allowed)).superRefine((h, ctx) => {
    for (const name of Object.keys(h)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: `'${name}' is not a valid HTTP header name` });
      else if (FORBIDDEN_HEADERS.has(name.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: [name], message: `acesync sets the ${name} header itself` });
    }
  });

const path = (allowed: readonly string[]) =>
  templated(allowed).refine((p) => p.startsWith('/'), 'expected a path starting with /');

/**
 * The `http` strategy. Defaults match the ANM simulator (src/sim/anm); capture your ANM's real request
 * (samples/anm/README.md).
 */
export const httpStrategySchema = z.strictObject({
  type: z.literal('http'),
  /** Form login whose session cookie is kept and re-used. */
  login: z
    .strictObject({
      enabled: z.boolean().default(true),
      method: z.enum(['POST', 'GET']).default('POST'),
      path: path(LOGIN_TEMPLATE_VARS).default('/anm/j_security_check'),
      fields: z
        .record(z.string().min(1), templated(LOGIN_TEMPLATE_VARS))
        .default({ j_username: '{{username}}', j_password: '{{password}}' }),
      /** A 3xx whose Location matches this is "go to the login page": session expired or login refused. */
      login_location_regex: regexString.default('login|j_security_check'),
      /** A 200 whose body matches this is the login page (some apps answer 200 instead of redirecting). */
      login_page_regex: regexString.optional(),
    })
    .prefault({}),
  /** The request ANM's "CLI > ANM Sync" button makes. */
  request: z
    .strictObject({
      method: z.enum(['POST', 'GET', 'PUT']).default('POST'),
      path: path(REQUEST_TEMPLATE_VARS).default('/anm/virtualContext/syncCliToAnm.do'),
      /** Query string parameters (templated, URL-encoded). */
      query: z.record(z.string().min(1), templated(REQUEST_TEMPLATE_VARS)).default({}),
      /** Form fields (templated, sent as application/x-www-form-urlencoded). */
      fields: z.record(z.string().min(1), templated(REQUEST_TEMPLATE_VARS)).default({
        deviceName: '{{device}}',
        deviceIp: '{{address}}',
        contextName: '{{context}}',
        direction: 'CLI_TO_ANM',
      }),
      headers: headers(REQUEST_TEMPLATE_VARS).default({}),
      /** How `fields` are sent in a POST/PUT body: a form (default) or one flat JSON object of strings. */
      body_format: z.enum(['form', 'json']).default('form'),
    })
    .prefault({}),
  /** What a successful sync looks like. Both must hold. */
  success: z
    .strictObject({
      status: z.array(z.number().int().min(100).max(599)).min(1).default([200]),
      body_regex: regexString.default('"result"\\s*:\\s*"success"'),
    })
    .prefault({}),
  /** Deadline of the whole upload (login + sync); ANM's sync fetches the config over SSH. */
  timeout_ms: ms.min(100).default(120_000),
});

export const commandStrategySchema = z.strictObject({
  type: z.literal('command'),
  /** Program and arguments, no shell. Arguments may use {{device}}, {{context}}, ... The job is JSON on stdin. */
  argv: z.array(templated(COMMAND_TEMPLATE_VARS, 1)).min(1),
  cwd: z.string().min(1).optional(),
  timeout_ms: ms.min(100).default(120_000),
  /** After the timeout: SIGTERM, then SIGKILL this much later. */
  kill_grace_ms: ms.default(5_000),
  /** Exit codes meaning "temporary, try again later" (75 = EX_TEMPFAIL). Others are final failures. */
  retryable_exit_codes: z.array(z.number().int().min(1).max(255)).default([75]),
  /** Environment variables passed through to the script (values are redacted from its captured output). */
  pass_env: z.array(envName).default([]),
  /** Pass the ANM password (from anm.password_env) to the script as ANM_PASSWORD. */
  pass_anm_password: z.boolean().default(false),
  /** Bytes of stdout/stderr kept (the tail); the rest is discarded. */
  max_output_bytes: z
    .number()
    .int()
    .min(256)
    .max(1024 * 1024)
    .default(16 * 1024),
});

export const manualStrategySchema = z.strictObject({
  type: z.literal('manual'),
  /** The GUI action's label on your ANM (verify it on the live ANM; the docs we found do not confirm it). */
  sync_label: z.string().min(1).max(100).default('CLI > ANM Sync'),
  /** A line added to every alert (runbook link, team to call). */
  note: z.string().max(1000).optional(),
  /** Link to the operator's runbook: the procedure alert's `runbook_url` annotation and the page. */
  runbook_url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
});

export const strategySchema = z.discriminatedUnion('type', [
  httpStrategySchema,
  commandStrategySchema,
  manualStrategySchema,
]);

export const anmSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Base URL of ANM (the VIP when ANM runs in HA), e.g. https://anm.example:8443. */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://anm.example:8443' }).optional(),
    username: z.string().min(1).max(128).optional(),
    /** Environment variable holding the ANM password. */
    password_env: envName.optional(),
    /** PEM file of the CA that signed ANM's certificate (relative to the config file). */
    ca_file: z.string().min(1).optional(),
    /** Accept any TLS certificate from ANM. Must be said explicitly; never the default. */
    insecure: z.boolean().default(false),
    /** Deadline of one HTTP request to ANM. */
    timeout_ms: ms.min(100).default(30_000),
    /** Path of the SOAP OperationManager endpoint. */
    soap_path: z.string().regex(/^\//, 'expected a path starting with /').default('/anm/OperationManager'),
    /** Compare ANM's inventory with the configured contexts at start and then this often (contexts ANM lacks alert). */
    reconcile_interval_ms: ms.min(1000).default(60 * 60_000),
    /** ANM's own accounts on the ACEs (informational: changes made by these users are ANM's). */
    users: z.array(z.string().min(1).max(64)).default([]),
    breaker: z
      .strictObject({
        /** Consecutive failures (timeouts, refused, 5xx) that open the breaker. */
        failure_threshold: z.number().int().min(1).max(1000).default(5),
        /** How long it stays open before one probe is let through. */
        reset_ms: ms.min(100).default(30_000),
      })
      .prefault({}),
    strategy: strategySchema.prefault({ type: 'manual' }),
  })
  .superRefine((a, ctx) => {
    if (a.ca_file !== undefined && a.insecure)
      ctx.addIssue({
        code: 'custom',
        path: ['insecure'],
        message: 'choose one: ca_file (verify ANM against this CA) or insecure: true (accept any certificate)',
      });
    if ((a.ca_file !== undefined || a.insecure) && a.url !== undefined && !a.url.startsWith('https:'))
      ctx.addIssue({
        code: 'custom',
        path: [a.ca_file !== undefined ? 'ca_file' : 'insecure'],
        message: 'ca_file/insecure apply to https URLs only',
      });
    if (!a.enabled) return;
    // The http strategy logs in to ANM; so does the SOAP client whenever a username is given.
    const needsServer = a.strategy.type === 'http';
    if (needsServer && a.url === undefined)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'the http strategy needs anm.url' });
    if (needsServer && a.username === undefined)
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'anm.username is required to log in to ANM' });
    if ((needsServer || a.username !== undefined) && a.password_env === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['password_env'],
        message: 'anm.password_env is required (the name of the environment variable holding the ANM password)',
      });
    if (a.strategy.type === 'command' && a.strategy.pass_anm_password && a.password_env === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['strategy', 'pass_anm_password'],
        message: 'pass_anm_password needs anm.password_env',
      });
  })
  .prefault({});

export type AnmConfig = z.output<typeof anmSchema>;
export type StrategyConfig = AnmConfig['strategy'];
export type HttpStrategyConfig = z.output<typeof httpStrategySchema>;
export type CommandStrategyConfig = z.output<typeof commandStrategySchema>;
export type ManualStrategyConfig = z.output<typeof manualStrategySchema>;

/**
 * What is weak about the way acesync talks to ANM, one sentence each (empty: verified
 * TLS, or ANM not used). Warned at every start, shown on /readyz and as
 * acesync_anm_insecure: the ANM password travels on this connection.
 */
export function anmTransportWarnings(a: AnmConfig): string[] {
  if (!a.enabled || a.url === undefined) return [];
  const out: string[] = [];
  if (a.url.startsWith('http:'))
    out.push('anm.url is http://: the ANM password and configurations travel unencrypted; use https');
  if (a.insecure)
    out.push("anm.insecure is true: ANM's TLS certificate is not verified; set anm.ca_file to ANM's CA instead");
  return out;
}
