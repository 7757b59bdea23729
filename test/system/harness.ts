/**
 * System-test harness: real Debian 12 machines (systemd as PID 1, Debian's ROS 1) in
 * systemd-nspawn containers, so tests check what packages *do* under a live systemd, not only
 * what they contain.
 *
 * Needs root, debootstrap and systemd-container on the host. Works on a host whose PID 1 is not
 * systemd (hence `--register=no --keep-unit`).
 *
 * Lifecycle in one picture:
 *   ensureRootfs()   debootstrap once per release (Debian 12 by default, or 13), cached on disk,
 *                    keyed by the release's rootfsVersion
 *   Machine.boot()   overlay (cached rootfs read-only below, fresh writable layer above) + nspawn -b
 *   m.exec()/sh()    nsenter into the container's namespaces, always under a timeout
 *   m.poweroff()     clean shutdown, unmount, remove temporary directories
 *   withOverlay() + chrootSh()   the same root filesystem without systemd running (image builds)
 *
 * Every mount and container is tracked; a process exit or SIGINT/SIGTERM tears down whatever a
 * failed test left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface ExecOptions {
  /** Written to the command's standard input (otherwise stdin is empty). */
  input?: string;
  /** Hard bound on the command; default 120 s. On expiry the command is killed and code is 124. */
  timeoutSec?: number;
  /** Run as this user inside the container (via runuser) instead of root. */
  user?: string;
}

/**
 * Bump whenever the recipe in buildRootfs changes: the cache directory is keyed by it, so an old
 * cache is never mistaken for the new one.
 */
const ROOTFS_VERSION = 'bookworm-ros-1';

/** Debian suite the test machines run unless a test asks for another release. */
const SUITE = 'bookworm';

/** Packages debootstrap puts in (the minimum for systemd to boot as PID 1 and to fetch over https). */
const DEBOOTSTRAP_INCLUDE = ['systemd', 'systemd-sysv', 'dbus', 'ca-certificates'];

/**
 * Installed afterwards with apt inside the chroot:
 * - ros-core, python3: a real roscore/rosmaster/roslaunch (Debian ships ROS 1 under /usr);
 * - gnupg: apt needs gpgv to verify a signed repository, tests need gpg to make keys;
 * - apt-utils: apt-ftparchive for building test repositories inside the machine;
 * - init-system-helpers: deb-systemd-helper/-invoke used by maintainer scripts;
 * - dbus-user-session, systemd-container: a user bus for lingering user managers, and machinectl;
 * - procps, iproute2: ps/pgrep/ss for tests that inspect processes and ports.
 * libpam-systemd comes with dbus-user-session and makes logind register user sessions.
 */
const EXTRA_PACKAGES = [
  'ros-core',
  'python3',
  'gnupg',
  'apt-utils',
  'init-system-helpers',
  'dbus-user-session',
  'libpam-systemd',
  'systemd-container',
  'procps',
  'iproute2',
];

/**
 * A Debian release the test machines can run: its own debootstrap suite, package list and cache
 * entry. Each release's cache key changes whenever its recipe does; releases never share an entry.
 */
export interface Release {
  /** debootstrap suite (also the codename in the machine's apt sources). */
  suite: string;
  /** Cache key of the root filesystem; bump it whenever suite or packages change. */
  rootfsVersion: string;
  /** Installed with apt after debootstrap (see EXTRA_PACKAGES for why each is there). */
  packages: readonly string[];
  /** debootstrap's --include (default: what systemd needs to boot as PID 1); [] for its minimal system. */
  include?: readonly string[];
}

/** Debian 12: systemd 252, init-system-helpers 1.65 (no `deb-systemd-invoke --user`). */
export const BOOKWORM: Release = { suite: SUITE, rootfsVersion: ROOTFS_VERSION, packages: EXTRA_PACKAGES };

/**
 * Debian 13: systemd 257, init-system-helpers 1.69 (`deb-systemd-invoke --user`), Debian's ROS 1,
 * and fastdds-tools 3.x (the Fast DDS series of Kilted and later).
 */
export const TRIXIE: Release = {
  suite: 'trixie',
  rootfsVersion: 'trixie-ros-fastdds-1',
  packages: [...EXTRA_PACKAGES, 'fastdds-tools'],
};

/** Hostname baked into the cached rootfs; each booted machine gets its own name instead. */
const ROOTFS_HOSTNAME = 'debforge-testbed';

const DEFAULT_EXEC_TIMEOUT_SEC = 120;
const BOOT_TIMEOUT_MS = 120_000;
const POWEROFF_TIMEOUT_MS = 60_000;

/**
 * PATH for host commands: node may run with a PATH that lacks the sbin directories, where
 * debootstrap, chroot and mount live.
 */
const HOST_PATH = [
  ...(process.env.PATH ?? '').split(':').filter((p) => p !== ''),
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
].filter((p, i, all) => all.indexOf(p) === i).join(':');

/** Environment of every command run inside a machine or chroot: nothing leaks in from the host. */
const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const GUEST_ENV: NodeJS.ProcessEnv = {
  PATH: GUEST_PATH,
  HOME: '/root',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TERM: 'dumb',
};

