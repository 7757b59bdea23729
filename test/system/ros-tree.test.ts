import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/index.js';
import { REPO_ROOT, lintianFindings, tempDir } from '../support/tools.js';
import { BOOKWORM, Machine, TRIXIE, requireRoot, type Release } from './harness.js';

/**
 * The ROS service tree of daemons/, built for Debian's own ROS and run with Debian's real roscore
 * under a booted systemd, on Debian 12 and on Debian 13. Ports away from ROS's default 11311 keep
 * these machines clear of any other master on the shared host network.
 */
const EPOCH = 1700000000;
const LOCAL_PORT = 11511;
const REMOTE_PORT = 11611;
const DAEMONS = ['ros_network', 'ros_service_tree', 'ros_watchdog', 'robot_bringup'];
/** The units of the tree, root first. */
const TREE_UNITS = ['ros.service', 'ros-network.service', 'roscore.service', 'ros-watchdog.service', 'robot-bringup.service'];

async function activeState(machine: Machine, unit: string): Promise<string> {
  return (await machine.sh(`systemctl is-active ${unit}`)).stdout.trim();
}

async function mainPid(machine: Machine, unit: string): Promise<string> {
  return (await machine.must(`systemctl show -p MainPID --value ${unit}`)).trim();
}

/** Node names registered with the master at `uri`, asked through the master API. */
async function registeredNodes(machine: Machine, uri: string): Promise<string[]> {
  const script = `python3 -c 'import xmlrpc.client as x; s=x.ServerProxy("${uri}").getSystemState("/probe")[2]; print("\\n".join(sorted({n for kind in s for _, nodes in kind for n in nodes})))'`;
  const result = await machine.sh(script);
  return result.code === 0 ? result.stdout.split('\n').filter((l) => l !== '') : [];
}

/** The pid the master at `uri` reports (master API getPid), or undefined while it does not answer. */
async function masterPid(machine: Machine, uri: string): Promise<number | undefined> {
  const result = await machine.sh(`python3 -c 'import xmlrpc.client as x; print(x.ServerProxy("${uri}").getPid("/probe")[2])'`, { timeoutSec: 10 });
  return result.code === 0 && /^\d+$/.test(result.stdout.trim()) ? Number(result.stdout.trim()) : undefined;
}

async function setMasterUri(machine: Machine, uri: string): Promise<void> {
  await machine.must(`sed -i 's|^ROS_MASTER_URI=.*|ROS_MASTER_URI=${uri}|' /etc/ros-env.conf`);
}

/** Each release's machines and the profile its packages are built with. */
const RELEASES: ReadonlyArray<{ release: Release; profile: string; suffix: string }> = [
  { release: BOOKWORM, profile: 'debian-bookworm', suffix: '' },
  { release: TRIXIE, profile: 'debian-trixie', suffix: '-trixie' },
];

