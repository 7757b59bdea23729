// `debforge check`: every problem of every daemon at once, warnings about what builds but will
// hurt on a robot (judged over the whole checked set), and silence on good input.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execProgram } from '../../src/check/index.js';
import { parseUnitFile } from '../../src/check/unit-file.js';
import { main } from '../../src/cli/main.js';
import { FIXTURES, REPO_ROOT, copyTree, debforge, tempDir, type Run } from '../support/tools.js';

const CHECK = path.join(FIXTURES, 'check');
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

async function check(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['check', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function lines(run: Run): string[] {
  return run.stderr.split('\n').filter((l) => l !== '');
}

/** The `file[:line]` part of each reported line, relative to `base`. */
function places(run: Run, base: string): string[] {
  return lines(run).map((l) => {
    const relative = l.startsWith(base) ? l.slice(base.length + 1) : l;
    return /^(.*?(?::\d+)?): (?:warning: |note: )?/.exec(relative)?.[1] ?? relative;
  });
}

/** The note every run for the default profile, noetic, prints once: its distribution is at end of life. */
const NOETIC_END_OF_LIFE = 'profile noetic: note: ROS 1 noetic is at end of life (rosdistro: end-of-life): its packages get no more releases or fixes; debforge still builds for it, and `debforge profiles` lists the distributions in support\n';

describe('debforge check', function () {
  this.timeout(60_000);

  it('lists every error of a folder with several mistakes, one line each, and exits 1', async () => {
    const dir = path.join(CHECK, 'errors_daemon');
    const result = await check([dir]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.deepEqual(places(result, dir).sort(), [
      'debian/rules',
      'etc/errors daemon.service',
      'etc/errors-daemon.env',
      'package.xml:11',
      'package.xml:12',
      'package.xml:4',
      'package.xml:6',
      'package.xml:8',
      // The default profile's distribution, Noetic, is at end of life: one note says so.
      'profile noetic',
    ]);
    assert.ok(lines(result).every((l) => !l.includes('warning:')), 'these are all errors');
  });

  it('warns about what builds but hurts on a robot, file:line: warning: message, exit 0', async () => {
    const dir = path.join(await tempDir(), 'warnings_daemon');
    await copyTree(path.join(CHECK, 'warnings_daemon'), dir);
    // git keeps no empty folders: the one under files/etc is made here.
    await fs.mkdir(path.join(dir, 'files/etc/warnings-daemon/conf.d'));
    const result = await check([dir]);
    assert.equal(result.code, 0, 'warnings do not change the exit code');
    const [endOfLife, ...reported] = lines(result);
    assert.match(endOfLife!, /^profile noetic: note: ROS 1 noetic is at end of life/);
    assert.ok(reported.every((l) => l.startsWith(`${dir}/`) && /: (warning|note): /.test(l)), result.stderr);
    const byPlace = new Map(reported.map((l) => [places({ code: 0, stdout: '', stderr: l }, dir)[0]!, l]));
    assert.deepEqual([...byPlace.keys()].sort(), [
      'debian/postinst',
      'debian/postinst:9',
      'etc/warnings-daemon-orphan.service',
      'etc/warnings-daemon.service:10',
      'etc/warnings-daemon.service:8',
      'etc/warnings-daemon.service:9',
      'files/etc/warnings-daemon/conf.d',
      'files/etc/warnings-daemon/current.conf',
    ]);
    // The calls the generated section makes anyway are left out of the script, in one note; the
    // one on a unit the package does not ship stays, with a warning.
    assert.match(byPlace.get('debian/postinst')!, /: note: lines 5, 6 and 7 \(systemctl daemon-reload, enable, start\) left out/);
    assert.match(byPlace.get('debian/postinst:9')!, /: warning: line 9 calls systemctl try-restart on units the package does not ship/);
    assert.match(byPlace.get('etc/warnings-daemon-orphan.service')!, /has no \[Install\] section and no unit in the checked set pulls it in/);
    assert.match(byPlace.get('etc/warnings-daemon.service:8')!, /EnvironmentFile=\/etc\/warnings-daemon\/missing\.conf is shipped by no package in the checked set/);
    assert.match(byPlace.get('etc/warnings-daemon.service:9')!, /ExecStartPre= runs "bin\/prepare", a relative path/);
    assert.match(byPlace.get('etc/warnings-daemon.service:10')!, /ExecStart= runs "warnings-daemon", not an absolute path/);
    assert.match(byPlace.get('files/etc/warnings-daemon/current.conf')!, /is a symlink, not a regular file, so dpkg cannot keep it as a conffile/);
    assert.match(byPlace.get('files/etc/warnings-daemon/conf.d')!, /is an empty folder, not a conffile/);
    // What is fine stays quiet: the comment, daemon-reload, the optional (-) and the shipped
    // EnvironmentFile=, the unit pulled in by Wants=, the socket-activated service.
    assert.doesNotMatch(result.stderr, /postinst:[4-8]:|optional\.conf|env\.conf is|warnings-daemon-pulled|warnings-daemon-api/);
  });

  it('judges pull-ins and shipped files over the whole checked set', async () => {
    const parent = await tempDir();
    const warnings = path.join(parent, 'warnings_daemon');
    await copyTree(path.join(CHECK, 'warnings_daemon'), warnings);
    // A second daemon ships the missing environment file and pulls the orphan in.
    const provider = path.join(parent, 'provider_daemon');
    await fs.mkdir(path.join(provider, 'etc'), { recursive: true });
    await fs.mkdir(path.join(provider, 'files/etc/warnings-daemon'), { recursive: true });
    await fs.writeFile(
      path.join(provider, 'package.xml'),
      '<package format="3"><name>provider_daemon</name><version>1.0.0</version><description>Ships what the other daemon needs.</description>' +
        '<maintainer email="robotics@example.org">Robotics Team</maintainer><license>MIT</license></package>\n',
    );
    await fs.writeFile(path.join(provider, 'files/etc/warnings-daemon/missing.conf'), 'LEVEL=debug\n');
    await fs.writeFile(
      path.join(provider, 'etc/provider-daemon.service'),
      '[Unit]\nDescription=Provider\nWants=warnings-daemon-orphan.service\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n',
    );

    const alone = await check([warnings]);
    assert.match(alone.stderr, /missing\.conf is shipped by no package/);
    assert.match(alone.stderr, /warnings-daemon-orphan\.service has no \[Install\]/);
    for (const given of [[warnings, provider], [parent]]) {
      const together = await check(given);
      assert.equal(together.code, 0, together.stderr);
      assert.doesNotMatch(together.stderr, /missing\.conf|orphan/, `checked as one set: ${given.join(' ')}`);
      assert.match(together.stderr, /ExecStart= runs "warnings-daemon"/, 'the other warnings stay');
    }
  });

  it('lists the errors of one daemon and the warnings of another in one run, exit 1', async () => {
    const result = await check([path.join(CHECK, 'errors_daemon'), path.join(CHECK, 'warnings_daemon')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /errors_daemon\/package\.xml:4: <version> "1\.0" must be X\.Y\.Z/);
    assert.match(result.stderr, /warnings_daemon\/debian\/postinst:9: warning: line 9 calls systemctl try-restart/);
    // What the broken daemon ships or pulls in is unknown, so no set-wide guesses are made.
    assert.doesNotMatch(result.stderr, /shipped by no package|pulls it in/);
  });

  it('reports no problem and exits 0 on every good fixture and on daemons/ (which it says it checked)', async () => {
    const goods: string[] = [];
    for (const group of ['good', 'system']) {
      for (const name of (await fs.readdir(path.join(FIXTURES, group))).sort()) goods.push(path.join(FIXTURES, group, name));
    }
    assert.ok(goods.length >= 3);
    for (const dir of goods) {
      const result = await check([dir]);
      // Notes say what was read differently from catkin (the seed-layout fixture has some); no warning.
      const notNotes = lines(result).filter((l) => !l.includes(': note: '));
      assert.deepEqual({ code: result.code, reported: notNotes }, { code: 0, reported: [] }, dir);
    }
    // The daemons are one set (the watchdog and robot daemons read the env file the tree ships);
    // through the real CLI, as CI runs it.
    // The ROS 2 tree targets ROS 2 (<target> in its package.xml): left out of noetic with a note each.
    const daemons = debforge(['check', 'daemons/'], { cwd: REPO_ROOT, env });
    const count = (await fs.readdir(path.join(REPO_ROOT, 'daemons'))).length;
    const ros2Only = ['ros2_bringup', 'ros2_discovery_server', 'ros2_service_tree'];
    assert.deepEqual({ code: daemons.code, stdout: daemons.stdout }, { code: 0, stdout: `checked ${count} daemon folders for 1 profile (noetic): no errors, ${ros2Only.length + 1} notes\n` });
    const notes = daemons.stderr.replace(NOETIC_END_OF_LIFE, '').split('\n').filter((l) => l !== '');
    assert.equal(notes.length, ros2Only.length, daemons.stderr);
    for (const [index, daemon] of ros2Only.entries()) {
      assert.match(notes[index]!, new RegExp(`^daemons/${daemon}/package\\.xml:\\d+: note: targets ROS 2 \\(<target>\\), not profile noetic .*: skipped$`));
    }
  });

  it('reads unit files as systemd does: sections, continuations, comments, Exec prefixes', () => {
    const unit = parseUnitFile('# c\n[Unit]\nDescription=a \\\n  b\n; other comment\n[Service]\nExecStart=-/usr/bin/x --y\nEnvironmentFile=-/etc/x\n');
    assert.deepEqual([...unit.sections], ['Unit', 'Service']);
    assert.deepEqual(unit.entries, [
      { section: 'Unit', key: 'Description', value: 'a  b', line: 3 },
      { section: 'Service', key: 'ExecStart', value: '-/usr/bin/x --y', line: 7 },
      { section: 'Service', key: 'EnvironmentFile', value: '-/etc/x', line: 8 },
    ]);
    assert.equal(execProgram('@-:+!/usr/bin/x y'), '/usr/bin/x');
    assert.equal(execProgram('"/opt/my dir/x" y'), '/opt/my dir/x');
    assert.equal(execProgram('roslaunch x.launch'), 'roslaunch');
    assert.equal(execProgram(''), undefined);
  });
});