/** Host tools the harness calls, with the Debian package that provides each. */
const REQUIRED_TOOLS: ReadonlyArray<[tool: string, pkg: string]> = [
  ['debootstrap', 'debootstrap'],
  ['systemd-nspawn', 'systemd-container'],
  ['nsenter', 'util-linux'],
  ['unshare', 'util-linux'],
  ['findmnt', 'util-linux'],
  ['mount', 'mount'],
  ['umount', 'mount'],
  ['chroot', 'coreutils'],
  ['timeout', 'coreutils'],
];

// ---------------------------------------------------------------------------------------------
// Small host helpers
// ---------------------------------------------------------------------------------------------

function findOnPath(tool: string): string | undefined {
  for (const dir of HOST_PATH.split(':')) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Throws (so mocha reports a failure, never a silent skip) unless the harness can work here.
 */
export function requireRoot(): void {
  const uid = process.getuid?.();
  if (uid !== 0) {
    throw new Error(
      `system tests need root (they debootstrap, mount overlays and boot containers); running as uid ${String(uid)}. ` +
        'Run them as root, e.g. `sudo npm run test:system`.',
    );
  }
  const missing = REQUIRED_TOOLS.filter(([tool]) => findOnPath(tool) === undefined);
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `system tests need ${missing.map(([tool]) => tool).join(', ')} on the host: apt-get install -y ${pkgs}`,
    );
  }
  if (!fs.existsSync('/usr/share/keyrings/debian-archive-keyring.gpg')) {
    throw new Error('system tests need Debian archive keys for debootstrap: apt-get install -y debian-archive-keyring');
  }
}

interface RunOptions {
  input?: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Process groups of host commands still running (a debootstrap, an nsenter...), killed by the
 * exit-time cleanup so that an interrupted run does not leave them working in the background.
 */
const liveCommandGroups = new Set<number>();

/** Cap on captured output per stream, so a runaway command cannot exhaust memory. */
const MAX_CAPTURE = 32 * 1024 * 1024;

/**
 * Runs a host command, never throws on non-zero exit. On timeout the whole process group is
 * killed (the command is started in its own group) and code 124 is returned, like timeout(1).
 */
function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? { ...process.env, PATH: HOST_PATH },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout can kill everything it started
    });
    if (child.pid !== undefined) liveCommandGroups.add(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += d;
    });
    child.stderr.on('data', (d: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += d;
    });
    child.stdin.on('error', () => {
      // the command may exit without reading its input; that is not our error
    });
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${cmd}: ${err.message}\n` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) liveCommandGroups.delete(child.pid);
      if (timedOut) {
        resolve({ code: 124, stdout, stderr: `${stderr}\n[harness] ${cmd} timed out after ${opts.timeoutMs} ms\n` });
      } else {
        resolve({ code: code ?? 128 + signalNumber(signal), stdout, stderr });
      }
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  return os.constants.signals[signal] ?? 0;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Runs a host command and throws with its output unless it exits 0. */
async function runOk(cmd: string, args: readonly string[], opts: RunOptions): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}):\n${tail(r.stdout + r.stderr, 60)}`);
  }
  return r.stdout;
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

function readTail(file: string, lines: number): string {
  try {
    return tail(fs.readFileSync(file, 'utf8'), lines);
  } catch (err) {
    return `(cannot read ${file}: ${(err as Error).message})`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `p` at most `ms`; true if it settled in time. The timer is cleared either way, so a
 * pending bound never keeps the process (mocha) alive after the work is done.
 */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Blocking sleep for the synchronous exit-time cleanup (no event loop there). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
function mountsUnder(dir: string): string[] {
  const r = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8', env: { ...process.env, PATH: HOST_PATH } });
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return (r.stdout ?? '')
    .split('\n')
    .map((line) => line.replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))))
    .filter((t) => t === dir || t.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below `dir`; lazily if a mount stays busy. Synchronous: usable at exit. */
function unmountTreeSync(dir: string): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) {
      const args = attempt < 10 ? [m] : ['-l', m];
      spawnSync('umount', args, { stdio: 'ignore', env: { ...process.env, PATH: HOST_PATH } });
    }
    if (attempt >= 1) sleepSync(100);
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`could not unmount ${left.join(', ')}`);
}

/**
 * Removes a temporary tree, refusing while anything is still mounted inside it (a bind mount of
 * /dev under a directory being deleted would otherwise delete the host's device nodes).
 */
function removeTreeSync(dir: string): void {
  if (!fs.existsSync(dir)) return;
  unmountTreeSync(dir);
  spawnSync('rm', ['-rf', '--one-file-system', '--', dir], { stdio: 'ignore', env: { ...process.env, PATH: HOST_PATH } });
}

// ---------------------------------------------------------------------------------------------
// Root filesystem cache
// ---------------------------------------------------------------------------------------------

function cacheDir(): string {
  return process.env.DEBFORGE_TESTBED_CACHE || '/var/cache/debforge-testbed';
}

/**
 * The Debian mirror the host's apt already uses (the only one reachable in some sandboxes):
 * the first `URIs:` of a deb822 stanza whose Suites include the plain suite, else the first
 * matching `deb` line of sources.list.
 */
