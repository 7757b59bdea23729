import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/build/package.js';
import { lintianFindings, must, REPO_ROOT, tempDir } from '../support/tools.js';

const EPOCH = 1_700_000_000;

/** The ROS 1 service tree in daemons/: roscore, roslaunch, the XML-RPC watchdog, their network setup. */
const ROS1_TREE = ['robot_bringup', 'ros_network', 'ros_service_tree', 'ros_watchdog'];
/** Daemons that use no ROS at all: they apply to every profile. */
const WITHOUT_ROS = ['ovos_services'];

/** The profiles added for today's robots, with the daemons of daemons/ that apply to each. */
const NEW_PROFILES: ReadonlyArray<{ profile: string; daemons: readonly string[]; prefix: string; revision: string }> = [
  { profile: 'debian-trixie', daemons: [...ROS1_TREE, ...WITHOUT_ROS], prefix: '', revision: '1+deb13' },
  { profile: 'kilted', daemons: WITHOUT_ROS, prefix: 'ros-kilted-', revision: '1' },
  { profile: 'lyrical', daemons: WITHOUT_ROS, prefix: 'ros-lyrical-', revision: '1' },
  { profile: 'rolling', daemons: WITHOUT_ROS, prefix: 'ros-rolling-', revision: '1' },
];

describe('the profiles of Debian 13 and of the ROS 2 distributions in support', function () {
  this.timeout(600_000);

  for (const { profile, daemons, prefix, revision } of NEW_PROFILES) {
    it(`${profile}: every daemon that applies builds lintian-clean, its units in /usr/lib/systemd/system`, async () => {
      const out = await tempDir();
      for (const daemon of daemons) {
        const built = await build(path.join(REPO_ROOT, 'daemons', daemon), { outDir: out, profile, sourceDateEpoch: EPOCH, jobs: 1 });
        assert.equal(path.basename(built.path), `${prefix}${daemon.replace(/_/g, '-')}_1.0.0-${revision}_all.deb`);
        assert.deepEqual(lintianFindings(built.path, profile), [], built.path);
        const units = must('dpkg-deb', ['-c', built.path]).split('\n').filter((line) => /\.(service|target|socket|timer)$/.test(line));
        const system = units.filter((l) => !l.includes('/systemd/user/'));
        assert.ok(system.length > 0, `${daemon} has system units`);
        for (const line of system) assert.match(line, / \.\/usr\/lib\/systemd\/system\/[^/]+$/, `${daemon}: ${line}`);
      }
    });
  }

  it('the ROS 1 tree is refused on the ROS 2 profiles, where roslaunch does not exist', async () => {
    const out = await tempDir();
    for (const profile of ['kilted', 'lyrical', 'rolling']) {
      // It says so itself (<target ros-version="1"/>), so it is refused at that line.
      await assert.rejects(
        build(path.join(REPO_ROOT, 'daemons', 'ros_service_tree'), { outDir: out, profile, sourceDateEpoch: EPOCH }),
        new RegExp(`package\\.xml:\\d+: targets ROS 1 \\(<target>\\), not profile ${profile} \\(ROS 2 `),
      );
      // Without that line, its roslaunch dependency is what refuses it.
      const copy = path.join(await tempDir(), 'ros_service_tree');
      await fs.cp(path.join(REPO_ROOT, 'daemons', 'ros_service_tree'), copy, { recursive: true });
      const manifest = path.join(copy, 'package.xml');
      await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('<target ros-version="1"/>', ''));
      await assert.rejects(
        build(copy, { outDir: out, profile, sourceDateEpoch: EPOCH }),
        new RegExp(`package\\.xml:\\d+: dependency "roslaunch" is a ROS 1 package \\(noetic\\), not part of ROS 2 ${profile}`),
      );
    }
  });
});
