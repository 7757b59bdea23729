import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/pipeline/package.js';
import { DebforgeError } from '../../src/errors.js';
import { editDistance, nearestKeys } from '../../src/nearest.js';
import { rosdepRule } from '../../src/resolve/rosdep-rule.js';
import { writeDaemonFolder } from '../support/daemon-folder.js';
import { must, tempDir } from '../support/tools.js';

const EPOCH = 1_700_000_000;

/** A daemon folder with the given runtime keys (and optional rosdep.yaml), as a user would write it. */
async function daemon(parent: string, name: string, keys: readonly string[], extra: { rosdep?: string; exportXml?: string } = {}): Promise<string> {
  const dir = path.join(parent, name);
  await writeDaemonFolder(dir, {
    name,
    version: '1.0.0',
    description: 'Reads a sensor and publishes it.',
    maintainer: { name: 'Robot Team', email: 'team@example.org' },
    license: 'BSD-3-Clause',
    more: `${keys.map((key) => `  <exec_depend>${key}</exec_depend>`).join('\n')}\n  <export>${extra.exportXml ?? ''}</export>\n`,
    unitDescription: 'Sensor reader',
  });
  if (extra.rosdep !== undefined) await fs.writeFile(path.join(dir, 'rosdep.yaml'), extra.rosdep);
  return dir;
}

async function dependsOf(dir: string, profile: string): Promise<string> {
  const built = await build(dir, { outDir: await tempDir(), profile, sourceDateEpoch: EPOCH, jobs: 1 });
  return must('dpkg-deb', ['-f', built.path, 'Depends']).trim();
}

async function refusal(dir: string, profile: string): Promise<string> {
  const out = await tempDir();
  try {
    await build(dir, { outDir: out, profile, sourceDateEpoch: EPOCH, jobs: 1 });
  } catch (error) {
    assert.ok(error instanceof DebforgeError, String(error));
    assert.deepEqual(await fs.readdir(out), [], 'nothing written');
    assert.equal(error.problems.length, 1, error.message);
    return error.message;
  }
  assert.fail(`${dir} built on ${profile}, a refusal was expected`);
}