function hostMirror(): string {
  const deb822Files = ['/etc/apt/sources.list.d/debian.sources'];
  try {
    for (const f of fs.readdirSync('/etc/apt/sources.list.d')) {
      if (f.endsWith('.sources') && f !== 'debian.sources') deb822Files.push(path.join('/etc/apt/sources.list.d', f));
    }
  } catch {
    // no sources.list.d
  }
  for (const file of deb822Files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string): string[] => {
        const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(stanza);
        return m?.[1] !== undefined ? m[1].trim().split(/\s+/).filter((s) => s !== '') : [];
      };
      const types = field('Types');
      const suites = field('Suites');
      const uris = field('URIs').filter((u) => /^https?:\/\//.test(u));
      const enabled = !/^Enabled:\s*no\s*$/mi.test(stanza);
      if (enabled && types.includes('deb') && uris.length > 0 && suites.some((s) => /^[a-z]+$/.test(s))) {
        return uris[0] as string;
      }
    }
  }
  try {
    for (const line of fs.readFileSync('/etc/apt/sources.list', 'utf8').split('\n')) {
      // deb [options] URI suite components
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+)\s+([a-z]+)\s/.exec(line);
      if (m?.[1] !== undefined) return m[1];
    }
  } catch {
    // no sources.list
  }
  throw new Error('cannot find the Debian mirror apt uses (no URIs in /etc/apt/sources.list.d/debian.sources nor /etc/apt/sources.list)');
}

/** One build per release and process, shared by its callers. */
const rootfsPromises = new Map<string, Promise<string>>();

/**
 * Returns the path of the cached, read-only-by-convention root filesystem, building it first if
 * needed. The build happens in a temporary directory beside the cache entry and is renamed into
 * place only when complete, so a killed build never leaves a half cache. Callers in one process
 * share one build; a failed build is not remembered (the next caller tries again).
 */
export function ensureRootfs(release: Release = BOOKWORM): Promise<string> {
  let promise = rootfsPromises.get(release.rootfsVersion);
  if (promise === undefined) {
    promise = buildRootfsOnce(release).catch((err: unknown) => {
      rootfsPromises.delete(release.rootfsVersion);
      throw err;
    });
    rootfsPromises.set(release.rootfsVersion, promise);
  }
  return promise;
}

async function buildRootfsOnce(release: Release): Promise<string> {
  requireRoot();
  const cache = cacheDir();
  const final = path.join(cache, `rootfs-${release.rootfsVersion}`);
  if (fs.existsSync(path.join(final, 'etc', 'debforge-testbed'))) return final;
  await fsp.mkdir(cache, { recursive: true });
  removeStaleBuilds(cache);

  const started = Date.now();
  // Named after our pid so a later run can tell a dead build (removable) from a live one.
  const buildDir = await fsp.mkdtemp(path.join(cache, `.build-${process.pid}-`));
  liveBuildDirs.add(buildDir);
  try {
    const rootfs = path.join(buildDir, 'rootfs');
    await buildRootfs(release, rootfs, path.join(buildDir, 'build.log'));
    try {
      await fsp.rename(rootfs, final);
    } catch (err) {
      // Another process finished the same build first: use theirs.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !fs.existsSync(path.join(final, 'etc', 'debforge-testbed'))) throw err;
    }
    rootfsBuildMs = Date.now() - started;
    return final;
  } finally {
    removeTreeSync(buildDir);
    liveBuildDirs.delete(buildDir);
  }
}

/** Unfinished rootfs builds of this process (removed by the exit-time cleanup). */
const liveBuildDirs = new Set<string>();

/** How long this process spent building the rootfs (0 when it came from the cache). */
export let rootfsBuildMs = 0;

/** Deletes build directories left by processes that died mid-build. */
function removeStaleBuilds(cache: string): void {
  for (const entry of fs.readdirSync(cache)) {
    const m = /^\.build-(\d+)-/.exec(entry);
    if (m?.[1] === undefined) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) removeTreeSync(path.join(cache, entry));
  }
}

/**
 * Runs a shell script in a private mount namespace: every mount it makes (debootstrap's /proc,
 * our /proc, /sys, /dev for chroots) disappears with the namespace when it exits, even if it is
 * killed, so nothing can leak into the host's mount table.
 */
