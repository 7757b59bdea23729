// The OVOS user stack of daemons/ovos_services: lintian-clean for every ROS profile, and its hook
// (/usr/libexec/ovos/ovos-hook) run for real on this machine against a stand-in for the OVOS
// Python services in a real virtual environment, with a real sd_notify datagram socket standing
// in for systemd.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from '../../src/index.js';
import { writeOvosStandin } from '../support/ovos-standin.js';
import { REPO_ROOT, lintianFindings, must, run, tempDir } from '../support/tools.js';

const DAEMON = path.join(REPO_ROOT, 'daemons', 'ovos_services');
const HOOK = path.join(DAEMON, 'files', 'usr', 'libexec', 'ovos', 'ovos-hook');
const PYTHON = '/usr/bin/python3'; // the hook's own #!/usr/bin/python3
const EPOCH = 1700000000;
const EX_CONFIG = 78;
const EVENTUALLY_MS = 20_000;

/** Prints "LISTENING", then one JSON string per datagram received on argv[1] ('@' = abstract). */
const NOTIFY_RECEIVER = `
import json, socket, sys
address = sys.argv[1]
if address.startswith("@"):
    address = "\\0" + address[1:]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(address)
print("LISTENING", flush=True)
while True:
    print(json.dumps(sock.recv(65536).decode("utf-8", "replace")), flush=True)
`;