describe('dependency keys resolve as bloom and rosdep do', function () {
  this.timeout(60_000);

  // The expected names were read by hand from rosdep/base.yaml and python.yaml of the rosdistro
  // snapshot the shipped index comes from: boost, eigen, libusb-dev and python3-serial name one
  // package for every Debian and Ubuntu release; libqt5-core has a codename table under ubuntu
  // ('*': libqt5core5t64, focal and jammy: libqt5core5a) and under debian ('*': libqt5core5t64,
  // bookworm: libqt5core5a).
  const EXPECTED: Record<string, string> = {
    noetic: 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5a',
    humble: 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5a',
    jazzy: 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5t64',
    kilted: 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5t64',
    lyrical: 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5t64',
    rolling: 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5t64',
    'debian-bookworm': 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5a',
    'debian-trixie': 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5t64',
    plain: 'libboost-all-dev, libeigen3-dev, libusb-dev, python3-serial, libqt5core5a',
  };
  for (const [profile, expected] of Object.entries(EXPECTED)) {
    it(`system keys get rosdep's Debian packages for the release of ${profile}`, async () => {
      const dir = await daemon(await tempDir(), 'system_keys', ['boost', 'eigen', 'libusb-dev', 'python3-serial', 'libqt5-core']);
      assert.equal(await dependsOf(dir, profile), expected);
    });
  }

  it('a package the distribution releases becomes ros-<distro>-<name>; Debian 12 gets its own ROS packages', async () => {
    const dir = await daemon(await tempDir(), 'released_keys', ['std_msgs', 'diagnostic_updater']);
    assert.equal(await dependsOf(dir, 'noetic'), 'ros-noetic-std-msgs, ros-noetic-diagnostic-updater');
    assert.equal(await dependsOf(dir, 'humble'), 'ros-humble-std-msgs, ros-humble-diagnostic-updater');
    assert.equal(await dependsOf(dir, 'debian-bookworm'), 'python3-std-msgs, python3-diagnostic-updater');
    assert.equal(await dependsOf(dir, 'debian-trixie'), 'python3-std-msgs, python3-diagnostic-updater');
  });

  it("each ROS 2 distribution's own releases: kilted, lyrical and rolling name their own packages", async () => {
    const dir = await daemon(await tempDir(), 'ros2_keys', ['rclpy', 'std_msgs']);
    for (const distro of ['kilted', 'lyrical', 'rolling']) assert.equal(await dependsOf(dir, distro), `ros-${distro}-rclpy, ros-${distro}-std-msgs`);
  });

  it("Debian 13's ROS: the libraries renamed by the 64-bit time_t transition, and what Debian 13 dropped", async () => {
    // Names read from Debian 13's archive (main, amd64): libroscpp4t64 replaced Debian 12's libroscpp4d.
    const dir = await daemon(await tempDir(), 'cpp_node', ['roscpp', 'rospy']);
    assert.equal(await dependsOf(dir, 'debian-bookworm'), 'libroscpp4d, python3-rospy');
    assert.equal(await dependsOf(dir, 'debian-trixie'), 'libroscpp4t64, python3-rospy');
    const gui = await daemon(await tempDir(), 'qt_panel', ['python_qt_binding']);
    assert.equal(await dependsOf(gui, 'debian-bookworm'), 'python3-python-qt-binding');
    assert.match(await refusal(gui, 'debian-trixie'), /dependency "python_qt_binding" is released in ROS noetic \(ros-noetic-python-qt-binding\), but Debian 13 does not ship it/);
  });

  it('roslaunch on a ROS 2 profile is an error naming its successor and the ways out', async () => {
    const dir = await daemon(await tempDir(), 'ros1_launcher', ['roslaunch']);
    const message = await refusal(dir, 'jazzy');
    assert.match(message, /ros1_launcher\/package\.xml:8: dependency "roslaunch" is a ROS 1 package \(noetic\), not part of ROS 2 jazzy: depend on ros2launch/);
    assert.match(message, /rosdep\.yaml beside package\.xml/);
    assert.match(message, /<export><debforge>/);
    assert.equal(await dependsOf(dir, 'noetic'), 'ros-noetic-roslaunch');
    assert.equal(await dependsOf(dir, 'plain'), 'python3-roslaunch');
  });

  it('an unknown key is an error at file:line naming the key, the profile and its nearest neighbours', async () => {
    const dir = await daemon(await tempDir(), 'typo_keys', ['eigen3x']);
    const message = await refusal(dir, 'noetic');
    assert.match(message, /typo_keys\/package\.xml:8: unknown dependency key "eigen3x" for profile noetic \(ROS noetic, ubuntu focal\)/);
    assert.match(message, /\(nearest known keys: [^)]*\beigen\b[^)]*\)/);
    assert.match(message, /map it in a rosdep\.yaml beside package\.xml, or give a raw Debian relation under <export><debforge>/);
    assert.doesNotMatch(message, /\n/);
  });

  it('a key rosdep installs only with pip is an error that says so', async () => {
    // python3-absl: ubuntu '*' is python3-absl, focal is {pip: {packages: [absl-py]}}.
    const dir = await daemon(await tempDir(), 'pip_key', ['python3-absl']);
    assert.match(await refusal(dir, 'noetic'), /dependency "python3-absl": rosdep installs it only with pip \(absl-py\) on ubuntu focal, and a Debian package cannot depend on that/);
    assert.equal(await dependsOf(dir, 'humble'), 'python3-absl');
  });

  it('a key rosdep marks null for the release is an error; other releases resolve', async () => {
    // cbindgen: ubuntu '*' is cbindgen, focal is null.
    const dir = await daemon(await tempDir(), 'null_key', ['cbindgen']);
    assert.match(await refusal(dir, 'noetic'), /dependency "cbindgen": rosdep knows the key but has no rule for ubuntu focal/);
    assert.equal(await dependsOf(dir, 'humble'), 'cbindgen');
  });

  it('a package released in another distribution only is named as such', async () => {
    const dir = await daemon(await tempDir(), 'ros2_on_ros1', ['rclpy']);
    assert.match(await refusal(dir, 'noetic'), /dependency "rclpy" is a ROS 2 package \([a-z, ]*humble[a-z, ]*\), not available on profile noetic/);
  });

  it("the folder's rosdep.yaml comes first, then a sibling, then the distribution", async () => {
    const parent = await tempDir();
    await daemon(parent, 'std_helper', []);
    const rosdep = 'eigen:\n  ubuntu:\n    focal: [libeigen3-dev, libeigen3-doc]\n  debian: [libeigen3-dev]\nstd_msgs:\n  ubuntu: [our-std-msgs]\n';
    const dir = await daemon(parent, 'layered', ['eigen', 'std_msgs', 'std_helper'], { rosdep });
    assert.equal(await dependsOf(dir, 'noetic'), 'libeigen3-dev, libeigen3-doc, our-std-msgs, ros-noetic-std-helper');
    assert.equal(await dependsOf(dir, 'debian-bookworm'), 'libeigen3-dev, python3-std-msgs, std-helper');
  });

  it('a folder built in the same run is a sibling wherever it lives', async () => {
    const helper = await daemon(await tempDir(), 'far_helper', []);
    const dir = await daemon(await tempDir(), 'uses_far_helper', ['far_helper']);
    assert.match(await refusal(dir, 'noetic'), /unknown dependency key "far_helper"/);
    const built = await build(dir, { outDir: await tempDir(), profile: 'noetic', sourceDateEpoch: EPOCH, jobs: 1, runSiblings: ['far_helper', 'uses_far_helper'] });
    assert.equal(must('dpkg-deb', ['-f', built.path, 'Depends']).trim(), 'ros-noetic-far-helper');
    assert.ok(helper);
  });

  it("the rosdep YAML files the machine's rosdep lists resolve what nothing else does", async () => {
    const sources = await tempDir();
    const team = path.join(sources, 'team.yaml');
    await fs.writeFile(team, 'team_sensor_sdk:\n  ubuntu:\n    focal: [team-sensor-sdk]\n  debian: [team-sensor-sdk-deb]\npip_only_sdk:\n  ubuntu:\n    pip:\n      packages: [sdk]\n');
    await fs.writeFile(
      path.join(sources, '10-team.list'),
      `# the team's keys\nyaml file://${team}\nyaml https://example.org/ignored.yaml\nyaml file://${path.join(sources, 'osx-only.yaml')} osx\n`,
    );
    await fs.writeFile(path.join(sources, 'not-a-list.txt'), `yaml file://${path.join(sources, 'missing.yaml')}\n`);
    const dir = await daemon(await tempDir(), 'machine_keys', ['team_sensor_sdk']);
    const previous = process.env['DEBFORGE_ROSDEP_SOURCES'];
    try {
      process.env['DEBFORGE_ROSDEP_SOURCES'] = sources;
      assert.equal(await dependsOf(dir, 'noetic'), 'team-sensor-sdk');
      assert.equal(await dependsOf(dir, 'debian-bookworm'), 'team-sensor-sdk-deb');
      assert.match(await refusal(await daemon(await tempDir(), 'machine_pip', ['pip_only_sdk']), 'humble'), /installs it only with pip \(sdk\) on ubuntu jammy/);
      process.env['DEBFORGE_ROSDEP_SOURCES'] = path.join(sources, 'nothing-here');
      assert.match(await refusal(dir, 'noetic'), /unknown dependency key "team_sensor_sdk"/);
    } finally {
      if (previous === undefined) delete process.env['DEBFORGE_ROSDEP_SOURCES'];
      else process.env['DEBFORGE_ROSDEP_SOURCES'] = previous;
    }
  });

  it('conditions pick the keys of the profile before they are resolved', async () => {
    const dir = path.join(await tempDir(), 'conditional');
    await daemon(path.dirname(dir), 'conditional', []);
    const manifest = path.join(dir, 'package.xml');
    await fs.writeFile(
      manifest,
      (await fs.readFile(manifest, 'utf8')).replace(
        '  <export>',
        '  <exec_depend condition="$ROS_VERSION == 1">rospy</exec_depend>\n  <exec_depend condition="$ROS_VERSION == 2">rclpy</exec_depend>\n  <export>',
      ),
    );
    assert.equal(await dependsOf(dir, 'noetic'), 'ros-noetic-rospy');
    assert.equal(await dependsOf(dir, 'jazzy'), 'ros-jazzy-rclpy');
    assert.equal(await dependsOf(dir, 'debian-bookworm'), 'python3-rospy');
  });
});