function runInPrivateMountNs(
  script: string,
  args: readonly string[],
  opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; input?: string },
): Promise<ExecResult> {
  return run('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...args], {
    timeoutMs: opts.timeoutMs,
    env: opts.env ?? { ...process.env, PATH: HOST_PATH },
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

/** Mounts /proc, /sys and /dev into the root "$1" (inside a private namespace), then chroots "$2". */
const CHROOT_SCRIPT = `set -e
root="$1"; shift
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
exec chroot "$root" /bin/sh -c "$1"`;

async function buildRootfs(release: Release, rootfs: string, log: string): Promise<void> {
  const mirror = hostMirror();
  const logStep = (text: string): void => fs.appendFileSync(log, text);

  const boot = await runInPrivateMountNs(
    'include="$1"; shift; exec debootstrap --variant=minbase ${include:+--include="$include"} "$@"',
    [(release.include ?? DEBOOTSTRAP_INCLUDE).join(','), release.suite, rootfs, mirror],
    { timeoutMs: 30 * 60_000 },
  );
  logStep(boot.stdout + boot.stderr);
  if (boot.code !== 0) {
    throw new Error(
      `debootstrap ${release.suite} from ${mirror} failed (exit ${boot.code}):\n${tail(boot.stdout + boot.stderr, 40)}\n` +
        `debootstrap.log:\n${readTail(path.join(rootfs, 'debootstrap', 'debootstrap.log'), 40)}`,
    );
  }

  // debootstrap writes no /etc/hosts; roscore dies if it cannot resolve its own hostname.
  fs.writeFileSync(path.join(rootfs, 'etc', 'hostname'), `${ROOTFS_HOSTNAME}\n`);
  fs.writeFileSync(path.join(rootfs, 'etc', 'hosts'), hostsFile(ROOTFS_HOSTNAME));
  // Name resolution for apt during the build (nspawn manages resolv.conf itself at boot).
  fs.rmSync(path.join(rootfs, 'etc', 'resolv.conf'), { force: true });
  fs.writeFileSync(path.join(rootfs, 'etc', 'resolv.conf'), fs.readFileSync('/etc/resolv.conf'), { mode: 0o644 });
  // No daemon may start inside the chroot while packages are installed.
  const policy = path.join(rootfs, 'usr', 'sbin', 'policy-rc.d');
  fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });

  const install = await runInPrivateMountNs(
    CHROOT_SCRIPT,
    [
      rootfs,
      'set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update; ' +
        `apt-get install -y --no-install-recommends ${release.packages.join(' ')}; apt-get clean`,
    ],
    { timeoutMs: 30 * 60_000, env: { ...GUEST_ENV } },
  );
  logStep(install.stdout + install.stderr);
  if (install.code !== 0) {
    throw new Error(`apt-get install in the new rootfs failed (exit ${install.code}):\n${tail(install.stdout + install.stderr, 60)}`);
  }

  fs.rmSync(policy);
  // Every booted machine gets a fresh machine-id (written by Machine.boot); an empty file in the
  // image is the Debian convention for "not yet assigned".
  fs.writeFileSync(path.join(rootfs, 'etc', 'machine-id'), '');
  // /run and /tmp are tmpfs once booted; in a chroot they must be empty so that, e.g.,
  // /run/systemd/system correctly says "systemd is not running here".
  for (const dir of ['run', 'tmp']) {
    for (const entry of fs.readdirSync(path.join(rootfs, dir))) {
      fs.rmSync(path.join(rootfs, dir, entry), { recursive: true, force: true });
    }
  }
  // Completion marker, written last: the cache entry counts only if it is there.
  fs.writeFileSync(path.join(rootfs, 'etc', 'debforge-testbed'), `${release.rootfsVersion}\n`);
}

function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
}

// ---------------------------------------------------------------------------------------------
// Overlays
// ---------------------------------------------------------------------------------------------

interface Overlay {
  dir: string; // temporary directory holding upper/, work/ and merged/
  merged: string;
}

/** Overlays currently mounted by this process (for the exit-time cleanup). */
const liveOverlays = new Set<Overlay>();

/** A writable copy-on-write view of the cached rootfs: lower = cache, upper/work fresh. */
async function mountOverlay(lower: string, label: string): Promise<Overlay> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `debforge-${label}-`));
  const upper = path.join(dir, 'upper');
  const work = path.join(dir, 'work');
  const merged = path.join(dir, 'merged');
  for (const d of [upper, work, merged]) await fsp.mkdir(d);
  for (const p of [lower, upper, work]) {
    // ',' and ':' separate overlay options and layers; mkdtemp and the cache never produce them
    // unless the environment points there.
    if (/[,:\\]/.test(p)) throw new Error(`overlay path must not contain ',', ':' or '\\': ${p}`);
  }
  const overlay: Overlay = { dir, merged };
  liveOverlays.add(overlay);
  try {
    await runOk('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], {
      timeoutMs: 30_000,
    });
  } catch (err) {
    removeOverlaySync(overlay);
    throw err;
  }
  return overlay;
}

function removeOverlaySync(overlay: Overlay): void {
  removeTreeSync(overlay.dir);
  liveOverlays.delete(overlay);
}

/**
 * Gives `fn` a throwaway writable copy of the cached rootfs (for chroot / image-build tests) and
 * always unmounts and deletes it afterwards.
 */
export async function withOverlay<T>(fn: (root: string) => Promise<T>, release: Release = BOOKWORM): Promise<T> {
  const lower = await ensureRootfs(release);
  const overlay = await mountOverlay(lower, 'chroot');
  try {
    return await fn(overlay.merged);
  } finally {
    removeOverlaySync(overlay);
  }
}

/**
 * Runs `script` with /bin/sh in a chroot of `root` with /proc, /sys and /dev mounted, as an
 * image build would: systemd is NOT running there (no /run/systemd/system), so maintainer
 * scripts take their "no systemd" paths. The mounts live in a private mount namespace and vanish
 * when the script ends. Never throws on non-zero exit.
 */
