/**
 * The ROS 2 service tree of daemons/ on a booted Debian 13, whose fastdds-tools (Fast DDS 3.x)
 * gives the real `fastdds discovery` server: the discovery server unit comes up and answers on its
 * UDP port, `systemctl stop ros` / `start ros` stop and start every unit of the tree, the units
 * pass systemd-analyze verify, and with the environment file naming an interface that has no
 * address the tree waits, then listens on the address the interface gets.
 *
 * The packages are built for jazzy: a ROS binary profile whose system units go to
 * /usr/lib/systemd/system, as on merged-/usr Debian 13, and whose maintainer scripts need no more
 * than Debian 13's init-system-helpers 1.69. They install under /opt/ros/jazzy and depend on ROS 2
 * packages Debian does not have: small stand-in packages, made here with dpkg-deb and named as the
 * ROS ones, satisfy those dependencies, so apt installs everything with its dependencies checked
 * (no --force-depends). What each stand-in does is said where it is made; the discovery server it
 * leads to is Debian's real fastdds and fast-discovery-server.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/index.js';
import { REPO_ROOT, must, tempDir } from '../support/tools.js';
import { Machine, TRIXIE, requireRoot } from './harness.js';

const EPOCH = 1700000000;
const PROFILE = 'jazzy';
const PREFIX = '/opt/ros/jazzy';
const DAEMONS = ['ros_network', 'ros2_service_tree', 'ros2_discovery_server', 'ros2_bringup'];
/** The units of the tree, root first. */
const TREE_UNITS = ['ros.service', 'ros-network.service', 'ros-discovery-server.service', 'ros2-bringup.service'];
const PORT = 11811;

interface StandIn {
  name: string;
  description: string;
  depends?: string;
  files?: Record<string, { content: string; mode: number }>;
}

/**
 * Stand-ins for the ROS 2 packages of jazzy the tree depends on:
 * - ros-jazzy-ros-workspace: /opt/ros/jazzy/setup.bash, which (like the real one) puts
 *   /opt/ros/jazzy/bin on PATH; every other stand-in depends on it, as ROS packages do.
 * - ros-jazzy-fastrtps: ships nothing; depends on Debian's fastdds-tools, whose /usr/bin/fastdds
 *   (Fast DDS 3.1, the series of Kilted and later) is the discovery server that runs.
 * - ros-jazzy-ros2launch: /opt/ros/jazzy/bin/ros2, which accepts only `ros2 launch FILE` for a
 *   FILE that exists, says so with the ROS settings it was given, and stays in the foreground
 *   like ros2 launch. There is no ROS 2 runtime here: what is tested is the tree's wiring.
 * - ros-jazzy-rmw-fastrtps-cpp, ros-jazzy-demo-nodes-cpp: ship nothing.
 */
const STAND_INS: readonly StandIn[] = [
  {
    name: 'ros-jazzy-ros-workspace',
    description: 'stand-in: setup.bash that puts /opt/ros/jazzy/bin on PATH',
    files: { [`${PREFIX}/setup.bash`]: { content: `export PATH="${PREFIX}/bin:$PATH"\nexport AMENT_PREFIX_PATH="${PREFIX}"\n`, mode: 0o644 } },
  },
  { name: 'ros-jazzy-fastrtps', description: "stand-in: Debian's fastdds-tools provides the fastdds tool", depends: 'fastdds-tools, ros-jazzy-ros-workspace' },
  {
    name: 'ros-jazzy-ros2launch',
    description: 'stand-in: a ros2 that accepts ros2 launch FILE and stays up',
    depends: 'ros-jazzy-ros-workspace',
    files: {
      [`${PREFIX}/bin/ros2`]: {
        content: `#!/bin/sh
if [ "$1" != launch ] || [ ! -f "$2" ]; then
	echo "stand-in ros2: cannot run: ros2 $*" >&2
	exit 2
fi
echo "stand-in ros2: launching $2 (ROS_DOMAIN_ID=\${ROS_DOMAIN_ID-unset} RMW_IMPLEMENTATION=\${RMW_IMPLEMENTATION-unset} ROS_DISCOVERY_SERVER=\${ROS_DISCOVERY_SERVER-unset})"
exec sleep infinity
`,
        mode: 0o755,
      },
    },
  },
  { name: 'ros-jazzy-rmw-fastrtps-cpp', description: 'stand-in: ships nothing', depends: 'ros-jazzy-ros-workspace' },
  { name: 'ros-jazzy-demo-nodes-cpp', description: 'stand-in: ships nothing', depends: 'ros-jazzy-ros-workspace' },
];

