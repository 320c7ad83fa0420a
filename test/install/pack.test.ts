/**
 * The production install path: `npm pack` (dist/ built at prepack) and the tarball installed
 * into a temporary prefix without dev dependencies, then `acesync --version` and
 * `acesync config check samples/acesync.yaml` run from the installed copy (no checkout, no
 * TypeScript). Native modules are not compiled here (--ignore-scripts): neither command opens
 * the database; the README's install section gives the --allow-scripts line a server needs.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'acesync-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack + npm install --omit=dev', () => {
  it('installs a working acesync command with its rules, samples and LICENSE', { timeout: 600_000 }, () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    // Packed from a copy of the tree: prepack rebuilds dist/ (rm -rf dist first), which in the checkout itself
    // would pull dist/ from under the other test files that run the built CLI at the same time.
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE', 'README.md'])
      cpSync(join(ROOT, f), join(tree, f));
    for (const d of ['src', 'rules', 'samples', 'scripts']) cpSync(join(ROOT, d), join(tree, d), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: tree, stdio: 'pipe' });
    const tgz = join(dir, `acesync-${version}.tgz`);
    expect(existsSync(tgz)).toBe(true);
    const files = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/dist/cli.js');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/rules/config-change.yaml');
    expect(files).toContain('package/samples/acesync.yaml');
    expect(files).toContain('package/samples/acesync.service');
    expect(files.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toBe(false);

    const prefix = join(dir, 'prefix');
    execFileSync(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--omit=dev',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tgz,
      ],
      { stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    const pkg = join(prefix, 'lib', 'node_modules', 'acesync');
    const installed = readdirSync(join(pkg, 'node_modules'));
    for (const dev of ['typescript', 'vitest', 'eslint', 'tsx', 'playwright-core'])
      expect(installed).not.toContain(dev);
    expect(installed).toContain('better-sqlite3');

    const bin = join(prefix, 'bin', 'acesync');
    // A clean environment: no secrets, run from a folder that is not the checkout.
    const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: dir };
    expect(execFileSync(bin, ['--version'], { cwd: dir, env, encoding: 'utf8' })).toBe(`acesync ${version}\n`);
    const check = execFileSync(bin, ['config', 'check', join(pkg, 'samples', 'acesync.yaml')], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(check).toMatch(/acesync\.yaml: OK: 2 devices, 6 contexts, \d+ rules/);
    // The sample names no rules folder: the packaged rules are used.
    expect(check).toContain('rules (prefix/lib/node_modules/acesync/rules)');
    expect(check).toMatch(/anm\.password_env +environment variable ANM_PASSWORD: UNSET/);
  });
});

describe('samples/acesync.service', () => {
  it('is hardened: systemd-analyze security rates it below 2.5 (it was 6.2)', () => {
    let out: string;
    try {
      out = execFileSync('systemd-analyze', ['security', '--offline=true', join(ROOT, 'samples/acesync.service')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        if (process.env.CI === 'true') throw new Error('systemd-analyze (package systemd) is required in CI');
        return;
      }
      out = String((err as { stdout?: string }).stdout ?? '');
    }
    const score = Number(/Overall exposure level for acesync\.service: ([\d.]+)/.exec(out)?.[1]);
    expect(score).toBeLessThan(2.5);
    const verify = execFileSync('systemd-analyze', ['verify', join(ROOT, 'samples/acesync.service')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(verify).toBe('');
  });
});