/** A child process whose stdout lines are collected and can be waited for. */
class Lines {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => this.push(line));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  private push(line: string): void {
    this.lines.push(line);
    for (const w of this.waiters) w();
  }

  async waitFor(predicate: (line: string) => boolean, what: string): Promise<void> {
    if (this.lines.some(predicate)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; lines: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`)), EVENTUALLY_MS);
      this.waiters.push(() => {
        if (this.lines.some(predicate)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }
}

/** Messages (one per datagram) the receiver got so far. */
function datagrams(receiver: Lines): string[] {
  return receiver.lines.filter((l) => l !== 'LISTENING').map((l) => JSON.parse(l) as string);
}

describe('daemons/ovos_services (the OVOS user stack)', function () {
  this.timeout(180_000);
  let work: string;
  let venv: string;
  let conf: string;
  const children: ChildProcess[] = [];

  before(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the hook is a Python 3 script (apt-get install -y python3)`);
    work = await tempDir('debforge-ovos-');
    venv = path.join(work, 'venv');
    // A real virtual environment, as a user creates for OVOS (no pip needed for the stand-in).
    must(PYTHON, ['-m', 'venv', '--without-pip', venv]);
    const purelib = must(path.join(venv, 'bin', 'python3'), ['-c', 'import sysconfig; print(sysconfig.get_path("purelib"))']).trim();
    await writeOvosStandin(purelib);
    conf = path.join(work, 'ovos-env.conf');
    await fs.writeFile(conf, `# test configuration\nOVOS_VENV=${venv}\n`);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fs.rm(work, { recursive: true, force: true });
  });

  function startReceiver(address: string): Lines {
    const child = spawn(PYTHON, ['-c', NOTIFY_RECEIVER, address], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return new Lines(child);
  }

  function startHook(service: string, env: NodeJS.ProcessEnv): Lines {
    const child = spawn(HOOK, [service], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', OVOS_ENV_CONF: conf, ...env } });
    children.push(child);
    return new Lines(child);
  }

  /** Runs the hook to its end without a notify socket; for the failure cases. */
  function runHook(service: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
    return run(HOOK, [service], { env: { PATH: '/usr/bin:/bin', OVOS_ENV_CONF: conf, ...env } });
  }

  it('is lintian-clean (no errors, no warnings) for every ROS profile', async () => {
    const out = await tempDir();
    try {
      for (const profile of ['noetic', 'humble', 'jazzy', 'debian-bookworm']) {
        const result = await build(DAEMON, { outDir: out, profile, sourceDateEpoch: EPOCH });
        assert.deepEqual(lintianFindings(result.path, profile), [], result.path);
      }
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  it('the hook compiles with the system Python 3', () => {
    must(PYTHON, ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)', HOOK, path.join(work, 'ovos-hook.pyc')]);
  });

  it('every unit starts the hook with a service of its table, and the table has no service without a unit', async () => {
    const help = must(HOOK, ['--help']);
    const table = /one of: ([a-z, -]+)\)/.exec(help)?.[1]?.split(', ') ?? [];
    assert.ok(table.length > 0, help);
    const used: string[] = [];
    for (const dir of ['etc', 'etc/user']) {
      for (const file of await fs.readdir(path.join(DAEMON, dir))) {
        if (!file.endsWith('.service')) continue;
        const text = await fs.readFile(path.join(DAEMON, dir, file), 'utf8');
        const m = /^ExecStart=\/usr\/libexec\/ovos\/ovos-hook (\S+)$/m.exec(text);
        if (m?.[1] !== undefined) used.push(m[1]);
      }
    }
    assert.deepEqual([...used].sort(), [...table].sort());
  });

  for (const service of ['messagebus', 'skills', 'audio', 'dinkum-listener', 'phal', 'admin-phal']) {
    it(`${service}: runs in the venv, sends READY=1, and stops cleanly on SIGTERM with STOPPING=1`, async () => {
      // A path socket for all but one; the admin service gets an abstract ('@') one.
      const address = service === 'admin-phal' ? `@debforge-ovos-${process.pid}` : path.join(work, `notify-${service}`);
      const receiver = startReceiver(address);
      await receiver.waitFor((l) => l === 'LISTENING', 'the notify receiver');
      const hook = startHook(service, { NOTIFY_SOCKET: address });
      await receiver.waitFor((l) => l !== 'LISTENING' && (JSON.parse(l) as string).split('\n').includes('READY=1'), `READY=1 from ${service}`);
      await hook.waitFor((l) => l.startsWith('stand-in '), 'the stand-in to print');
      assert.match(hook.lines.join('\n'), new RegExp(`stand-in ${service}: pid ${String(hook.child.pid)}, sys.prefix ${venv}$`, 'm'), 'same PID (exec, not a child), inside the venv');
      assert.ok(!datagrams(receiver).some((d) => d.includes('STOPPING=1')), 'no STOPPING=1 before the stop');
      // SIGTERM only once the service waits, as a real one does once it is up: a stop during
      // start-up takes the hook's own clean path instead (tested below), not the service's.
      await hook.waitFor((l) => l === `stand-in ${service}: waiting`, 'the stand-in to wait for a stop');
      hook.child.kill('SIGTERM');
      assert.equal(await hook.exited, 0, hook.stderr);
      await receiver.waitFor((l) => l !== 'LISTENING' && (JSON.parse(l) as string).split('\n').includes('STOPPING=1'), `STOPPING=1 from ${service}`);
      // The service shut down through its own path (KeyboardInterrupt, as for SIGINT).
      await hook.waitFor((l) => l === `stand-in ${service}: stopping`, 'the stand-in to stop through its own path');
      assert.match(hook.stderr, /stopped on SIGTERM/);
      receiver.child.kill('SIGKILL');
    });
  }

  it('OVOS_PYTHON names the interpreter instead of a venv', async () => {
    const other = path.join(work, 'python.conf');
    await fs.writeFile(other, `OVOS_VENV=/nonexistent\nOVOS_PYTHON="${venv}/bin/python3"\n`);
    const r = runHook('messagebus', { OVOS_ENV_CONF: other, OVOS_STANDIN_MODE: 'return' });
    // The stand-in returned by itself: ran, then counted as a failure (see below).
    assert.match(r.stdout, new RegExp(`sys.prefix ${venv}$`, 'm'), r.stderr);
  });

  it('a service that ends without being asked to exits non-zero, so Restart=on-failure applies', () => {
    const r = runHook('audio', { OVOS_STANDIN_MODE: 'return' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ended without being asked to stop/);
  });

  /** The failure cases each print exactly one line and exit 78. */
  function assertOneLine(r: { code: number; stderr: string }, pattern: RegExp): void {
    assert.equal(r.code, EX_CONFIG, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', pattern);
  }

  it('a missing venv: one clear line naming it and the conffile, exit 78', async () => {
    const missing = path.join(work, 'missing.conf');
    await fs.writeFile(missing, `# comment\n\nOVOS_VENV=${work}/no-venv\n`);
    assertOneLine(
      runHook('skills', { OVOS_ENV_CONF: missing }),
      new RegExp(`^ovos-hook: the OVOS Python environment ${work}/no-venv named by OVOS_VENV in ${missing}:3 does not exist: create it`),
    );
  });

  it('a missing OVOS module: one clear line with the pip command, exit 78', async () => {
    const bare = path.join(work, 'bare-venv');
    must(PYTHON, ['-m', 'venv', '--without-pip', bare]);
    const bareConf = path.join(work, 'bare.conf');
    await fs.writeFile(bareConf, `OVOS_VENV=${bare}\n`);
    assertOneLine(
      runHook('dinkum-listener', { OVOS_ENV_CONF: bareConf }),
      new RegExp(`^ovos-hook: cannot start the OVOS dinkum listener: Python module ovos_dinkum_listener is not installed in ${bare} .*pip install ovos-dinkum-listener there$`),
    );
  });

  it('a missing or unusable conffile: one clear line, exit 78', async () => {
    assertOneLine(runHook('phal', { OVOS_ENV_CONF: path.join(work, 'nothing.conf') }), /^ovos-hook: cannot read .*nothing\.conf \(No such file or directory\)/);
    const empty = path.join(work, 'empty.conf');
    await fs.writeFile(empty, '# nothing set\n');
    assertOneLine(runHook('phal', { OVOS_ENV_CONF: empty }), /names no Python environment: set OVOS_VENV=/);
    const broken = path.join(work, 'broken.conf');
    await fs.writeFile(broken, 'OVOS_VENV /home/ovos/.venv\n');
    assertOneLine(runHook('phal', { OVOS_ENV_CONF: broken }), /broken\.conf:1: expected NAME=value/);
  });

  it('an unknown service is a usage error', () => {
    const r = runHook('nonsense');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: ovos-hook SERVICE \(one of: messagebus, /);
  });
});