async function standInDeb(dir: string, standIn: StandIn): Promise<string> {
  const tree = path.join(dir, standIn.name);
  await fs.mkdir(path.join(tree, 'DEBIAN'), { recursive: true });
  for (const [file, { content, mode }] of Object.entries(standIn.files ?? {})) {
    const target = path.join(tree, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content);
    await fs.chmod(target, mode);
  }
  const depends = standIn.depends !== undefined ? `Depends: ${standIn.depends}\n` : '';
  await fs.writeFile(
    path.join(tree, 'DEBIAN', 'control'),
    `Package: ${standIn.name}\nVersion: 0.0-0\nArchitecture: all\nMaintainer: Robotics Team <robotics@example.org>\n${depends}Description: ${standIn.description}\n`,
  );
  const deb = path.join(dir, `${standIn.name}_0.0-0_all.deb`);
  must('dpkg-deb', ['--root-owner-group', '--build', tree, deb]);
  return deb;
}

async function activeState(machine: Machine, unit: string): Promise<string> {
  return (await machine.sh(`systemctl is-active ${unit}`)).stdout.trim();
}

/**
 * Sends a datagram to host:port from a connected UDP socket and waits a second: `open` when
 * nothing comes back (a socket is bound there and took it), `refused` when the kernel answers
 * with port unreachable (nothing is bound there), `reply` when something answers.
 */
