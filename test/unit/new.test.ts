// `debforge new`: a daemon folder per kind that checks clean and builds lintian-clean as it is,
// and never a byte of an existing folder overwritten.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, debforge, judgedPerTarget, lintianFindings, must, run, tempDir } from '../support/tools.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const KINDS = ['ros', 'user', 'plain'] as const;

/** stderr less the one note a run for noetic (the default profile) prints: it is at end of life. */
function withoutEndOfLife(stderr: string): string {
  const lines = stderr.split('\n');
  const notes = lines.filter((line) => /^profile noetic: note: ROS 1 noetic is at end of life/.test(line));
  assert.equal(notes.length, 1, stderr);
  return lines.filter((line) => !notes.includes(line)).join('\n');
}

describe('debforge new', function () {
  this.timeout(120_000);
  let parent = '';
  const debs: string[] = [];

  before(async () => {
    parent = await tempDir();
    for (const kind of KINDS) {
      const created = debforge(['new', `my_${kind}_daemon`, '--kind', kind, '--dir', path.join(parent, 'daemons')], { env });
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout.trim(), path.join(parent, 'daemons', `my_${kind}_daemon`));
    }
    // The ros kind depends on the watchdog daemon, which the team builds with it.
    const built = debforge(['build', path.join(parent, 'daemons'), path.join(REPO_ROOT, 'daemons', 'ros_watchdog'), '--out', path.join(parent, 'dist'), '--jobs', '1'], { env });
    assert.equal(built.code, 0, built.stderr);
    debs.push(...built.stdout.trim().split('\n').filter((deb) => !path.basename(deb).startsWith('ros-noetic-ros-watchdog_')));
  });

  it('scaffolds each kind as the seed lays a daemon out', async () => {
    const read = (daemon: string, file: string): Promise<string> => fs.readFile(path.join(parent, 'daemons', daemon, file), 'utf8');
    const ros = await read('my_ros_daemon', 'etc/my-ros-daemon.service.in');
    assert.match(ros, /^Requires=ros-watchdog\.service$/m);
    assert.match(ros, /^After=ros-watchdog\.service$/m);
    assert.match(ros, /^EnvironmentFile=\/etc\/ros-env\.conf$/m);
    assert.match(await read('my_ros_daemon', 'package.xml'), /^      <target ros-version="1"\/>$/m, 'it says it is for ROS 1');
    assert.match(ros, /^ExecStart=\/bin\/bash -c "source @ROS_SETUP@ && exec roslaunch --wait \/usr\/share\/my-ros-daemon\/launch\/my_ros_daemon\.launch"$/m);
    await fs.access(path.join(parent, 'daemons/my_ros_daemon/files/usr/share/my-ros-daemon/launch/my_ros_daemon.launch'));
    const user = await read('my_user_daemon', 'etc/user/my-user-daemon.service.in');
    assert.match(user, /^Type=simple$/m);
    assert.match(user, /^WantedBy=default\.target$/m);
    const plain = await read('my_plain_daemon', 'etc/my-plain-daemon.service.in');
    assert.match(plain, /^WantedBy=multi-user\.target$/m);
    for (const kind of KINDS) {
      const daemon = `my_${kind}_daemon`;
      const manifest = await read(daemon, 'package.xml');
      assert.match(manifest, /<package format="3">/);
      assert.match(manifest, new RegExp(`<name>${daemon}</name>`));
      assert.match(await read(daemon, 'debian/postinst'), /^#DEBFORGE#$/m);
    }
    const program = await fs.stat(path.join(parent, 'daemons/my_plain_daemon/files/usr/libexec/my-plain-daemon/my-plain-daemon'));
    assert.equal(program.mode & 0o777, 0o755, 'the program is executable, so it installs 0755');
  });

  it('builds lintian-clean as it is: zero E: and W: lines for every kind', () => {
    assert.equal(debs.length, 3, debs.join('\n'));
    const result = run('lintian', ['--allow-root', '--pedantic', ...debs]);
    assert.ok([0, 1, 2].includes(result.code), result.stderr);
    const findings = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^[EW]: /.test(line));
    // Built without --profile: for the default profile, noetic.
    assert.deepEqual(judgedPerTarget(findings, () => 'noetic'), []);
  });

  it('checks clean: user and plain alone, ros with the ROS service tree that ships /etc/ros-env.conf', () => {
    for (const kind of ['user', 'plain']) {
      const checked = debforge(['check', path.join(parent, 'daemons', `my_${kind}_daemon`)], { env });
      assert.deepEqual({ code: checked.code, stderr: withoutEndOfLife(checked.stderr) }, { code: 0, stderr: '' }, kind);
    }
    const ros = debforge(['check', path.join(parent, 'daemons', 'my_ros_daemon'), path.join(REPO_ROOT, 'daemons', 'ros_service_tree'), path.join(REPO_ROOT, 'daemons', 'ros_watchdog')], { env });
    assert.deepEqual({ code: ros.code, stderr: withoutEndOfLife(ros.stderr) }, { code: 0, stderr: '' });
  });

  it('never overwrites: an existing folder or file of that name is an error and stays as it was', async () => {
    const dir = path.join(parent, 'existing');
    await fs.mkdir(path.join(dir, 'taken'), { recursive: true });
    await fs.writeFile(path.join(dir, 'taken', 'package.xml'), 'my own work\n');
    await fs.writeFile(path.join(dir, 'file_taken'), 'a file\n');
    for (const name of ['taken', 'file_taken']) {
      const result = debforge(['new', name, '--dir', dir]);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, `debforge: ${path.join(dir, name)}: already exists: debforge new never overwrites; choose another name or --dir\n`);
    }
    assert.deepEqual((await fs.readdir(path.join(dir, 'taken'))).sort(), ['package.xml']);
    assert.equal(await fs.readFile(path.join(dir, 'taken', 'package.xml'), 'utf8'), 'my own work\n');
    assert.equal(await fs.readFile(path.join(dir, 'file_taken'), 'utf8'), 'a file\n');
  });

  it('writes into daemons/ by default', async () => {
    const cwd = await tempDir();
    const result = debforge(['new', 'default_place', '--kind', 'plain'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${path.join('daemons', 'default_place')}\n`);
    await fs.access(path.join(cwd, 'daemons', 'default_place', 'package.xml'));
  });

  it('refuses bad names and kinds with a usage error (exit 2), writing nothing', async () => {
    const dir = await tempDir();
    for (const [args, pattern] of [
      [['new', 'Robot-Daemon'], /"Robot-Daemon" is not a ROS package name/],
      [['new', 'r'], /"r" is not a ROS package name/],
      [['new', 'x$(reboot)'], /is not a ROS package name/],
      [['new', 'ok_name', '--kind', 'daemon'], /--kind "daemon" must be ros, user, plain/],
      [['new'], /new takes exactly one daemon name/],
      [['new', 'ok_name', '--profile', 'kinetic'], /unknown profile "kinetic"/],
      [['new', 'ok_name', '--kind', 'ros', '--profile', 'plain'], /--kind ros needs a ROS profile: plain has no ROS/],
    ] as const) {
      const result = debforge([...args, '--dir', dir]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
    }
    assert.deepEqual(await fs.readdir(dir), []);
    const help = debforge(['new', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: debforge new <name> \[--kind ros\|user\|plain\] \[--profile NAME\] \[--dir DIR\]/);
  });
});

describe('debforge new --kind ros for a ROS 2 profile', function () {
  this.timeout(120_000);

  it('writes a ros2 launch unit of the ROS 2 service tree that builds lintian-clean and passes systemd-analyze verify', async () => {
    const parent = await tempDir();
    const created = debforge(['new', 'my_ros2_daemon', '--kind', 'ros', '--profile', 'jazzy', '--dir', path.join(parent, 'daemons')], { env });
    assert.equal(created.code, 0, created.stderr);
    const folder = path.join(parent, 'daemons', 'my_ros2_daemon');
    const unit = await fs.readFile(path.join(folder, 'etc/my-ros2-daemon.service.in'), 'utf8');
    assert.match(unit, /^ExecStart=\/bin\/bash -c "source @ROS_SETUP@ && exec ros2 launch \/usr\/share\/my-ros2-daemon\/launch\/my_ros2_daemon\.launch\.xml"$/m);
    assert.match(unit, /^PartOf=ros\.service$/m);
    assert.doesNotMatch(unit, /roslaunch|ros-watchdog/);
    await fs.access(path.join(folder, 'files/usr/share/my-ros2-daemon/launch/my_ros2_daemon.launch.xml'));
    const manifest = await fs.readFile(path.join(folder, 'package.xml'), 'utf8');
    assert.match(manifest, /<buildtool_depend>ament_cmake<\/buildtool_depend>/);
    assert.match(manifest, /<exec_depend>ros2launch<\/exec_depend>/);
    assert.doesNotMatch(manifest, /<exec_depend>(roslaunch|ros_watchdog)</);
    assert.match(manifest, /^      <target ros-version="2"\/>$/m, 'it says it is for ROS 2');

    // Built for jazzy with the tree it belongs to, as a team builds its daemons folder.
    const tree = ['ros2_service_tree', 'ros_network'].map((d) => path.join(REPO_ROOT, 'daemons', d));
    const built = debforge(['build', folder, ...tree, '--profile', 'jazzy', '--out', path.join(parent, 'dist'), '--jobs', '1'], { env });
    assert.equal(built.code, 0, built.stderr);
    const debs = built.stdout.trim().split('\n');
    const deb = debs.find((d) => path.basename(d).startsWith('ros-jazzy-my-ros2-daemon_'))!;
    assert.deepEqual(lintianFindings(deb, 'jazzy'), []);
    // The unit beside the units it names (ros.service, ros-network.service), as installed.
    const root = await tempDir('debforge-root-');
    for (const file of debs) must('dpkg-deb', ['-x', file, root]);
    const verify = run('systemd-analyze', ['verify', path.join(root, 'usr/lib/systemd/system/my-ros2-daemon.service')]);
    assert.deepEqual({ code: verify.code, stderr: verify.stderr }, { code: 0, stderr: '' });
  });
});
