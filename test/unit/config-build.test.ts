// A repository whose debforge.yaml names its own /opt/acme profile builds its daemons with no
// options, as dpkg-deb and lintian see them; command-line options override the file; a mistake in
// it stops the run at file:line before anything is written. Daemons say which profiles they
// target: one found in a folder is skipped with a note, one named is an error.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FIXTURES, REPO_ROOT, copyTree, debforge, lintianFindings, must, run, tempDir } from '../support/tools.js';

// Plain lines: the assertions read the messages, not their colours.
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000', NO_COLOR: '1' };

/** A copy of the acme repository (a git checkout, so the config search stops at its root). */
async function acmeRepository(): Promise<string> {
  const root = path.join(await tempDir('debforge-acme-'), 'acme');
  await copyTree(path.join(FIXTURES, 'config', 'acme'), root);
  must('git', ['init', '-q', root]);
  return root;
}

/** The changelog's first line, read with dpkg-deb and gzip. */
function changelogHead(deb: string, pkg: string): string {
  const tar = run('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/share/doc/${pkg}/changelog.Debian.gz | gzip -dc | head -1`, 'sh', deb]);
  assert.equal(tar.code, 0, tar.stderr);
  return tar.stdout.trim();
}

describe('project config: a repository built with no options', function () {
  this.timeout(120000);

  it('builds its daemons for the custom /opt/acme profile: prefix, name, suite, revision and compression from debforge.yaml', async () => {
    const root = await acmeRepository();
    const result = debforge(['build', 'daemons'], { cwd: root, env });
    assert.equal(result.code, 0, result.stderr);
    const deb = path.join(root, 'dist', 'acme-hello_1.4.0-3_all.deb');
    assert.equal(result.stdout.trim(), path.join('dist', 'acme-hello_1.4.0-3_all.deb'));
    const files = must('dpkg-deb', ['-c', deb]).split('\n').map((line) => line.split(/\s+/).pop());
    assert.ok(files.includes('./opt/acme/bin/acme-hello'), files.join('\n'));
    assert.ok(files.includes('./usr/lib/systemd/system/acme-hello.service'), files.join('\n'));
    const unit = run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/lib/systemd/system/acme-hello.service', 'sh', deb]);
    assert.match(unit.stdout, /^ExecStart=\/opt\/acme\/bin\/acme-hello$/m);
    // rosdep/acme.yaml, named by the config, maps the team's key.
    assert.equal(must('dpkg-deb', ['-f', deb, 'Depends']).trim(), 'python3');
    assert.match(changelogHead(deb, 'acme-hello'), /^acme-hello \(1\.4\.0-3\) acme-stable; urgency=/);
    assert.match(must('ar', ['t', deb]), /^data\.tar\.xz$/m);
    assert.deepEqual(lintianFindings(deb, 'acme'), []);
    // The ROS 1 daemon (a format 3 condition on <debforge>) is left out with one note.
    assert.match(result.stderr, /^debforge: daemons\/bringup\/package\.xml:10: note: targets the profiles where "\$ROS_VERSION == 1" holds \(<debforge condition>\), not profile acme \(.*\): skipped$/m);
    assert.deepEqual(await fs.readdir(path.join(root, 'dist')), ['acme-hello_1.4.0-3_all.deb']);
  });

  it('takes the command line over the file', async () => {
    const root = await acmeRepository();
    const result = debforge(['build', 'daemons/hello', '--revision', '7', '--compression', 'gzip', '--out', 'out'], { cwd: root, env });
    assert.equal(result.code, 0, result.stderr);
    const deb = path.join(root, 'out', 'acme-hello_1.4.0-7_all.deb');
    assert.match(must('ar', ['t', deb]), /^data\.tar\.gz$/m);
    // Another profile by name: the file's custom profile is no longer used.
    const bookworm = debforge(['build', 'daemons/hello', '--profile', 'plain', '--out', 'plain'], { cwd: root, env });
    assert.equal(bookworm.code, 0, bookworm.stderr);
    assert.deepEqual(await fs.readdir(path.join(root, 'plain')), ['hello_1.4.0-3_all.deb']);
  });

  it('health-check and health-settle make every system unit health-checked, as the library option does', async () => {
    const root = await acmeRepository();
    await fs.appendFile(path.join(root, 'debforge.yaml'), 'health-check: 20\nhealth-settle: 2\n');
    assert.equal(debforge(['build', 'daemons'], { cwd: root, env }).code, 0);
    const postinst = must('dpkg-deb', ['-I', path.join(root, 'dist', 'acme-hello_1.4.0-3_all.deb'), 'postinst']);
    assert.match(postinst, /^\s*debforge_health_check 'acme-hello\.service' 20 2 /m);
  });

  it('repo keeps as many versions as repo: keep: says, and repo prune needs no --keep', async () => {
    const root = await acmeRepository();
    await fs.appendFile(path.join(root, 'debforge.yaml'), 'repo:\n  keep: 2\n');
    const hello = path.join(root, 'daemons', 'hello', 'package.xml');
    const debs: string[] = [];
    for (const version of ['1.4.0', '1.5.0', '1.6.0']) {
      await fs.writeFile(hello, (await fs.readFile(hello, 'utf8')).replace(/<version>[^<]+<\/version>/, `<version>${version}</version>`));
      assert.equal(debforge(['build', 'daemons/hello', '--out', 'dist'], { cwd: root, env }).code, 0);
      debs.push(path.join('dist', `acme-hello_${version}-3_all.deb`));
    }
    const versions = (): string[] => {
      const packages = must('find', [path.join(root, 'apt', 'dists'), '-name', 'Packages']).trim().split('\n');
      return packages.flatMap((file) => must('grep', ['^Version:', file]).trim().split('\n')).sort();
    };
    const publish = debforge(['repo', ...debs, '--out', 'apt'], { cwd: root, env });
    assert.equal(publish.code, 0, publish.stderr);
    assert.deepEqual(versions(), ['Version: 1.5.0-3', 'Version: 1.6.0-3']);
    await fs.writeFile(path.join(root, 'debforge.yaml'), (await fs.readFile(path.join(root, 'debforge.yaml'), 'utf8')).replace('  keep: 2', '  keep: 1'));
    const prune = debforge(['repo', 'prune', '--out', 'apt'], { cwd: root, env });
    assert.equal(prune.code, 0, prune.stderr);
    assert.deepEqual(versions(), ['Version: 1.6.0-3']);
  });

  it('a misspelt key is an error at file:line, and nothing is written', async () => {
    const root = await acmeRepository();
    const config = path.join(root, 'debforge.yaml');
    await fs.writeFile(config, (await fs.readFile(config, 'utf8')).replace('    package-prefix: acme-', '    package-prefx: acme-'));
    for (const command of [['build', 'daemons'], ['check', 'daemons']]) {
      const result = debforge(command, { cwd: root, env });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, 'debforge: debforge.yaml:11: unknown key "package-prefx" in custom profile acme; did you mean "package-prefix"? (see docs/config.md)\n');
    }
    await assert.rejects(fs.access(path.join(root, 'dist')));
  });
});

