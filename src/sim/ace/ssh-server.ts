/**
 * The SSH front end of one simulated device (ssh2 Server): password, keyboard-interactive
 * and public-key login; an interactive shell with a pty (echo, CRLF, prompt) and exec
 * requests; optionally only the legacy algorithms old ACE software offers.
 */
import ssh2 from 'ssh2';
import type { Connection, ServerChannel, ServerConfig, ParsedKey } from 'ssh2';
import { createHash, timingSafeEqual } from 'node:crypto';
import { CliSession } from './cli.js';
import type { SimDevice, SimUser } from './device.js';

const { Server, utils } = ssh2;

/** What old ACE software offers (and nothing else, when `legacyOnly`). */
export const LEGACY_SERVER_ALGORITHMS = {
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'],
  cipher: ['aes128-cbc', '3des-cbc'],
  hmac: ['hmac-sha1'],
  serverHostKey: ['ssh-rsa'],
};

export interface SimSshOptions {
  host: string;
  port: number;
  /** Private host key, PEM/OpenSSH. */
  hostKey: string;
  legacyOnly: boolean;
}

/** `SHA256:<base64>` fingerprint of a private key's public half (ssh-keygen -lf form). */
export function fingerprintOfPrivateKey(pem: string): string {
  const k = utils.parseKey(pem);
  const key = Array.isArray(k) ? k[0] : k;
  if (!key || key instanceof Error) throw new Error(`bad host key: ${key instanceof Error ? key.message : 'none'}`);
  return 'SHA256:' + createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '');
}

/**
 * A fresh key pair (OpenSSH format) that ssh2 can parse back. ssh2 1.17's Ed25519 generator
 * now and then (about 1 in 500) drops a leading zero byte of the public key and writes a
 * key its own parser rejects as malformed; such keys are thrown away and made again.
 */
export function generateKeyPair(type: 'ed25519' | 'rsa'): { private: string; public: string } {
  for (let i = 0; ; i++) {
    const kp = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048 }) : utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(kp.private) instanceof Error) && !(utils.parseKey(kp.public) instanceof Error)) return kp;
    if (i >= 20) throw new Error(`could not generate a valid ${type} key`);
  }
}

/** A fresh host key: RSA for legacy servers (ssh-rsa is all old clients know), else Ed25519. */
export function generateHostKey(legacy: boolean): string {
  return generateKeyPair(legacy ? 'rsa' : 'ed25519').private;
}

function equalSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parsedKeys(user: SimUser): ParsedKey[] {
  const out: ParsedKey[] = [];
  for (const line of user.authorizedKeys) {
    const k = utils.parseKey(line.trim());
    const key = Array.isArray(k) ? k[0] : k;
    if (key && !(key instanceof Error)) out.push(key);
  }
  return out;
}

/** Logged-in connections right now and at most, shared by the servers of one simulator. */
export interface SessionTracker {
  active: number;
  peak: number;
}

export class SimSshServer {
  readonly device: SimDevice;
  readonly opts: SimSshOptions;
  readonly tracker: SessionTracker;
  readonly hostKeySha256: string;
  /** Logins that succeeded (the benchmark counts sessions with it). */
  sessionsOpened = 0;
  /** Logins that failed authentication. */
  authFailures = 0;
  port = 0;
  readonly #clients = new Set<Connection>();
  #server: InstanceType<typeof Server> | undefined;

  constructor(device: SimDevice, opts: SimSshOptions, tracker: SessionTracker = { active: 0, peak: 0 }) {
    this.device = device;
    this.opts = opts;
    this.tracker = tracker;
    this.hostKeySha256 = fingerprintOfPrivateKey(opts.hostKey);
  }