async function udpProbe(machine: Machine, host: string, port: number): Promise<string> {
  const script = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
s.connect((${JSON.stringify(host)}, ${port}))
s.send(b"debforge probe")
try:
    s.recv(65536)
    print("reply")
except socket.timeout:
    print("open")
except ConnectionRefusedError:
    print("refused")
`;
  return (await machine.must('python3 -', { input: script })).trim();
}

/** The UDP sockets listening on `port` and the pids of their processes, from ss. */
async function listeners(machine: Machine, port: number): Promise<{ local: string; pids: number[] }[]> {
  const out = await machine.must(`ss -H -u -l -n -p 'sport = :${port}'`);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields = line.trim().split(/\s+/);
      return {
        local: fields[3] ?? '',
        pids: [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])),
      };
    });
}

/** Whether process `pid` is in `unit`'s control group. */
async function inUnit(machine: Machine, pid: number, unit: string): Promise<boolean> {
  const cgroup = await machine.sh(`cat /proc/${pid}/cgroup`);
  return cgroup.stdout.split('\n').some((line) => line.endsWith(`/${unit}`));
}

describe('the ROS 2 service tree on a booted Debian 13 with the real Fast DDS discovery server', function () {
  this.timeout(900_000);
  let robot: Machine;
  const debs: string[] = [];

  before(async () => {
    requireRoot();
    const out = await tempDir();
    for (const standIn of STAND_INS) debs.push(await standInDeb(out, standIn));
    for (const daemon of DAEMONS) {
      debs.push((await build(path.join(REPO_ROOT, 'daemons', daemon), { outDir: out, profile: PROFILE, sourceDateEpoch: EPOCH })).path);
    }
    // A network of its own: port 11811 is the machine's alone, and the test can add interfaces.
    robot = await Machine.boot('ros2-robot', { release: TRIXIE, privateNetwork: true });
  });

  after(async () => {
    await robot?.poweroff();
  });

  it('1. installed with apt: every unit of the tree runs; the real fastdds discovery server answers on UDP 11811', async () => {
    // The robot's network: Fast DDS listening on every address needs one besides loopback.
    await robot.must('ip link add net0 type veth peer name net0-peer && ip address add 192.0.2.10/24 dev net0 && ip link set net0 up && ip link set net0-peer up');
    const install = await robot.aptInstall(debs);
    assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    for (const unit of TREE_UNITS) {
      await robot.waitFor(async () => (await activeState(robot, unit)) === 'active', 60_000, `${unit} active`);
    }
    // The socket on 11811 belongs to Debian's fast-discovery-server, in the unit's control group, run as ros.
    let sockets: Awaited<ReturnType<typeof listeners>> = [];
    await robot.waitFor(async () => (sockets = await listeners(robot, PORT)).length > 0, 30_000, `a UDP socket on port ${PORT}`);
    assert.equal(sockets.length, 1, JSON.stringify(sockets));
    assert.equal(sockets[0]!.local, `0.0.0.0:${PORT}`, 'no interface named: every address');
    assert.equal(sockets[0]!.pids.length, 1, JSON.stringify(sockets));
    const serverPid = sockets[0]!.pids[0]!;
    assert.ok(await inUnit(robot, serverPid, 'ros-discovery-server.service'), `${serverPid} runs in ros-discovery-server.service`);
    assert.equal((await robot.must(`readlink /proc/${serverPid}/exe`)).trim(), '/usr/bin/fast-discovery-server');
    assert.equal((await robot.must(`ps -o user= -p ${serverPid}`)).trim(), 'ros');
    assert.equal(await udpProbe(robot, '127.0.0.1', PORT), 'open');
    // The probe tells a bound port from a closed one.
    assert.equal(await udpProbe(robot, '127.0.0.1', PORT + 88), 'refused');

    // The example daemon: the unit sourced setup.bash (ros2 found on its PATH), read the
    // environment file, and launched the launch file it ships.
    await robot.waitFor(
      async () => /stand-in ros2: launching \/usr\/share\/ros2-bringup\/launch\/bringup\.launch\.xml \(ROS_DOMAIN_ID=0 RMW_IMPLEMENTATION=rmw_fastrtps_cpp ROS_DISCOVERY_SERVER=unset\)/.test(await robot.must('journalctl --no-pager -o cat -u ros2-bringup.service')),
      30_000,
      'ros2 launch of the shipped launch file in the journal',
    );
  });

  it('2. the units of the tree pass systemd-analyze verify where they are installed', async () => {
    for (const unit of TREE_UNITS) {
      // --man=no: this minimal system has no man command; Documentation=man:... pages are the
      // documentation's business, not the unit's.
      const verify = await robot.sh(`systemd-analyze verify --man=no /usr/lib/systemd/system/${unit}`);
      assert.deepEqual({ code: verify.code, stderr: verify.stderr }, { code: 0, stderr: '' }, unit);
    }
  });

  it('3. systemctl stop ros stops every unit of the tree; systemctl start ros brings them all back', async () => {
    await robot.must('systemctl stop ros');
    for (const unit of TREE_UNITS) {
      await robot.waitFor(async () => (await activeState(robot, unit)) === 'inactive', 30_000, `${unit} stopped with the tree`);
    }
    assert.equal(await udpProbe(robot, '127.0.0.1', PORT), 'refused', 'the discovery server is gone');
    await robot.must('systemctl start ros');
    for (const unit of TREE_UNITS) {
      await robot.waitFor(async () => (await activeState(robot, unit)) === 'active', 30_000, `${unit} back with the tree`);
    }
    await robot.waitFor(async () => (await udpProbe(robot, '127.0.0.1', PORT)) === 'open', 30_000, 'the discovery server answering again');
  });

  it('4. the environment file names an interface without an address: the tree waits; given one, the server announces it and the nodes are pointed at it', async () => {
    const address = '198.51.100.44';
    await robot.must('ip link add ros0 type veth peer name ros0-peer && ip link set ros0 up && ip link set ros0-peer up');
    await robot.must(
      `printf 'ROS_NETWORK_INTERFACE=ros0\\nROS_NETWORK_WAIT_SECONDS=3\\nROS_DISCOVERY_SERVER=interface:${PORT}\\n' >> /etc/ros-env.conf`,
    );
    await robot.must('systemctl restart ros --no-block');
    // Longer than one attempt (3 s): the tree keeps waiting, attempt after attempt.
    await robot.waitFor(
      async () => /no IPv4 address on ros0 after 3 s; trying again/.test(await robot.must('journalctl --no-pager -o cat -u ros-network.service')),
      30_000,
      'ros-network.service giving up one attempt',
    );
    for (const unit of ['ros-discovery-server.service', 'ros2-bringup.service']) {
      assert.notEqual(await activeState(robot, unit), 'active', `${unit} waits for the interface`);
    }
    assert.equal(await udpProbe(robot, '127.0.0.1', PORT), 'refused', 'no discovery server before the address');

    await robot.must(`ip address add ${address}/24 dev ros0`);
    for (const unit of ['ros-discovery-server.service', 'ros2-bringup.service']) {
      await robot.waitFor(async () => (await activeState(robot, unit)) === 'active', 30_000, `${unit} active once ros0 has an address`);
    }
    // The address the server gives its clients (Fast DDS binds the port on every address and
    // announces the one it was given).
    await robot.waitFor(
      async () => (await robot.must('journalctl --no-pager -o cat -u ros-discovery-server.service')).includes(`Server Addresses:   UDPv4:[${address}]:${PORT}`),
      30_000,
      `the server announcing ${address}:${PORT}`,
    );
    assert.equal(await udpProbe(robot, address, PORT), 'open');
    const pid = (await robot.must('systemctl show -p MainPID --value ros2-bringup.service')).trim();
    const environ = await robot.must(`tr '\\0' '\\n' < /proc/${pid}/environ`);
    assert.match(environ, new RegExp(`^ROS_DISCOVERY_SERVER=${address.replace(/\./g, '\\.')}:${PORT}$`, 'm'), environ);
  });
});
