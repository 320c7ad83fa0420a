/**
 * "Add to sources": `POST /api/v1/sources` (bearer token) and the unknown-senders panel's
 * form (`POST /sources`, the token typed in the form) add an address to a device's (or a
 * context's) `sources:` in the running configuration file, then reload the whole
 * configuration (reload.ts). The file is edited with the `yaml` Document API (comments and
 * layout kept) and replaced atomically (temp file in the same folder, fsync, rename); a
 * refused reload puts the previous bytes back the same way. When acesync cannot write the
 * file (an /etc/acesync owned by root, a read-only mount) or runs on the built-in
 * configuration, the answer is 409 with the exact YAML to paste.
 *
 * The address is attacker-chosen text (it comes from a packet): it must parse as an IP
 * address; the device (and context) must be configured.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { addSourceToYaml, canonicalAddress, sourceSnippet, type SourceTarget } from '../config/add-source.js';
import { httpStatusOf, type ErrorCode } from '../core/errors.js';
import { requireToken, type TokenSource } from '../web/auth.js';
import { errorPage } from '../web/views/error-page.js';
import { sourceSnippetPage } from '../web/views/senders-panel.js';
import type { App } from './app.js';
import type { ConfigReloader, ReloadResult } from './reload.js';

export interface AddSourceRequest {
  address: string;
  device: string;
  context?: string;
}

export type AddSourceOutcome =
  | {
      status: 200;
      body: {
        added: boolean;
        address: string;
        device: string;
        context?: string;
        message: string;
        reload?: ReloadResult;
      };
    }
  | {
      status: 400 | 404 | 409 | 422;
      body: { code: ErrorCode; message: string; snippet?: string; problems?: string[] };
    };

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function fail(
  code: ErrorCode,
  message: string,
  extra: { snippet?: string; problems?: string[] } = {},
): AddSourceOutcome {
  return { status: httpStatusOf(code) as 400 | 404 | 409 | 422, body: { code, message, ...extra } };
}

/** Write `text` over `file` atomically: a temp file beside it (same mode), fsync, rename. */
function replaceFile(file: string, text: string | Buffer, mode: number): void {
  const tmp = join(dirname(file), `.${basename(file)}.acesync-${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode & 0o7777);
  try {
    writeSync(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}

/** Can acesync replace the file (write the file and create a temp file beside it)? */
function writable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    accessSync(dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface SourceAdder {
  /** One at a time: an edit, its reload and a possible restore never interleave with another request's. */
  add(req: AddSourceRequest, trigger: string): Promise<AddSourceOutcome>;
}

/** The edit-and-reload, without HTTP. `reloader` undefined: the built-in configuration. */
export function sourceAdder(app: App, reloader: ConfigReloader | undefined): SourceAdder {
  const logger = app.logger.child({ component: 'sources' });
  let chain: Promise<unknown> = Promise.resolve();
  const adder = {
    async add(req: AddSourceRequest, trigger: string): Promise<AddSourceOutcome> {
      const address = canonicalAddress(String(req.address ?? '').slice(0, 100));
      if (address === undefined) return fail('ACESYNC_BAD_REQUEST', 'address: expected an IPv4 or IPv6 address');
      const device = String(req.device ?? '');
      const context = req.context === undefined || req.context === '' ? undefined : String(req.context);
      if (!NAME.test(device) || !app.inventory.devices.has(device))
        return fail('ACESYNC_NOT_FOUND', `device: '${device.slice(0, 64)}' is not a configured device`);
      if (context !== undefined && (!NAME.test(context) || !app.inventory.hasContext(device, context)))
        return fail('ACESYNC_NOT_FOUND', `context: '${context.slice(0, 64)}' is not a configured context of ${device}`);
      const target: SourceTarget = { device, ...(context !== undefined ? { context } : {}) };
      const owner = app.inventory.lookupSource(address);
      if (owner)
        return owner.device === device && owner.context === context
          ? {
              status: 200,
              body: { added: false, address, ...target, message: `${address} is already a source of ${where(target)}` },
            }
          : fail(
              'ACESYNC_CONFLICT',
              `${address} is already a source of ${where(owner)}; remove it there first (one address, one sender)`,
            );

      const snippet = sourceSnippet(address, target);
      const file = reloader?.current.file;
      if (file === undefined)
        return fail(
          'ACESYNC_CONFIG_READONLY',
          'this service runs on the built-in configuration: there is no file to edit; start it with --config FILE',
          { snippet },
        );
      let real: string;
      let before: Buffer;
      let mode: number;
      try {
        real = realpathSync(file);
        before = readFileSync(real);
        mode = statSync(real).mode;
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'configuration file cannot be read');
        return fail('ACESYNC_CONFIG_READONLY', 'the configuration file cannot be read by acesync', { snippet });
      }
      if (!writable(real))
        return fail(
          'ACESYNC_CONFIG_READONLY',
          'acesync may not write its configuration file (or its folder); add the lines by hand and reload',
          { snippet },
        );
      const edited = addSourceToYaml(before.toString('utf8'), address, target);
      if (!edited.ok)
        return fail(edited.reason === 'not-found' ? 'ACESYNC_CONFLICT' : 'ACESYNC_CONFIG_READONLY', edited.message, {
          snippet,
        });
      try {
        if (edited.changed) replaceFile(real, edited.text, mode);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'configuration file could not be replaced');
        return fail('ACESYNC_CONFIG_READONLY', 'the configuration file could not be replaced; add the lines by hand', {
          snippet,
        });
      }
      const r = await reloader!.reload(trigger);
      if (!r.ok) {
        // Put the operator's file back exactly as it was: the running configuration never changed.
        try {
          replaceFile(real, before, mode);
        } catch (err) {
          logger.error(
            { err: (err as Error).message },
            'could not restore the configuration file after a refused reload',
          );
        }
        logger.warn({ address, ...target, problems: r.problems }, 'source not added: the reload was refused');
        return fail(
          'ACESYNC_CONFIG_REFUSED',
          'the reload refused the configuration (the file is back as it was); fix these first',
          { problems: r.problems.slice(0, 20), snippet },
        );
      }
      logger.info({ address, ...target, trigger }, 'source added to the configuration and reloaded');
      return {
        status: 200,
        body: {
          added: true,
          address,
          ...target,
          message: `added ${address} to the sources of ${where(target)}`,
          reload: r,
        },
      };
    },
  };
  return {
    add(req, trigger) {
      const next = chain.then(() => adder.add(req, trigger));
      chain = next.catch(() => undefined);
      return next;
    },
  };
}

const where = (t: { device: string; context?: string }): string =>
  t.context !== undefined ? `${t.context} on ${t.device}` : t.device;

const bodySchema = {
  type: 'object',
  required: ['address', 'device'],
  additionalProperties: false,
  properties: {
    address: { type: 'string', maxLength: 100, description: 'IPv4 or IPv6 address the device sends from' },
    device: { type: 'string', maxLength: 64 },
    context: { type: 'string', maxLength: 64, description: "a context of the device; absent: the device's sources" },
  },
} as const;

export interface SourceRoutesOptions {
  /** undefined: the service runs on the built-in configuration (answers carry the snippet). */
  reloader: ConfigReloader | undefined;
  /** http.token_env and where it is read from, as the web server reads them. */
  tokenEnv: string;
  env?: NodeJS.ProcessEnv;
}

/** The API route and the page form's route, on the app's web server (before it listens). */
export function sourceRoutes(app: App, o: SourceRoutesOptions): void {
  const web = app.web;
  if (!web) return;
  const adder = sourceAdder(app, o.reloader);
  const tokens: TokenSource = { tokenEnv: o.tokenEnv, env: o.env ?? process.env };
  web.post<{ Body: AddSourceRequest }>(
    '/api/v1/sources',
    {
      config: { mutation: true },
      schema: {
        summary: "Add an address to a device's (or context's) sources in the configuration file, then reload it",
        description:
          'Edits the running configuration file (comments kept, atomic replace) and reloads it; a refused reload ' +
          'restores the file (422). 409 ACESYNC_CONFIG_READONLY with `snippet` (the YAML to paste) when acesync ' +
          'cannot write the file or runs on the built-in configuration.',
        tags: ['actions'],
        body: bodySchema,
      },
    },
    async (req, reply) => {
      const out = await adder.add(req.body, 'api: add source');
      return reply.code(out.status).send(out.body);
    },
  );
  web.post<{ Body: Record<string, string | undefined> | undefined }>('/sources', async (req, reply) => {
    const body = req.body && typeof req.body === 'object' ? req.body : {};
    requireToken(tokens, typeof body.token === 'string' ? body.token : undefined, 'form');
    const out = await adder.add(
      { address: body.address ?? '', device: body.device ?? '', ...(body.context ? { context: body.context } : {}) },
      'page: add source',
    );
    if (out.status === 200)
      return reply.redirect(`/?done=source-added&address=${encodeURIComponent(out.body.address)}`, 303);
    return sendPage(reply, out);
  });
}

function sendPage(reply: FastifyReply, out: Exclude<AddSourceOutcome, { status: 200 }>): FastifyReply {
  const html =
    out.body.code === 'ACESYNC_CONFIG_READONLY' && out.body.snippet
      ? sourceSnippetPage(out.body.message, out.body.snippet)
      : errorPage(out.status, {
          code: out.body.code,
          message: [out.body.message, ...(out.body.problems ?? []).slice(0, 5)].join(' — '),
        });
  return reply.code(out.status).type('text/html; charset=utf-8').send(html.value);
}
