// The ROS 2 service tree of daemons/ (ros2_service_tree, ros2_discovery_server, ros2_bringup, with
// the shared ros_network): lintian-clean for every ROS 2 profile, its units accepted by
// systemd-analyze verify, the Fast DDS tool's package resolved per distribution from the
// rosdistro data, and refused on ROS 1 profiles, where its dependencies do not exist.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PROFILES, build } from '../../src/index.js';
import { REPO_ROOT, debforge, judgedPerTarget, must, run, tempDir } from '../support/tools.js';

const EPOCH = 1700000000;
const TREE = ['ros_network', 'ros2_service_tree', 'ros2_discovery_server', 'ros2_bringup'];
const UNITS = ['ros.service', 'ros-network.service', 'ros-discovery-server.service', 'ros2-bringup.service'];

/** The ROS packages each distribution releases, from the shipped rosdistro index (its source data, not debforge's output). */
async function releasedPackages(distro: string): Promise<string[]> {
  const index = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'data', 'rosdistro-index.json'), 'utf8')) as {
    distributions: Record<string, { packages: string[] }>;
  };
  return index.distributions[distro]?.packages ?? [];
}

const ros2Profiles = PROFILES.filter((p) => p.ros?.version === 2);
const ros1Profiles = PROFILES.filter((p) => p.ros?.version === 1);

describe('the ROS 2 service tree', function () {
  this.timeout(300_000);

  it('there are ROS 2 profiles to build it for', () => {
    assert.ok(ros2Profiles.some((p) => p.name === 'humble') && ros2Profiles.some((p) => p.name === 'jazzy'), ros2Profiles.map((p) => p.name).join(' '));
  });

  for (const profile of ros2Profiles) {
    it(`${profile.name}: lintian-clean, its units pass systemd-analyze verify, the fastdds tool's package is the one ${profile.ros!.distro} releases`, async () => {
      const out = await tempDir();
      const root = await tempDir('debforge-root-');
      const debs: string[] = [];
      for (const daemon of TREE) {
        const result = await build(path.join(REPO_ROOT, 'daemons', daemon), { outDir: out, profile: profile.name, sourceDateEpoch: EPOCH });
        debs.push(result.path);
        must('dpkg-deb', ['-x', result.path, root]);
      }
      // One lintian run for the four packages: its E: and W: lines name the package they are about.
      const lintian = run('lintian', ['--allow-root', '--pedantic', ...debs]);
      assert.ok([0, 1, 2].includes(lintian.code), lintian.stderr);
      assert.deepEqual(judgedPerTarget(`${lintian.stdout}\n${lintian.stderr}`.split('\n').filter((line) => /^[EW]: /.test(line)), () => profile.name), []);
      // All units of the tree side by side, as on the robot: each one's dependencies are found.
      // ros-network.service runs a program of its package, which this machine does not have
      // installed (verify looks for it here): the booted test verifies it where it is installed.
      const unitDir = path.join(root, profile.systemUnitDir);
      assert.deepEqual((await fs.readdir(unitDir)).sort(), [...UNITS].sort());
      for (const unit of UNITS.filter((u) => u !== 'ros-network.service')) {
        const verify = run('systemd-analyze', ['verify', path.join(unitDir, unit)]);
        assert.deepEqual({ code: verify.code, stderr: verify.stderr }, { code: 0, stderr: '' }, unit);
      }
      const bringup = await fs.readFile(path.join(unitDir, 'ros2-bringup.service'), 'utf8');
      assert.match(bringup, new RegExp(`^ExecStart=/bin/bash -c "source ${profile.installPrefix}/setup\\.bash && exec ros2 launch /usr/share/ros2-bringup/launch/bringup\\.launch\\.xml"$`, 'm'));
      assert.match(bringup, /^PartOf=ros\.service$/m);
      assert.match(bringup, /^WantedBy=ros\.service ros-network\.service$/m);

      // Humble and Jazzy release the fastdds tool in fastrtps (Fast DDS 2.x), later ones in fastdds (3.x).
      const server = debs.find((deb) => path.basename(deb).startsWith(`${profile.packagePrefix}ros2-discovery-server_`))!;
      const depends = must('dpkg-deb', ['-f', server, 'Depends']).trim().split(/,\s*/);
      const tool = depends.filter((d) => d === `${profile.packagePrefix}fastrtps` || d === `${profile.packagePrefix}fastdds`);
      assert.equal(tool.length, 1, depends.join(', '));
      const released = await releasedPackages(profile.ros!.distro);
      assert.ok(released.includes(tool[0]!.slice(profile.packagePrefix.length)), `${tool[0]} is released by ${profile.ros!.distro}`);
      assert.equal(released.includes('fastdds') && released.includes('fastrtps'), false, 'a distribution releases one of the two, never both');
    });
  }

  for (const profile of ros1Profiles) {
    it(`${profile.name}: not built, ROS 2 only: skipped with a note in a folder of daemons, an error when named`, async () => {
      const out = await tempDir();
      const ros2Only = TREE.filter((d) => d !== 'ros_network');
      for (const daemon of ros2Only) {
        await assert.rejects(
          build(path.join(REPO_ROOT, 'daemons', daemon), { outDir: out, profile: profile.name, sourceDateEpoch: EPOCH }),
          new RegExp(`package\\.xml:\\d+: targets ROS 2 \\(<target>\\), not profile ${profile.name} `),
        );
      }
      assert.deepEqual(await fs.readdir(out), []);
      const checked = debforge(['check', 'daemons', '--profile', profile.name], { cwd: REPO_ROOT });
      assert.equal(checked.code, 0, checked.stderr);
      for (const daemon of ros2Only) {
        assert.match(checked.stderr, new RegExp(`^daemons/${daemon}/package\\.xml:\\d+: note: targets ROS 2 \\(<target>\\), not profile ${profile.name} .*: skipped$`, 'm'));
      }
    });
  }
});
