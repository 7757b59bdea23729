import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/pipeline/package.js';
import type { RosdistroIndex } from '../../src/resolve/rosdistro.js';
import { debforge, lintianFindings, must, REPO_ROOT, tempDir } from '../support/tools.js';

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

describe('debforge profiles and end-of-life distributions', function () {
  this.timeout(300_000);

  /** rosdistro's distribution_status of each distribution, as the shipped index holds it. */
  async function statuses(): Promise<Record<string, string>> {
    const index = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'data', 'rosdistro-index.json'), 'utf8')) as RosdistroIndex;
    return Object.fromEntries(Object.entries(index.distributions).map(([name, d]) => [name, d.status]));
  }

  it('lists every profile with its status: rosdistro\'s for a ROS distribution, what applies for Debian\'s ROS and plain', async () => {
    const status = await statuses();
    const result = debforge(['profiles']);
    assert.equal(result.code, 0, result.stderr);
    const blocks = new Map(result.stdout.split('\n\n').filter((b) => b.trim() !== '').map((block) => [block.split(/[: ]/)[0]!, block]));
    assert.deepEqual([...blocks.keys()], ['noetic', 'humble', 'jazzy', 'kilted', 'lyrical', 'rolling', 'debian-bookworm', 'debian-trixie', 'plain']);
    assert.match(blocks.get('noetic')!, /^noetic \(default\): /);
    for (const distro of ['noetic', 'humble', 'jazzy', 'kilted', 'lyrical', 'rolling']) {
      assert.match(blocks.get(distro)!, new RegExp(`^  status: ${status[distro]} \\(rosdistro\\)`, 'm'), distro);
    }
    assert.equal(status['noetic'], 'end-of-life');
    assert.equal(status['rolling'], 'rolling');
    assert.match(blocks.get('debian-trixie')!, /^  status: Debian's own ROS 1, maintained with Debian 13 trixie/m);
    assert.match(blocks.get('debian-bookworm')!, /^  status: Debian's own ROS 1, maintained with Debian 12 bookworm/m);
    assert.match(blocks.get('plain')!, /^  status: no ROS distribution/m);

    const json = debforge(['profiles', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as { name: string; status: string; detail: string; ros?: { distro: string } }[];
    for (const profile of listed) {
      const expected = profile.ros === undefined ? 'no-ros' : profile.ros.distro === 'debian' ? 'debian' : status[profile.ros.distro];
      assert.equal(profile.status, expected, profile.name);
      assert.ok(profile.detail.length > 0, profile.name);
    }
  });

  it('a build for an end-of-life distribution prints one note per run and profile; others print none', async () => {
    const eol = /^debforge: profile noetic: note: ROS 1 noetic is at end of life \(rosdistro: end-of-life\)/;
    // Every daemon of the tree, two profiles: the note once, for noetic only.
    const both = debforge(['build', path.join(REPO_ROOT, 'daemons'), '--profile', 'noetic', '--profile', 'debian-bookworm', '--out', await tempDir()]);
    assert.equal(both.code, 0, both.stderr);
    assert.equal(both.stderr.split('\n').filter((line) => eol.test(line)).length, 1, both.stderr);
    assert.doesNotMatch(both.stderr, /debian-bookworm: note/);
    // noetic is still the default profile.
    const byDefault = debforge(['build', path.join(REPO_ROOT, 'daemons', 'ros_watchdog'), '--out', await tempDir()]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.match(byDefault.stdout, /ros-noetic-ros-watchdog_1\.0\.0-1_all\.deb/);
    assert.equal(byDefault.stderr.split('\n').filter((line) => eol.test(line)).length, 1, byDefault.stderr);
    const active = debforge(['build', path.join(REPO_ROOT, 'daemons', 'ovos_services'), '--profile', 'jazzy', '--profile', 'rolling', '--out', await tempDir()]);
    assert.equal(active.code, 0, active.stderr);
    assert.doesNotMatch(active.stderr, /end of life/);
    const checked = debforge(['check', path.join(REPO_ROOT, 'daemons')]);
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(`${checked.stdout}${checked.stderr}`.split('\n').filter((line) => /profile noetic: note: .*end of life/.test(line)).length, 1, checked.stderr);
  });
});
