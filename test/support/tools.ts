import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from build/test/support/ where this file runs. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(REPO_ROOT, 'bin', 'debforge.js');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit (tests assert on it). */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

/** Runs and throws with the output when the command fails: for steps that must succeed. */
export function must(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export function debforge(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  return run(process.execPath, [CLI, ...args], options);
}

export async function tempDir(prefix = 'debforge-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * The profiles whose releases are not merged-/usr: Ubuntu 20.04 focal (noetic) and 22.04 jammy
 * (humble). Packages for them install system units in /lib/systemd/system, where those releases'
 * debhelper puts units and their lintian wants them. Debian 13's lintian judges every package as
 * for a merged-/usr system and reports such a path, and each folder above it, as
 * `aliased-location`: for a package of one of these profiles, and only for /lib/systemd/system
 * and the folders that lead there, that finding says nothing about the package. On any other
 * profile, or for any other path, it stays a finding.
 */
const SPLIT_USR_PROFILES: ReadonlySet<string> = new Set(['noetic', 'humble']);
const UNIT_FOLDER_ALIASED = /^[EW]: \S+: aliased-location \[lib\/(?:systemd\/(?:system\/[^/\]]*)?)?\]$/;

/**
 * Lintian's lines judged per target: `profileOf` names the profile a package (by its name, as
 * lintian prints it) was built for.
 */
export function judgedPerTarget(lines: readonly string[], profileOf: (packageName: string) => string): string[] {
  return lines.filter((line) => {
    if (!UNIT_FOLDER_ALIASED.test(line)) return true;
    const name = /^[EW]: (\S+): /.exec(line)![1]!;
    return !SPLIT_USR_PROFILES.has(profileOf(name));
  });
}

/** Lintian's E: and W: lines for a package built for `profile` (I:, N: and the root notice are not findings). */
export function lintianFindings(deb: string, profile: string): string[] {
  const result = run('lintian', ['--allow-root', '--pedantic', deb]);
  if (result.code !== 0 && result.code !== 1 && result.code !== 2) throw new Error(`lintian failed: ${result.stderr}`);
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^[EW]: /.test(line));
  return judgedPerTarget(lines, () => profile);
}

/** A scratch dpkg database so `dpkg --root` can unpack without touching the machine. */
export async function scratchRoot(): Promise<string> {
  const root = await tempDir('debforge-root-');
  await fs.mkdir(path.join(root, 'var/lib/dpkg/info'), { recursive: true });
  await fs.mkdir(path.join(root, 'var/lib/dpkg/updates'), { recursive: true });
  await fs.writeFile(path.join(root, 'var/lib/dpkg/status'), '');
  return root;
}

export function dpkgUnpack(root: string, deb: string): Run {
  // Maintainer scripts run outside the (empty) scratch root with DPKG_ROOT set, as for a bootstrap.
  return run('dpkg', ['--root', root, '--force-not-root', '--force-depends', '--force-script-chrootless', '--log=/dev/null', '--unpack', deb]);
}

export async function copyTree(from: string, to: string): Promise<void> {
  await fs.cp(from, to, { recursive: true, verbatimSymlinks: true });
}