  /** Start listening (again, on the same port after `close`). Returns the port. */
  async listen(): Promise<number> {
    if (this.#server) return this.port;
    const cfg: ServerConfig = { hostKeys: [this.opts.hostKey], ident: 'SSH-2.0-Cisco-1.25' };
    if (this.opts.legacyOnly) cfg.algorithms = LEGACY_SERVER_ALGORITHMS as ServerConfig['algorithms'];
    const server = new Server(cfg, (client) => this.#onClient(client));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port || this.opts.port, this.opts.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    return this.port;
  }

  /** Stop listening and drop every connection (power loss, or the end of a test). */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const c of this.#clients) c.end();
    this.#clients.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #onClient(client: Connection): void {
    this.#clients.add(client);
    // Interactive request/response traffic: do not let Nagle hold back prompts.
    (client as Connection & { setNoDelay(v: boolean): void }).setNoDelay(true);
    client.on('error', () => undefined);
    client.on('close', () => this.#clients.delete(client));
    let user: SimUser | undefined;
    client.on('authentication', (ctx) => {
      const u = this.device.users.find((x) => x.username === ctx.username);
      const methods: Array<'password' | 'keyboard-interactive' | 'publickey'> = [
        'password',
        'keyboard-interactive',
        'publickey',
      ];
      const fail = (): void => {
        this.authFailures++;
        ctx.reject(methods);
      };
      const ok = (): void => {
        user = u;
        ctx.accept();
      };
      switch (ctx.method) {
        case 'password':
          return u?.password !== undefined && equalSecret(ctx.password, u.password) ? ok() : fail();
        case 'keyboard-interactive':
          return ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) =>
            u?.password !== undefined && answers.length === 1 && equalSecret(answers[0] ?? '', u.password)
              ? ok()
              : fail(),
          );
        case 'publickey': {
          const key = u
            ? parsedKeys(u).find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data))
            : undefined;
          if (!key) return fail();
          if (!ctx.signature) return ctx.accept(); // the client asks whether this key would do
          return key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ok() : fail();
        }
        default:
          return ctx.reject(methods);
      }
    });
    client.on('ready', () => {
      this.sessionsOpened++;
      const t = this.tracker;
      t.active++;
      t.peak = Math.max(t.peak, t.active);
      client.once('close', () => t.active--);
      client.on('session', (accept) => {
        const session = accept();
        let pty = false;
        session.on('pty', (acc) => {
          pty = true;
          acc?.();
        });
        session.on('window-change', (acc) => acc?.());
        session.on('env', (acc) => acc?.());
        session.on('shell', (acc) => {
          const stream = acc();
          if (user) this.#shell(stream, user, pty);
        });
        session.on('exec', (acc, _rej, info) => {
          const stream = acc();
          if (user) this.#exec(stream, user, info.command);
        });
      });
    });
  }

  #shell(stream: ServerChannel, user: SimUser, pty: boolean): void {
    const cli = new CliSession(this.device, user, {
      onExit: () => {
        stream.exit(0);
        stream.end();
      },
    });
    const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');
    stream.write(cli.prompt());
    let line = '';
    let lastCr = false;
    stream.on('data', (chunk: Buffer) => {
      let echo = '';
      let out = '';
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\n' && lastCr) {
          lastCr = false;
          continue;
        }
        lastCr = ch === '\r';
        if (ch === '\r' || ch === '\n') {
          if (pty) echo += '\r\n';
          out += echo;
          echo = '';
          out += crlf(cli.line(line));
          line = '';
          if (cli.closed) break;
          out += cli.prompt();
        } else if (ch === '\u007f' || ch === '\b') {
          if (line.length > 0) {
            line = line.slice(0, -1);
            if (pty) echo += '\b \b';
          }
        } else if (ch === '\u0003') {
          line = '';
          if (pty) echo += '^C\r\n' + cli.prompt();
        } else if (line.length < 4096) {
          line += ch;
          if (pty) echo += ch;
        }
      }
      if (out + echo !== '' && stream.writable) stream.write(out + echo);
    });
  }

  #exec(stream: ServerChannel, user: SimUser, command: string): void {
    const cli = new CliSession(this.device, user);
    let out = '';
    for (const l of command.split(/[\r\n;]+/)) if (l.trim() !== '') out += cli.line(l);
    stream.write(out);
    stream.exit(0);
    stream.end();
  }
}