describe('daemons that say where they belong', function () {
  this.timeout(120000);

  it('debforge build daemons --profile humble skips the ROS 1 tree with one note each', async () => {
    const out = await tempDir();
    const result = debforge(['build', 'daemons', '--profile', 'humble', '--out', out], { cwd: REPO_ROOT, env });
    assert.equal(result.code, 0, result.stderr);
    for (const daemon of ['robot_bringup', 'ros_service_tree', 'ros_watchdog']) {
      const notes = result.stderr.split('\n').filter((line) => line.startsWith(`debforge: daemons/${daemon}/package.xml:`));
      assert.equal(notes.length, 1, result.stderr);
      assert.match(notes[0]!, /:\d+: note: targets ROS 1 \(<target>\), not profile humble \(ROS 2 Humble .*\): skipped$/);
    }
    const built = await fs.readdir(out);
    assert.ok(!built.some((file) => /ros-humble-(ros-watchdog|ros-service-tree|robot-bringup)_/.test(file)), built.join(' '));
    assert.ok(built.includes('ros-humble-ros-network_1.0.0-1_all.deb'), built.join(' '));
  });

  it('naming a daemon for a profile it does not target is an error at package.xml:line', async () => {
    const out = path.join(await tempDir(), 'dist');
    const xml = await fs.readFile(path.join(REPO_ROOT, 'daemons/ros_watchdog/package.xml'), 'utf8');
    const line = xml.split('\n').findIndex((text) => text.includes('<target ros-version="1"/>')) + 1;
    const result = debforge(['build', 'daemons/ros_watchdog', '--profile', 'jazzy', '--out', out], { cwd: REPO_ROOT, env });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `debforge: daemons/ros_watchdog/package.xml:${line}: targets ROS 1 (<target>), not profile jazzy (ROS 2 Jazzy on Ubuntu 24.04 noble); build it for a profile it targets, or add jazzy to its <target>\n`);
    await assert.rejects(fs.access(out));
  });

  it('a <target> naming no profile, and a condition outside format 3, are errors at their line', async () => {
    const root = await tempDir();
    const daemon = path.join(root, 'x');
    await copyTree(path.join(FIXTURES, 'config', 'acme', 'daemons', 'hello'), daemon);
    const manifest = path.join(daemon, 'package.xml');
    const xml = await fs.readFile(manifest, 'utf8');
    await fs.writeFile(manifest, xml.replace('</package>', '  <export><debforge><target profile="noetik"/></debforge></export>\n</package>'));
    const unknown = debforge(['check', daemon], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /x\/package\.xml:9: <target> profile "noetik" is not a profile here: name one of noetic, /);
    await fs.writeFile(manifest, xml.replace('format="3"', 'format="2"').replace('</package>', '  <export><debforge condition="$ROS_VERSION == 1"/></export>\n</package>'));
    const format2 = debforge(['check', daemon], { env });
    assert.equal(format2.code, 1);
    assert.match(format2.stderr, /x\/package\.xml:9: <debforge> condition needs package format 3 \(this is format 2\)/);
  });
});