for (const { release, profile: treeProfile, suffix } of RELEASES) describe(`the ROS service tree on a booted systemd with a real ROS master: Debian ${release.suite}`, function () {
  this.timeout(900_000);
  let robot: Machine;
  let master: Machine | undefined;
  const debs: string[] = [];
  const localUri = `http://localhost:${LOCAL_PORT}`;

  before(async () => {
    requireRoot();
    const out = await tempDir();
    for (const daemon of DAEMONS) {
      debs.push((await build(path.join(REPO_ROOT, 'daemons', daemon), { outDir: out, profile: treeProfile, sourceDateEpoch: EPOCH })).path);
    }
    robot = await Machine.boot(`robot${suffix}`, { release });
  });

  after(async () => {
    await Promise.all([robot?.poweroff(), master?.poweroff()]);
  });

  // What is built does not depend on the machine: checked once.
  if (release === BOOKWORM) it('6. the tree is lintian-clean for every ROS 1 profile, and refused on ROS 2 profiles: it targets ROS 1, and roslaunch does not exist there', async () => {
    const out = await tempDir();
    for (const profile of ['noetic', 'debian-bookworm', 'debian-trixie']) {
      for (const daemon of DAEMONS) {
        const result = await build(path.join(REPO_ROOT, 'daemons', daemon), { outDir: out, profile, sourceDateEpoch: EPOCH });
        assert.deepEqual(lintianFindings(result.path, profile), [], result.path);
      }
    }
    // The tree says it is ROS 1 (<target ros-version="1"/>), so it is refused at that line; a copy
    // without that line is still refused, for its roslaunch dependency.
    const untargeted = path.join(await tempDir(), 'ros_service_tree');
    await fs.cp(path.join(REPO_ROOT, 'daemons', 'ros_service_tree'), untargeted, { recursive: true });
    const manifest = path.join(untargeted, 'package.xml');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('<target ros-version="1"/>', ''));
    for (const profile of ['humble', 'jazzy', 'kilted', 'lyrical', 'rolling']) {
      await assert.rejects(
        build(path.join(REPO_ROOT, 'daemons', 'ros_service_tree'), { outDir: out, profile, sourceDateEpoch: EPOCH }),
        new RegExp(`package\\.xml:\\d+: targets ROS 1 \\(<target>\\), not profile ${profile} \\(ROS 2 `),
      );
      await assert.rejects(
        build(untargeted, { outDir: out, profile, sourceDateEpoch: EPOCH }),
        new RegExp(`package\\.xml:\\d+: dependency "roslaunch" is a ROS 1 package \\(noetic\\), not part of ROS 2 ${profile}`),
      );
    }
  });

  it('1. installed with apt: master, watchdog and the dependent node run, and the node is registered', async () => {
    // The admin's setting comes first, as on a robot: a conffile edit before the tree starts.
    await robot.must(`mkdir -p /etc && printf 'ROS_MASTER_URI=${localUri}\\n' > /etc/ros-env.conf`);
    const install = await robot.aptInstall(debs);
    assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    await robot.must(`grep -q '^ROS_MASTER_URI=${localUri}$' /etc/ros-env.conf`);
    for (const unit of TREE_UNITS) {
      await robot.waitFor(async () => (await activeState(robot, unit)) === 'active', 60_000, `${unit} active`);
    }
    await robot.waitFor(async () => (await registeredNodes(robot, localUri)).includes('/heartbeat'), 30_000, 'the heartbeat node registered with the master');
    assert.equal((await robot.must(`ps -o user= -p $(systemctl show -p MainPID --value roscore.service)`)).trim(), 'ros', 'roscore runs as the ros system user');
  });

  it('2. the dependent stays up with the master; stops within 3 s when roscore stops; returns within 5 s when it starts', async () => {
    const pid = await mainPid(robot, 'robot-bringup.service');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal(await mainPid(robot, 'robot-bringup.service'), pid, 'same PID: no flapping while the master is up');
    assert.equal(await activeState(robot, 'robot-bringup.service'), 'active');

    await robot.must('systemctl stop roscore.service');
    const stoppedMs = await robot.waitFor(async () => (await activeState(robot, 'robot-bringup.service')) !== 'active', 10_000, 'dependent stopped');
    console.log(`      dependent stopped ${stoppedMs} ms after roscore stopped`);
    assert.ok(stoppedMs <= 3_000, `stopped after ${stoppedMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.notEqual(await activeState(robot, 'robot-bringup.service'), 'active', 'stays stopped while the master is down');
    assert.equal(await activeState(robot, 'roscore.service'), 'inactive', 'nothing started roscore behind the admin');
    const status = await robot.must('systemctl show -p StatusText --value ros-watchdog.service');
    assert.match(status, /waiting for ROS master/);

    await robot.must('systemctl start roscore.service');
    // The master returns when it answers again; how long roscore itself takes to get there (a
    // few seconds of Python start-up, more on a loaded machine) is not the tree's doing.
    const answerMs = await robot.waitFor(async () => (await masterPid(robot, localUri)) !== undefined, 30_000, 'the master answering again');
    const backMs = await robot.waitFor(async () => (await activeState(robot, 'robot-bringup.service')) === 'active', 15_000, 'dependent back');
    console.log(`      master answering ${answerMs} ms after roscore started; dependent active again ${backMs} ms later`);
    assert.ok(backMs <= 5_000, `back ${backMs} ms after the master answered`);
  });

  it('3. systemctl stop ros stops the tree; systemctl start ros brings it all back', async () => {
    await robot.must('systemctl stop ros');
    // `systemctl stop ros` returns once ros.service is stopped; the others stop in their order
    // (the daemons first, the network address last).
    for (const unit of TREE_UNITS) {
      await robot.waitFor(async () => (await activeState(robot, unit)) === 'inactive', 30_000, `${unit} stopped with the tree`);
    }
    await robot.must('systemctl start ros');
    for (const unit of TREE_UNITS) {
      await robot.waitFor(async () => (await activeState(robot, unit)) === 'active', 30_000, `${unit} back with the tree`);
    }
  });

  it('4. a master on another machine: 10 stop/start cycles, the dependent follows, the watchdog never fails', async () => {
    master = await Machine.boot(`master${suffix}`, { release });
    await robot.must('systemctl disable --now roscore.service');
    const remoteUri = `http://127.0.0.1:${REMOTE_PORT}`;
    await setMasterUri(robot, remoteUri);
    await robot.must('systemctl restart ros-watchdog.service --no-block');
    const startMaster = (): Promise<string> => master!.must(`systemd-run --unit=remote-roscore --property=Environment=ROS_HOME=/tmp roscore -p ${REMOTE_PORT}`);
    await startMaster();
    await robot.waitFor(async () => (await activeState(robot, 'robot-bringup.service')) === 'active', 60_000, 'dependent up with the remote master');
    const latencies: string[] = [];
    for (let cycle = 1; cycle <= 10; cycle++) {
      await master.must('systemctl stop remote-roscore.service');
      const down = await robot.waitFor(async () => (await activeState(robot, 'robot-bringup.service')) !== 'active', 15_000, `cycle ${cycle}: dependent stopped`);
      await startMaster();
      const up = await robot.waitFor(async () => (await activeState(robot, 'robot-bringup.service')) === 'active', 30_000, `cycle ${cycle}: dependent back`);
      latencies.push(`${down}/${up}`);
      assert.equal((await robot.sh('systemctl is-failed ros-watchdog.service')).stdout.trim() === 'failed', false, `cycle ${cycle}: watchdog failed`);
    }
    console.log(`      stop/start latencies (ms): ${latencies.join(', ')}`);
    assert.equal(await activeState(robot, 'roscore.service'), 'inactive', 'the local master stayed off');
    assert.notEqual((await robot.must('systemctl show -p ActiveState --value ros-watchdog.service')).trim(), 'failed');
  });

  // Needs a machine of its own, on a network of its own (the interface is created by the test);
  // the tree's units are the same on both releases: once is enough.
  if (release === BOOKWORM) it('5. the environment file names an interface without an address: the tree waits; given one, it starts with ROS_IP set to it', async () => {
    const net = await Machine.boot('robot-net', { release, privateNetwork: true });
    try {
      const address = '192.0.2.33';
      await net.must('ip link add ros0 type veth peer name ros0-peer && ip link set ros0 up && ip link set ros0-peer up');
      await net.must(
        `mkdir -p /etc && printf 'ROS_MASTER_URI=${localUri}\\nROS_NETWORK_INTERFACE=ros0\\nROS_NETWORK_WAIT_SECONDS=5\\n' > /etc/ros-env.conf`,
      );
      const install = await net.aptInstall(debs);
      assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
      // Longer than one attempt (5 s): the tree keeps waiting, attempt after attempt.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      for (const unit of ['roscore.service', 'ros-watchdog.service', 'robot-bringup.service']) {
        assert.notEqual(await activeState(net, unit), 'active', `${unit} waits for the interface`);
      }
      const waiting = await net.must('journalctl --no-pager -o cat -u ros-network.service');
      assert.match(waiting, /ros-network-wait: waiting up to 5 s for an IPv4 address on ros0/);
      assert.match(waiting, /ros-network-wait: no IPv4 address on ros0 after 5 s; trying again/);

      await net.must(`ip address add ${address}/24 dev ros0`);
      const upMs = await net.waitFor(async () => (await activeState(net, 'roscore.service')) === 'active', 30_000, 'roscore active once ros0 has an address');
      console.log(`      roscore active ${upMs} ms after the interface got its address`);
      const pid = await mainPid(net, 'roscore.service');
      const environ = await net.must(`tr '\\0' '\\n' < /proc/${pid}/environ`);
      assert.match(environ, new RegExp(`^ROS_IP=${address.replace(/\./g, '\\.')}$`, 'm'), environ);
      // The master itself reports the address it derived from ROS_IP.
      const uri = async (): Promise<string> =>
        (await net.sh(`python3 -c 'import xmlrpc.client as x; print(x.ServerProxy("${localUri}").getUri("/probe")[2])'`)).stdout.trim();
      await net.waitFor(async () => (await uri()) === `http://${address}:${LOCAL_PORT}/`, 30_000, `the master to report http://${address}:${LOCAL_PORT}/`);
      for (const unit of ['ros-watchdog.service', 'robot-bringup.service']) {
        await net.waitFor(async () => (await activeState(net, unit)) === 'active', 30_000, `${unit} active with the tree`);
      }
      assert.match(await net.must('journalctl --no-pager -o cat -u ros-network.service'), new RegExp(`ros0 has address ${address.replace(/\./g, '\\.')}: ROS_IP=`));
    } finally {
      await net.poweroff();
    }
  });
});