export async function chrootSh(root: string, script: string, opts: { timeoutSec?: number; input?: string } = {}): Promise<ExecResult> {
  requireRoot();
  if (!fs.existsSync(path.join(root, 'bin', 'sh'))) throw new Error(`${root} does not look like a root filesystem (no /bin/sh)`);
  return runInPrivateMountNs(CHROOT_SCRIPT, [root, script], {
    timeoutMs: (opts.timeoutSec ?? 600) * 1000,
    env: { ...GUEST_ENV, DEBIAN_FRONTEND: 'noninteractive' },
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// cgroups
// ---------------------------------------------------------------------------------------------

/**
 * Creates a fresh cgroup per machine in the hierarchies systemd tracks processes with
 * (name=systemd v1 and/or the v2 unified hierarchy), below the one this process is in.
 *
 * Why: with `--keep-unit` and no systemd on the host, nspawn puts the container in
 * `<its own cgroup>/payload`. Two containers started from the same process would both get the
 * same `/payload` tree (seen here: both dbus-daemons in /payload/system.slice/dbus.service), and
 * each container's systemd would manage, and on stop or shutdown kill, the other's services.
 */
function createMachineCgroups(label: string): string[] {
  let selfCgroups: string;
  let mountinfo: string;
  try {
    selfCgroups = fs.readFileSync('/proc/self/cgroup', 'utf8');
    mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  // mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts"
  const mounts = mountinfo
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [left, right] = line.split(' - ');
      const l = (left ?? '').split(' ');
      const r = (right ?? '').split(' ');
      return { root: l[3] ?? '', mountPoint: l[4] ?? '', fstype: r[0] ?? '', superOpts: (r[2] ?? '').split(',') };
    });
  const dirs: string[] = [];
  for (const line of selfCgroups.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m === null) continue;
    const [, id, controllers, cgPath] = m as unknown as [string, string, string, string];
    let mount: (typeof mounts)[number] | undefined;
    if (id === '0' && controllers === '') {
      mount = mounts.find((x) => x.fstype === 'cgroup2' && x.root === '/');
    } else if (controllers.split(',').includes('name=systemd')) {
      mount = mounts.find((x) => x.fstype === 'cgroup' && x.root === '/' && x.superOpts.includes('name=systemd'));
    }
    if (mount === undefined) continue;
    const dir = path.join(mount.mountPoint, cgPath, `debforge-${label}`);
    try {
      fs.mkdirSync(dir);
      dirs.push(dir);
    } catch {
      // not writable here: the container keeps the inherited cgroup (one machine still works)
    }
  }
  return dirs;
}

/** Removes a cgroup tree bottom-up (rmdir works on cgroup directories once they hold no processes). */
function removeCgroupTreeSync(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTreeSync(path.join(dir, e.name));
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      sleepSync(50);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Machines
// ---------------------------------------------------------------------------------------------

/** Machines booted by this process and not yet powered off (for the exit-time cleanup). */
const liveMachines = new Set<Machine>();

/** Reads "PPid" and "NSpid" of every process (to find a container's PID 1 among nspawn's descendants). */
function processTable(): Map<number, { ppid: number; nspid: number[]; comm: string }> {
  const table = new Map<number, { ppid: number; nspid: number[]; comm: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1] ?? '0');
      const nspid = (/^NSpid:\s*(.*)$/m.exec(status)?.[1] ?? '').trim().split(/\s+/).map(Number);
      const comm = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? '';
      table.set(Number(entry), { ppid, nspid, comm });
    } catch {
      // process ended while we looked
    }
  }
  return table;
}

function findContainerInit(nspawnPid: number): number | undefined {
  const table = processTable();
  for (const [pid, info] of table) {
    // PID 1 of a child pid namespace, running systemd, descending from our nspawn
    if (info.comm !== 'systemd' || info.nspid.length < 2 || info.nspid[info.nspid.length - 1] !== 1) continue;
    let p = info.ppid;
    for (let depth = 0; depth < 8 && p > 1; depth++) {
      if (p === nspawnPid) return pid;
      p = table.get(p)?.ppid ?? 0;
    }
  }
  return undefined;
}

interface BootOptions {
  /**
   * Give the machine its own network namespace with only a loopback interface
   * (systemd-nspawn --private-network): its ports cannot clash with the host's or other
   * machines', and it cannot reach them either.
   */
  privateNetwork?: boolean;
  /** The Debian release the machine runs (default: Debian 12, BOOKWORM). */
  release?: Release;
}

export class Machine {
  /** Merged root filesystem of the container, as seen from the host. */
  readonly root: string;
  /** nspawn's console output (boot messages): look here when a boot fails. */
  readonly logPath: string;
  /** How long boot() took until systemd reported running/degraded. */
  bootMs = 0;

