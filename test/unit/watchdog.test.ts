// Runs the real robot-side watchdog (daemons/ros_watchdog/files/usr/bin/ros-watchdog)
// against Debian's real ROS master (`rosmaster`, from the ros-core and python3-rosmaster
// packages), with a real sd_notify datagram socket standing in for systemd.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT_RELATIVE = join('daemons', 'ros_watchdog', 'files', 'usr', 'bin', 'ros-watchdog');
const INSTALL_HINT = 'apt-get install -y --no-install-recommends ros-core python3-rosmaster';
/** Generous upper bound for anything that "happens eventually". */
const EVENTUALLY_MS = 20_000;

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, SCRIPT_RELATIVE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${SCRIPT_RELATIVE} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

const SCRIPT = resolve(findRepoRoot(), SCRIPT_RELATIVE);

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function requireRosmaster(): string {
  const rosmaster = findExecutable('rosmaster');
  if (rosmaster === undefined) {
    throw new Error(
      `rosmaster is not installed, so the ros-watchdog tests cannot run against a real ROS master; install it with: ${INSTALL_HINT}`,
    );
  }
  return rosmaster;
}

/** The receiver uses the system Python, like the watchdog's own #!/usr/bin/python3. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Prints one JSON string per datagram received on the Unix datagram socket argv[1]. */
const NOTIFY_RECEIVER = `
import json, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print("LISTENING", flush=True)
while True:
    print(json.dumps(sock.recv(65536).decode("utf-8", "replace")), flush=True)
`;

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose output is collected line by line. */
class Proc {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  exitInfo: ExitInfo | undefined;
  spawnError: Error | undefined;
  readonly closed: Promise<ExitInfo>;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (stream: NodeJS.ReadableStream | null, into: string[]): void => {
      if (stream === null) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        into.push(line);
        this.changed();
      });
    };
    collect(this.child.stdout, this.stdout);
    collect(this.child.stderr, this.stderr);
    this.closed = new Promise<ExitInfo>((resolveClosed) => {
      this.child.on('error', (error) => {
        this.spawnError = error;
        this.exitInfo = { code: null, signal: null };
        this.changed();
        resolveClosed(this.exitInfo);
      });
      this.child.on('close', (code, signal) => {
        this.exitInfo ??= { code, signal };
        this.changed();
        resolveClosed(this.exitInfo);
      });
    });
  }

  get pid(): number {
    assert.ok(this.child.pid !== undefined, `${this.name} has no pid`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  describe(): string {
    const state =
      this.spawnError !== undefined
        ? `failed to start: ${this.spawnError.message}`
        : this.exitInfo === undefined
          ? 'still running'
          : `exited with code ${String(this.exitInfo.code)}, signal ${String(this.exitInfo.signal)}`;
    return [
      `${this.name} ${state}`,
      `--- ${this.name} stdout:`,
      ...this.stdout,
      `--- ${this.name} stderr:`,
      ...this.stderr,
    ].join('\n');
  }

  /** Resolves once `check()` holds; rejects after `timeoutMs` with the process output. */
  waitFor(what: string, check: () => boolean, timeoutMs = EVENTUALLY_MS): Promise<void> {
    return new Promise<void>((resolveWait, rejectWait) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        clearInterval(recheck);
        this.listeners.delete(listener);
        if (error === undefined) resolveWait();
        else rejectWait(error);
      };
      const listener = (): void => {
        if (check()) finish();
      };
      const timer = setTimeout(() => {
        finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      // Also re-check now and then, for conditions that do not depend on this process's output.
      const recheck = setInterval(listener, 50);
      this.listeners.add(listener);
      listener();
    });
  }

  async exitWithin(timeoutMs = EVENTUALLY_MS): Promise<ExitInfo> {
    await this.waitFor(`${this.name} to exit`, () => !this.running, timeoutMs);
    await this.closed;
    assert.ok(this.exitInfo !== undefined);
    return this.exitInfo;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
    }
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The sd_notify datagrams received so far, one string per datagram. */
class NotifyReceiver {
  constructor(
    readonly proc: Proc,
    readonly path: string,
  ) {}

  get messages(): string[] {
    return this.proc.stdout.filter((line) => line !== 'LISTENING').map((line) => JSON.parse(line) as string);
  }

  waitFor(what: string, check: (messages: string[]) => boolean, timeoutMs = EVENTUALLY_MS): Promise<void> {
    return this.proc.waitFor(`notification: ${what}`, () => check(this.messages), timeoutMs);
  }
}

function waitingLine(uri: string): RegExp {
  return new RegExp(`^STATUS=waiting for ROS master at ${escapeRegExp(uri)} \\(attempt (\\d+)\\)$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function freePort(): Promise<number> {
  return new Promise<number>((resolvePort, rejectPort) => {
    const server = createServer();
    server.once('error', rejectPort);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        rejectPort(new Error('no TCP port assigned'));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

describe('ros-watchdog (real script, real Debian ROS master)', function () {
  this.timeout(60_000);

  let rosmaster = '';
  let workDir = '';
  let procs: Proc[] = [];
  let servers: Server[] = [];
  let sockets: Socket[] = [];

  before(function () {
    rosmaster = requireRosmaster();
  });

  beforeEach(function () {
    workDir = mkdtempSync(join(tmpdir(), 'ros-watchdog-test-'));
    procs = [];
    servers = [];
    sockets = [];
  });

  afterEach(async function () {
    for (const proc of procs) {
      proc.kill('SIGKILL'); // also ends a SIGSTOPped master
    }
    await Promise.all(procs.map((proc) => proc.closed));
    for (const socket of sockets) socket.destroy(); // server.close() waits for open connections
    await Promise.all(
      servers.map((server) => new Promise<void>((resolveClose) => server.close(() => resolveClose()))),
    );
    rmSync(workDir, { recursive: true, force: true });
  });

  function baseEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
  }

  function start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv): Proc {
    const proc = new Proc(name, command, args, env);
    procs.push(proc);
    return proc;
  }

  function startWatchdog(env: Record<string, string>, args: readonly string[] = []): Proc {
    return start('ros-watchdog', SCRIPT, args, { ...baseEnv(), ...env });
  }

  function startMaster(port: number): Proc {
    // ROS_IP=127.0.0.1 makes rosmaster bind to the loopback address only.
    return start('rosmaster', rosmaster, ['--core', '-p', String(port)], {
      ...baseEnv(),
      ROS_IP: '127.0.0.1',
      ROS_MASTER_URI: `http://127.0.0.1:${port}`,
      ROS_HOME: join(workDir, 'ros-home'),
    });
  }

  async function startNotifyReceiver(): Promise<NotifyReceiver> {
    const path = join(workDir, 'notify.sock');
    const proc = start('notify-receiver', PYTHON, ['-c', NOTIFY_RECEIVER, path], baseEnv());
    await proc.waitFor('the notify socket to be bound', () => proc.stdout.includes('LISTENING') || !proc.running);
    assert.ok(proc.running, proc.describe());
    return new NotifyReceiver(proc, path);
  }

  /** A notify socket, and a watchdog polling the master URI of `port` every 0.2 s (tolerating `maxMisses` missed polls, if given). */
  async function watchdogOn(port: number, maxMisses?: string): Promise<{ uri: string; notify: NotifyReceiver; watchdog: Proc }> {
    const uri = `http://127.0.0.1:${port}`;
    const notify = await startNotifyReceiver();
    const watchdog = startWatchdog({
      ROS_MASTER_URI: uri,
      ROS_WATCHDOG_PERIOD: '0.2',
      ...(maxMisses !== undefined ? { ROS_WATCHDOG_MAX_MISSES: maxMisses } : {}),
      NOTIFY_SOCKET: notify.path,
    });
    return { uri, notify, watchdog };
  }

  it('is an executable #!/usr/bin/python3 script using only the standard library', function () {
    const source = readFileSync(SCRIPT, 'utf8');
    assert.ok(source.startsWith('#!/usr/bin/python3\n'), 'first line must be #!/usr/bin/python3');
    assert.notEqual(statSync(SCRIPT).mode & 0o111, 0, 'the script must be executable');
    assert.doesNotMatch(source, /^\s*(import|from)\s+(subprocess|systemd|rospy|rosgraph|rosmaster)\b/m);
    assert.doesNotMatch(source, /\/opt\/ros/);
  });

  it('answers --help and --version', async function () {
    const help = startWatchdog({}, ['--help']);
    assert.deepEqual(await help.exitWithin(), { code: 0, signal: null }, help.describe());
    const helpText = help.stdout.join('\n');
    for (const word of ['ROS_MASTER_URI', 'ROS_WATCHDOG_PERIOD', 'ROS_WATCHDOG_MAX_MISSES', 'NOTIFY_SOCKET']) {
      assert.ok(helpText.includes(word), `--help should mention ${word}\n${helpText}`);
    }
    const version = startWatchdog({}, ['--version']);
    assert.deepEqual(await version.exitWithin(), { code: 0, signal: null }, version.describe());
    assert.match(version.stdout.join('\n'), /^ros-watchdog \d+\.\d+\.\d+$/);
  });

  for (const [what, env] of [
    ['a ROS_MASTER_URI with a bad scheme', { ROS_MASTER_URI: 'ftp://127.0.0.1:11311' }],
    ['a ROS_MASTER_URI without a host', { ROS_MASTER_URI: 'http://:11311' }],
    ['a non-numeric ROS_WATCHDOG_PERIOD', { ROS_WATCHDOG_PERIOD: 'fast' }],
    ['a zero ROS_WATCHDOG_MAX_MISSES', { ROS_WATCHDOG_MAX_MISSES: '0' }],
  ] as const) {
    it(`exits 2 with one line on ${what}`, async function () {
      const watchdog = startWatchdog({ ...env });
      assert.deepEqual(await watchdog.exitWithin(), { code: 2, signal: null }, watchdog.describe());
      assert.equal(watchdog.stderr.length, 1, watchdog.describe());
      const variable = Object.keys(env)[0] ?? '';
      assert.ok(watchdog.stderr[0]?.includes(variable), watchdog.describe());
    });
  }

  it('waits for the master, sends READY=1 when it answers, and exits 3 with STOPPING=1 once it is lost', async function () {
    const port = await freePort();
    const { uri, notify, watchdog } = await watchdogOn(port, '3');
    const waiting = waitingLine(uri);

    // No master yet: readable STATUS lines, no READY, and no exit.
    await notify.waitFor('three "waiting" STATUS lines', (m) => m.filter((x) => waiting.test(x)).length >= 3);
    assert.ok(watchdog.running, watchdog.describe());
    assert.ok(!notify.messages.some((m) => m.includes('READY=1')), 'READY=1 before any master ran');
    assert.ok(
      watchdog.stderr.length < 10,
      `expected one log line per state change, not one per poll\n${watchdog.describe()}`,
    );

    const master = startMaster(port);
    await notify.waitFor('READY=1', (m) => m.some((x) => x.split('\n').includes('READY=1')));
    const messages = notify.messages;
    const readyIndex = messages.findIndex((x) => x.split('\n').includes('READY=1'));
    const ready = messages[readyIndex] ?? '';
    assert.ok(
      ready.split('\n').includes(`STATUS=ROS master at ${uri} answered (pid ${master.pid})`),
      `READY=1 should carry the master's pid ${master.pid}: ${JSON.stringify(ready)}`,
    );
    const before = messages.slice(0, readyIndex);
    assert.ok(before.length >= 3 && before.every((x) => waiting.test(x)), JSON.stringify(before));
    const attempts = before.map((x) => Number(waiting.exec(x)?.[1]));
    assert.deepEqual(attempts, attempts.map((_, i) => i + 1), 'attempts are numbered 1, 2, 3, ...');
    assert.ok(watchdog.running, watchdog.describe());

    // The master goes away: after three missed polls the watchdog gives up with status 3.
    master.kill('SIGKILL');
    await master.closed;
    assert.deepEqual(await watchdog.exitWithin(), { code: 3, signal: null }, watchdog.describe());
    await notify.waitFor('STOPPING=1', (m) => m.some((x) => x.split('\n').includes('STOPPING=1')));
    const last = notify.messages.at(-1) ?? '';
    assert.deepEqual(
      last.split('\n').sort(),
      ['STOPPING=1', `STATUS=ROS master at ${uri} lost after 3 missed polls`].sort(),
    );
    assert.ok(
      watchdog.stderr.some((line) => line.includes('lost after 3 missed polls')),
      watchdog.describe(),
    );
  });

  it('rides out fewer missed polls than the limit (a briefly frozen master)', async function () {
    const port = await freePort();
    const master = startMaster(port);
    const { uri, notify, watchdog } = await watchdogOn(port, '50');
    await notify.waitFor('READY=1', (m) => m.some((x) => x.split('\n').includes('READY=1')));

    master.kill('SIGSTOP'); // accepts connections (kernel backlog) but never answers
    await notify.waitFor('two missed polls', (m) =>
      m.includes(`STATUS=ROS master at ${uri} missed 2 of 50 polls`),
    );
    master.kill('SIGCONT');
    const recovered = `STATUS=ROS master at ${uri} answered (pid ${master.pid})`;
    await notify.waitFor('the master answering again', (m) => {
      const firstMiss = m.findIndex((x) => x.includes('missed 1 of 50'));
      return firstMiss >= 0 && m.slice(firstMiss).includes(recovered);
    });
    assert.ok(watchdog.running, watchdog.describe());
    assert.ok(!notify.messages.some((m) => m.includes('STOPPING=1')), JSON.stringify(notify.messages));

    watchdog.kill('SIGTERM');
    assert.deepEqual(await watchdog.exitWithin(), { code: 0, signal: null }, watchdog.describe());
  });

  it('exits 3 when the master is replaced by a new master process (lost registrations)', async function () {
    const port = await freePort();
    const first = startMaster(port);
    // Far more misses than a master restart takes.
    const { uri, notify, watchdog } = await watchdogOn(port, '100');
    await notify.waitFor('READY=1', (m) => m.some((x) => x.split('\n').includes('READY=1')));
    first.kill('SIGTERM');
    await first.closed;
    const second = startMaster(port);
    assert.deepEqual(await watchdog.exitWithin(), { code: 3, signal: null }, watchdog.describe());
    await notify.waitFor('STOPPING=1', (m) => m.some((x) => x.split('\n').includes('STOPPING=1')));
    assert.ok(
      (notify.messages.at(-1) ?? '')
        .split('\n')
        .includes(`STATUS=ROS master at ${uri} restarted (pid ${first.pid}, now pid ${second.pid})`),
      JSON.stringify(notify.messages),
    );
  });

  it('exits 0 on SIGTERM while waiting for the master', async function () {
    const port = await freePort(); // nothing listens there
    const { uri, notify, watchdog } = await watchdogOn(port);
    const waiting = waitingLine(uri);
    await notify.waitFor('two "waiting" STATUS lines', (m) => m.filter((x) => waiting.test(x)).length >= 2);
    watchdog.kill('SIGTERM');
    assert.deepEqual(await watchdog.exitWithin(5_000), { code: 0, signal: null }, watchdog.describe());
    assert.ok(!notify.messages.some((m) => m.includes('READY=1')), JSON.stringify(notify.messages));
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`exits 0 on ${signal} in the middle of a poll that would block for many seconds (no NOTIFY_SOCKET)`, async function () {
      // A "master" that accepts connections and never answers: each poll blocks
      // for its whole socket timeout, 0.8 x 30 s.
      let accepted = 0;
      const blackHole = createServer((socket) => {
        accepted += 1;
        sockets.push(socket);
        socket.on('error', () => undefined);
      });
      servers.push(blackHole);
      await new Promise<void>((resolveListen) => blackHole.listen(0, '127.0.0.1', () => resolveListen()));
      const address = blackHole.address();
      assert.ok(address !== null && typeof address !== 'string');
      const uri = `http://127.0.0.1:${address.port}`;

      const watchdog = startWatchdog({ ROS_MASTER_URI: uri, ROS_WATCHDOG_PERIOD: '30' });
      await watchdog.waitFor('the first poll to connect', () => accepted > 0 || !watchdog.running);
      assert.ok(watchdog.running, watchdog.describe());
      watchdog.kill(signal);
      // Far less than the 24 s the poll would block for.
      assert.deepEqual(await watchdog.exitWithin(5_000), { code: 0, signal: null }, watchdog.describe());
      assert.ok(watchdog.stderr.some((line) => line.includes(`stopping on ${signal}`)), watchdog.describe());
      assert.ok(watchdog.stderr.some((line) => line.includes('NOTIFY_SOCKET is not set')), watchdog.describe());
    });
  }
});
