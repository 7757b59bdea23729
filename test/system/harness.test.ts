/**
 * Smoke test of the system-test harness itself: if this fails, every other system test's
 * result is meaningless. Needs root (see harness.ts); fails, never skips, without it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Machine,
  chrootSh,
  ensureRootfs,
  liveResources,
  requireRoot,
  rootfsBuildMs,
  withOverlay,
} from './harness.js';

/** Asks the ROS master at `url` for its pid with the master API (Python standard library only). */
const GET_PID = (url: string): string =>
  `python3 -c 'import xmlrpc.client as x; print(x.ServerProxy("${url}").getPid("/probe"))'`;

function pidExists(pid: number): boolean {
  return pid > 0 && fs.existsSync(`/proc/${pid}`);
}

/** Host mount lines (target and options) that mention `needle`. */
function mountsMentioning(needle: string): string[] {
  const r = spawnSync('findmnt', ['-rn', '-o', 'TARGET,FSTYPE,OPTIONS'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.includes(needle));
}

describe('system-test harness', function () {
  let rootfs = '';
  let alpha: Machine | undefined;
  let beta: Machine | undefined;
  let isolated: Machine | undefined;

  before(async function () {
    requireRoot();
    const started = Date.now();
    rootfs = await ensureRootfs();
    console.log(
      `      rootfs: ${rootfsBuildMs > 0 ? `built in ${(rootfsBuildMs / 1000).toFixed(1)} s` : `from cache (${Date.now() - started} ms)`}`,
    );
  });

  after(async function () {
    // Normally done by the last test; here so a failure in between still shuts everything down.
    await Promise.all([alpha?.poweroff(), beta?.poweroff(), isolated?.poweroff()]);
  });

  it('boots a machine whose systemd reports running or degraded', async function () {
    alpha = await Machine.boot('alpha');
    console.log(`      alpha booted in ${alpha.bootMs} ms`);
    const state = (await alpha.exec(['systemctl', 'is-system-running'])).stdout.trim();
    assert.ok(['running', 'degraded'].includes(state), `systemctl is-system-running said ${state}`);
    assert.equal((await alpha.must('hostname')).trim(), 'alpha');
    assert.ok(fs.existsSync(path.join(alpha.root, 'etc', 'os-release')), 'root is the merged rootfs on the host');
  });

  it('reports exit codes, passes input and bounds commands by a timeout', async function () {
    const m = alpha as Machine;
    assert.equal((await m.sh('exit 3')).code, 3);
    assert.equal((await m.exec(['cat'], { input: 'hello' })).stdout, 'hello');
    const started = Date.now();
    const slow = await m.exec(['sleep', '30'], { timeoutSec: 1 });
    assert.equal(slow.code, 124);
    assert.ok(Date.now() - started < 15_000, 'the timeout ended the command');
    await assert.rejects(m.must('echo out; echo err >&2; false'), /out[\s\S]*err/);
  });

  it('copies files into the machine where it can see them', async function () {
    const m = alpha as Machine;
    const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-probe-'));
    try {
      const hostFile = path.join(hostDir, 'probe.txt');
      fs.writeFileSync(hostFile, 'copied\n');
      const inside = await m.copyIn(hostFile);
      assert.equal(inside, '/var/tmp/probe.txt');
      assert.equal(await m.must(`cat ${inside}`), 'copied\n');
      await assert.rejects(m.copyIn(hostFile, '/tmp'), /separate filesystem/);
    } finally {
      fs.rmSync(hostDir, { recursive: true, force: true });
    }
  });

  it('has roscore, and its master answers when started as a transient unit', async function () {
    const m = alpha as Machine;
    await m.must('command -v roscore');
    await m.must('systemd-run --unit=probe-roscore roscore');
    const ms = await m.waitFor(
      async () => /^\[1, /.test((await m.sh(GET_PID('http://localhost:11311'), { timeoutSec: 10 })).stdout),
      60_000,
      'the ROS master to answer getPid',
    );
    console.log(`      roscore answered after ${ms} ms`);
    assert.equal((await m.must('systemctl is-active probe-roscore')).trim(), 'active');
  });

  it('runs a second machine at the same time that reaches the first one\'s master', async function () {
    beta = await Machine.boot('beta');
    console.log(`      beta booted in ${beta.bootMs} ms`);
    assert.ok((alpha as Machine).running, 'alpha still runs');
    assert.equal((await beta.must('hostname')).trim(), 'beta');
    // beta runs no master of its own: the answer must come from alpha's
    assert.notEqual((await beta.sh('systemctl is-active probe-roscore')).stdout.trim(), 'active');
    const answer = await beta.must(GET_PID('http://127.0.0.1:11311'));
    assert.match(answer, /^\[1, /);
    // Each machine has its own cgroup tree: stopping a unit in one must leave the same-named
    // unit of the other alone.
    const twin = 'systemd-run --unit=probe-twin sleep 300 >/dev/null && systemctl is-active probe-twin';
    assert.equal((await (alpha as Machine).must(twin)).trim(), 'active');
    assert.equal((await beta.must(twin)).trim(), 'active');
    await beta.must('systemctl stop probe-twin');
    assert.equal((await (alpha as Machine).must('systemctl is-active probe-twin')).trim(), 'active');
  });

  it('can give a machine a private network', async function () {
    isolated = await Machine.boot('isolated', { privateNetwork: true });
    const r = await isolated.sh(GET_PID('http://127.0.0.1:11311'), { timeoutSec: 20 });
    assert.notEqual(r.code, 0, 'the private network must not reach alpha\'s master');
    await isolated.poweroff();
  });

  it('gives a lingering user a working user manager', async function () {
    const m = alpha as Machine;
    await m.addLingeringUser('robot');
    const r = await m.userSh('robot', 'id -un; systemctl --user is-system-running');
    const [who, state] = r.stdout.trim().split('\n');
    assert.equal(who, 'robot');
    assert.ok(state === 'running' || state === 'degraded', `systemctl --user is-system-running: ${r.stdout}${r.stderr}`);
    // the user manager can run user units
    const unit = await m.userSh('robot', 'systemd-run --user --unit=probe-user sleep 300 && systemctl --user is-active probe-user');
    assert.equal(unit.stdout.trim(), 'active', unit.stderr);
  });

  it('runs chroot scripts in a throwaway overlay without systemd', async function () {
    let overlayRoot = '';
    const out = await withOverlay(async (root) => {
      overlayRoot = root;
      const r = await chrootSh(
        root,
        'test ! -e /run/systemd/system && echo no-systemd; test -r /proc/self/status && echo proc; ' +
          'test -c /dev/null && echo dev; command -v roscore >/dev/null && echo ros; touch /etc/chroot-was-here',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.ok(fs.existsSync(path.join(root, 'etc', 'chroot-was-here')));
      return r.stdout.trim().split('\n');
    });
    assert.deepEqual(out, ['no-systemd', 'proc', 'dev', 'ros']);
    assert.ok(!fs.existsSync(path.join(rootfs, 'etc', 'chroot-was-here')), 'the cached rootfs is untouched');
    assert.ok(!fs.existsSync(overlayRoot), 'the overlay is removed');
    assert.deepEqual(mountsMentioning(path.dirname(overlayRoot)), [], 'no mount is left behind');
  });

  it('powers everything off and leaves no mounts, processes or directories behind', async function () {
    const machines = [alpha as Machine, beta as Machine, isolated as Machine];
    const pids = machines.flatMap((m) => [m.nspawnPid, m.hostInitPid]);
    const dirs = machines.map((m) => path.dirname(m.root));
    const started = Date.now();
    await Promise.all(machines.map((m) => m.poweroff()));
    console.log(`      powered off in ${Date.now() - started} ms`);
    await Promise.all(machines.map((m) => m.poweroff())); // idempotent
    for (const pid of pids) assert.ok(!pidExists(pid), `process ${pid} is gone`);
    for (const dir of dirs) {
      assert.deepEqual(mountsMentioning(dir), [], `no mount under ${dir}`);
      assert.ok(!fs.existsSync(dir), `${dir} is removed`);
    }
    assert.deepEqual(liveResources(), { machines: [], overlays: [] });
    assert.ok(!machines.some((m) => m.running));
  });
});