  private nspawn: ChildProcess | undefined;
  private nspawnExited: Promise<void>;
  private exitedFlag = false;
  /** Host pid of the container's systemd (PID 1 inside); the target for nsenter. */
  private initPid = 0;
  private poweroffPromise: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    private readonly overlay: Overlay,
    private readonly cgroups: string[],
    private readonly options: BootOptions,
  ) {
    this.root = overlay.merged;
    this.logPath = path.join(overlay.dir, 'console.log');
    this.nspawnExited = Promise.resolve();
  }

  /**
   * Boots a fresh machine on a copy-on-write overlay of the cached rootfs. Resolves once
   * `systemctl is-system-running` says running or degraded. `name` becomes the machine name and
   * hostname (resolvable through /etc/hosts). Several machines may run at once; by default they
   * share the host's network namespace (a server in one is reachable from the others, and from
   * the host, at 127.0.0.1), see BootOptions.privateNetwork.
   */
  static async boot(name: string, options: BootOptions = {}): Promise<Machine> {
    requireRoot();
    if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(name)) {
      throw new Error(`machine name must be a short lowercase hostname ([a-z0-9-], at most 32 characters): ${JSON.stringify(name)}`);
    }
    for (const m of liveMachines) {
      if (m.name === name) throw new Error(`a machine named ${name} is already running in this process`);
    }
    const lower = await ensureRootfs(options.release ?? BOOKWORM);
    const started = Date.now();
    installCleanupHandlers();
    const overlay = await mountOverlay(lower, name);
    const machine = new Machine(name, overlay, createMachineCgroups(`${name}-${randomBytes(4).toString('hex')}`), options);
    liveMachines.add(machine);
    try {
      machine.personalize();
      machine.start();
      await machine.waitForBoot();
    } catch (err) {
      await machine.poweroff().catch(() => undefined);
      throw err;
    }
    machine.bootMs = Date.now() - started;
    return machine;
  }

  /** Per-machine identity in the writable layer: hostname, hosts entry, unique machine-id. */
  private personalize(): void {
    fs.writeFileSync(path.join(this.root, 'etc', 'hostname'), `${this.name}\n`);
    fs.writeFileSync(path.join(this.root, 'etc', 'hosts'), hostsFile(this.name));
    // A fresh id per machine; a non-empty one also keeps systemd out of "first boot" mode
    // (which would run preset-all and enable units behind the tests' backs).
    fs.writeFileSync(path.join(this.root, 'etc', 'machine-id'), `${randomBytes(16).toString('hex')}\n`);
  }

  private start(): void {
    const log = fs.openSync(this.logPath, 'a');
    const nspawnArgs = [
      '--register=no', // no systemd-machined on the host to register with
      '--keep-unit', // likewise no host systemd to create a scope unit
      '--link-journal=no',
      '--console=read-only',
      ...(this.options.privateNetwork === true ? ['--private-network'] : []),
      '-M',
      this.name,
      '-D',
      this.root,
      '-b',
    ];
    // The shell moves itself into the machine's own cgroups, then becomes nspawn.
    const wrapper = 'for d in $DEBFORGE_CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 97; done; exec systemd-nspawn "$@"';
    const child = spawn('/bin/sh', ['-c', wrapper, 'sh', ...nspawnArgs], {
      stdio: ['ignore', log, log],
      // Own process group: a Ctrl-C in the terminal reaches our handler, which shuts machines
      // down cleanly, instead of reaching nspawn directly.
      detached: true,
      env: { ...process.env, PATH: HOST_PATH, DEBFORGE_CGROUPS: this.cgroups.join(' ') },
    });
    fs.closeSync(log);
    // Do not keep the event loop (mocha) alive for a machine a test forgot: the exit handler
    // powers it off.
    child.unref();
    this.nspawn = child;
    this.nspawnExited = new Promise((resolve) => {
      child.on('exit', () => {
        this.exitedFlag = true;
        resolve();
      });
      child.on('error', () => {
        this.exitedFlag = true;
        resolve();
      });
    });
  }

  private async waitForBoot(): Promise<void> {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    const failure = (why: string): Error =>
      new Error(`machine ${this.name} did not boot: ${why}\n--- last lines of ${this.logPath} ---\n${readTail(this.logPath, 40)}`);
    const nspawnPid = this.nspawn?.pid;
    if (nspawnPid === undefined) throw failure('systemd-nspawn could not be started');
    while (this.initPid === 0) {
      if (this.exitedFlag) throw failure('systemd-nspawn exited');
      if (Date.now() > deadline) throw failure(`no systemd process appeared within ${BOOT_TIMEOUT_MS / 1000} s`);
      this.initPid = findContainerInit(nspawnPid) ?? 0;
      if (this.initPid === 0) await sleep(100);
    }
    let last = '';
    for (;;) {
      if (this.exitedFlag) throw failure('systemd-nspawn exited');
      const r = await this.exec(['systemctl', 'is-system-running'], { timeoutSec: 10 });
      last = (r.stdout + r.stderr).trim();
      if (last === 'running' || last === 'degraded') return;
      if (Date.now() > deadline) {
        const jobs = await this.exec(['systemctl', 'list-jobs', '--no-pager'], { timeoutSec: 10 });
        throw failure(`systemctl is-system-running still says ${JSON.stringify(last)} after ${BOOT_TIMEOUT_MS / 1000} s\n${jobs.stdout}`);
      }
      await sleep(200);
    }
  }

  /** Host pid of systemd-nspawn (0 before start). */
  get nspawnPid(): number {
    return this.nspawn?.pid ?? 0;
  }

  /** Host pid of the container's PID 1 (systemd); 0 before boot. */
  get hostInitPid(): number {
    return this.initPid;
  }

  /** True until the machine has been powered off (or its nspawn died). */
  get running(): boolean {
    return !this.exitedFlag && this.poweroffPromise === undefined;
  }

  /**
   * Runs argv inside the machine (all its namespaces, as root unless opts.user), with a clean
   * environment. Never throws for a non-zero exit; always bounded: after timeoutSec (default
   * 120 s) the command is killed inside the machine and code 124 is returned.
   */
  async exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error('exec: empty argv');
    if (this.initPid === 0 || this.exitedFlag) throw new Error(`machine ${this.name} is not running`);
    const timeoutSec = opts.timeoutSec ?? DEFAULT_EXEC_TIMEOUT_SEC;
    const asUser = opts.user !== undefined ? ['runuser', '-u', opts.user, '--'] : [];
    // timeout(1) runs inside the container, so expiry kills the command's whole process group
    // there; the host-side bound is only a backstop in case the container itself hangs.
    const args = ['-t', String(this.initPid), '-a', '-r', '-w', '--', 'timeout', '--kill-after=5', String(timeoutSec), ...asUser, ...argv];
    const r = await run('nsenter', args, {
      env: { ...GUEST_ENV },
      timeoutMs: (timeoutSec + 20) * 1000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    if (r.code === 124) r.stderr += `\n[harness] ${argv.join(' ')} timed out after ${timeoutSec} s in ${this.name}\n`;
    return r;
  }

  /** Runs a /bin/sh script inside the machine. */
  sh(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(['/bin/sh', '-c', script], opts);
  }

  /** Runs a /bin/sh script inside the machine; throws with its output unless it exits 0. */
  async must(script: string, opts: ExecOptions = {}): Promise<string> {
    const r = await this.sh(script, opts);
    if (r.code !== 0) {
      throw new Error(`in ${this.name}: \`${script}\` exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
    }
    return r.stdout;
  }

  /**
   * Copies a host file or directory into the machine and returns its path inside. The default
   * /var/tmp is on the overlay; /tmp, /run, /dev, /proc and /sys inside are separate
   * filesystems once booted, so a file written there from the host would never be seen.
   */
  async copyIn(hostPath: string, containerDir = '/var/tmp'): Promise<string> {
    if (!path.isAbsolute(containerDir)) throw new Error(`copyIn: container directory must be absolute: ${containerDir}`);
    const normalized = path.posix.normalize(containerDir);
    for (const hidden of ['/tmp', '/run', '/dev', '/proc', '/sys']) {
      if (normalized === hidden || normalized.startsWith(`${hidden}/`)) {
        throw new Error(`copyIn: ${containerDir} is a separate filesystem inside the running machine; use /var/tmp`);
      }
    }
    const inside = path.posix.join(normalized, path.basename(hostPath));
    const target = path.join(this.root, inside);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.cp(hostPath, target, { recursive: true, force: true });
    return inside;
  }

  /**
   * Installs .deb files with apt inside the running machine, so maintainer scripts run under a
   * live systemd exactly as on a robot. Dependencies come from the machine's apt lists.
   */
  async aptInstall(debPathsOnHost: string[]): Promise<ExecResult> {
    const inside: string[] = [];
    for (const deb of debPathsOnHost) inside.push(await this.copyIn(deb));
    return this.exec(
      [
        'timeout',
        '300',
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '--allow-downgrades',
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...inside,
      ],
      { timeoutSec: 330 },
    );
  }

  /**
   * Polls `check` every 100 ms until it returns true; returns the elapsed milliseconds. A check
   * that throws counts as "not yet". Throws naming `what` (and the last check error) on timeout.
   */
  async waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
    return waitFor(check, timeoutMs, `${what} (in ${this.name})`);
  }

  /**
   * The machine's journal (one unit's, if given), last `lines` lines: attach it to an assertion
   * message when a service misbehaves.
   */
  async journal(unit?: string, lines = 200): Promise<string> {
    const r = await this.exec(['journalctl', '--no-pager', '-o', 'short-monotonic', '-n', String(lines), ...(unit !== undefined ? ['-u', unit] : [])]);
    return r.stdout + r.stderr;
  }

  /** Numeric uid of a user inside the machine. */
  async uid(user: string): Promise<number> {
    const out = await this.must(`id -u ${shellQuote(user)}`);
    return Number(out.trim());
  }

  /**
   * Runs a script as `user` with XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS pointing at the
   * user's manager, so `systemctl --user` and `busctl --user` work. The user must have a running
   * user manager (see addLingeringUser).
   */
  async userSh(user: string, script: string, opts: Omit<ExecOptions, 'user'> = {}): Promise<ExecResult> {
    const uid = await this.uid(user);
    return this.exec(
      [
        'env',
        `XDG_RUNTIME_DIR=/run/user/${uid}`,
        `DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/${uid}/bus`,
        '/bin/sh',
        '-c',
        script,
      ],
      { ...opts, user },
    );
  }

  /**
   * Creates `user` (if missing) with a home directory, enables lingering, and waits until the
   * user's systemd manager (user@<uid>.service) is active and its D-Bus socket exists.
   */
  async addLingeringUser(user: string): Promise<void> {
    if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(user)) throw new Error(`invalid user name: ${JSON.stringify(user)}`);
    await this.must(`id -u ${user} >/dev/null 2>&1 || useradd -m -s /bin/bash ${user}`);
    const linger = await this.sh(`loginctl enable-linger ${user}`);
    if (linger.code !== 0) {
      // systemd 257's logind (Debian 13) answers SetUserLinger with EUNATCH ("Protocol driver
      // not attached") in these containers. The same state by hand: the linger file logind
      // keeps, then a logind restart, which starts the managers of lingering users.
      await this.must(`mkdir -p /var/lib/systemd/linger && touch /var/lib/systemd/linger/${user} && systemctl restart systemd-logind.service`);
    }
    const uid = await this.uid(user);
    await this.waitFor(
      async () => {
        const r = await this.sh(`systemctl is-active user@${uid}.service && test -S /run/user/${uid}/bus`, { timeoutSec: 10 });
        return r.code === 0;
      },
      60_000,
      `user manager of ${user} (user@${uid}.service) to be active with its bus`,
    );
  }

  /**
   * Powers the machine off cleanly (systemctl poweroff), waits for nspawn to exit, kills it if it
   * hangs, unmounts the overlay and removes all temporary directories. Idempotent.
   */
  poweroff(): Promise<void> {
    if (this.poweroffPromise === undefined) this.poweroffPromise = this.doPoweroff();
    return this.poweroffPromise;
  }

  private async doPoweroff(): Promise<void> {
    try {
      if (!this.exitedFlag && this.nspawn !== undefined) {
        if (this.initPid !== 0) {
          // --no-block: the connection may drop while systemd goes down; we wait on nspawn instead.
          await this.exec(['systemctl', 'poweroff', '--no-block'], { timeoutSec: 15 }).catch(() => undefined);
        } else {
          killGroup(this.nspawn.pid, 'SIGTERM'); // nspawn asks the container to shut down
        }
        if (!(await settlesWithin(this.nspawnExited, POWEROFF_TIMEOUT_MS))) {
          process.stderr.write(`[harness] ${this.name} did not power off within ${POWEROFF_TIMEOUT_MS / 1000} s; killing it\n`);
          this.kill();
          await settlesWithin(this.nspawnExited, 10_000);
        }
      }
    } finally {
      this.releaseSync();
    }
  }

  /** Hard stop: kill the container's PID 1 (which ends its whole pid namespace) and nspawn. */
  private kill(): void {
    if (this.initPid !== 0 && pidAlive(this.initPid)) {
      try {
        process.kill(this.initPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    killGroup(this.nspawn?.pid, 'SIGKILL');
  }

  /** Unmounts and deletes everything of this machine on the host. */
  private releaseSync(): void {
    liveMachines.delete(this);
    try {
      removeOverlaySync(this.overlay);
    } finally {
      for (const cg of this.cgroups) removeCgroupTreeSync(cg);
    }
  }

  /**
   * Exit-time teardown, step 1 (synchronous, no event loop): ask nspawn to shut the container
   * down; nspawn turns SIGTERM into a clean poweroff of the container.
   */
  requestStopSync(): void {
    const pid = this.nspawn?.pid;
    if (pid !== undefined && processRunning(pid)) killGroup(pid, 'SIGTERM');
  }

  /** Exit-time teardown: is nspawn or the container's PID 1 still running? */
  stillRunningSync(): boolean {
    const pid = this.nspawn?.pid;
    return (pid !== undefined && processRunning(pid)) || (this.initPid !== 0 && processRunning(this.initPid));
  }

  /** Exit-time teardown, last step: kill whatever did not stop, unmount, delete. */
  finishStopSync(): void {
    if (this.stillRunningSync()) this.kill();
    for (let i = 0; i < 50 && this.stillRunningSync(); i++) sleepSync(100);
    this.exitedFlag = true;
    this.releaseSync();
  }
}

/**
 * True if the process exists and is not a zombie. At exit our own nspawn children turn into
 * zombies that nobody reaps while we wait synchronously, so "exists" alone would never change.
 */
function processRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')' (comm may contain ')' itself)
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Polls `check` every 100 ms until it returns true; returns the elapsed milliseconds. A check
 * that throws counts as "not yet". Throws naming `what` on timeout.
 */
async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() - started >= timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError !== '' ? `\nlast error: ${lastError}` : ''}`);
    }
    await sleep(100);
  }
}