describe("rosdep's rule for one OS release", () => {
  const rules = {
    ubuntu: { '*': ['libfoo2'], focal: ['libfoo1'], jammy: null, noble: { pip: { packages: ['foo'] } } },
    debian: { apt: { packages: ['libfoo-deb'] } },
  };
  it('codename first, then the wildcard; null is no rule; installer keys at either level', () => {
    assert.deepEqual(rosdepRule(rules, 'ubuntu', 'focal'), { available: true, installer: 'apt', packages: ['libfoo1'] });
    assert.deepEqual(rosdepRule(rules, 'ubuntu', 'resolute'), { available: true, installer: 'apt', packages: ['libfoo2'] });
    assert.deepEqual(rosdepRule(rules, 'ubuntu', 'jammy'), { available: false });
    assert.deepEqual(rosdepRule(rules, 'ubuntu', 'noble'), { available: true, installer: 'pip', packages: ['foo'] });
    assert.deepEqual(rosdepRule(rules, 'debian', 'bookworm'), { available: true, installer: 'apt', packages: ['libfoo-deb'] });
    assert.equal(rosdepRule(rules, 'fedora', '40'), undefined);
    assert.deepEqual(rosdepRule({ debian: { bullseye: ['x'] } }, 'debian', 'bookworm'), { available: false });
    assert.deepEqual(rosdepRule({ debian: 'one-package' }, 'debian', 'bookworm'), { available: true, installer: 'apt', packages: ['one-package'] });
    assert.deepEqual(rosdepRule({ debian: { '*': { apt: { packages: [] } } } }, 'debian', 'bookworm'), { available: true, installer: 'apt', packages: [] });
  });

  it('nearest keys by edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('eigen', 'eigen'), 0);
    assert.deepEqual(nearestKeys('libusb_dev', ['libusb-dev', 'libusb-1.0-dev', 'boost', 'libusb-1.0']), ['libusb-dev']);
    assert.deepEqual(nearestKeys('zzzzzz', ['eigen', 'boost']), []);
  });
});