/** Quotes a string for /bin/sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Exit-time cleanup
// ---------------------------------------------------------------------------------------------

let handlersInstalled = false;

/** What this process still has running or mounted (a test can assert it cleaned up). */
export function liveResources(): { machines: string[]; overlays: string[] } {
  return { machines: [...liveMachines].map((m) => m.name), overlays: [...liveOverlays].map((o) => o.merged) };
}

/** Stops every machine and unmounts every overlay this process still has. Synchronous. */
function cleanupAllSync(): void {
  for (const pgid of liveCommandGroups) killGroup(pgid, 'SIGKILL');
  liveCommandGroups.clear();
  for (const dir of liveBuildDirs) {
    try {
      removeTreeSync(dir);
    } catch (err) {
      process.stderr.write(`[harness] cleanup of ${dir} failed: ${(err as Error).message}\n`);
    }
  }
  liveBuildDirs.clear();
  const machines = [...liveMachines];
  // All machines shut down in parallel: ask, give them 10 s together, then kill the rest.
  for (const m of machines) m.requestStopSync();
  for (let i = 0; i < 100 && machines.some((m) => m.stillRunningSync()); i++) sleepSync(100);
  for (const m of machines) {
    try {
      m.finishStopSync();
    } catch (err) {
      process.stderr.write(`[harness] cleanup of machine ${m.name} failed: ${(err as Error).message}\n`);
    }
  }
  for (const o of [...liveOverlays]) {
    try {
      removeOverlaySync(o);
    } catch (err) {
      process.stderr.write(`[harness] cleanup of ${o.merged} failed: ${(err as Error).message}\n`);
    }
  }
}

function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      cleanupAllSync();
      process.removeListener(signal, onSignal);
      // Let other handlers (mocha's) run; if there are none, die of the signal as usual.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

// withOverlay can run without any machine: make sure its overlays are covered too.
installCleanupHandlers();
