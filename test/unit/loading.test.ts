// Load finishes loading: resolve and render work from what load read and never touch the daemon
// folder again; `check` lists and validates the payload without reading its bytes.
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { tokenizeCMake } from '../../src/load/cmake/index.js';
import { renderedByRules } from '../../src/load/cmake/texts.js';
import { loadDaemon } from '../../src/load/index.js';
import { renderPackage, type RenderedPackage } from '../../src/render/index.js';
import { findProfile, resolvePackage } from '../../src/resolve/index.js';
import { ProblemList } from '../../src/errors.js';
import { FIXTURES, copyTree, tempDir, type Run } from '../support/tools.js';

/** Loads a copy of `fixture`, removes the copy, then resolves and renders it for `profile`. */
async function stagedWithoutFolder(fixture: string, profile: string): Promise<{ rendered: RenderedPackage; original: (file: string) => Buffer }> {
  const dir = path.join(await tempDir(), path.basename(fixture));
  await copyTree(fixture, dir);
  const problems = new ProblemList();
  const source = await loadDaemon(dir, problems);
  assert.ok(source, problems.items.map((p) => p.message).join('\n'));
  await fs.rm(dir, { recursive: true });
  const spec = await resolvePackage(source, { profile: findProfile(profile)!, sourceDateEpoch: 1_700_000_000 }, problems);
  assert.ok(spec, problems.items.map((p) => `${p.file}: ${p.message}`).join('\n'));
  const rendered = await renderPackage(spec, problems);
  assert.ok(rendered, problems.items.map((p) => `${p.file}: ${p.message}`).join('\n'));
  assert.deepEqual(problems.errors, []);
  return { rendered, original: (file) => readFileSync(path.join(fixture, file)) };
}

/** The rendered file installed at `target` (an absolute path), or named `target` wherever it goes. */
function renderedFile(rendered: RenderedPackage, target: string): Buffer {
  const file = rendered.files.find((f) => (target.startsWith('/') ? f.path === target : path.posix.basename(f.path) === target));
  assert.ok(file, `${target} is not among ${rendered.files.map((f) => f.path).join(', ')}`);
  return file.content;
}

/** Bytes this process has read through read(2) and the like so far (the kernel's count, /proc/self/io). */
async function bytesRead(): Promise<number> {
  const io = await fs.readFile('/proc/self/io', 'utf8');
  return Number(/^rchar: (\d+)$/m.exec(io)![1]);
}

async function cli(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('load finishes loading', function () {
  this.timeout(120_000);

  it('resolve and render need nothing of the daemon folder once it is loaded: units, templates, package.xml, rosdep.yaml', async () => {
    const fixture = path.join(FIXTURES, 'good', 'format3_daemon');
    const { rendered, original } = await stagedWithoutFolder(fixture, 'noetic');
    // rosdep.yaml maps pulseaudio_key (every Ubuntu release) and special_driver (any Ubuntu release).
    const depends = rendered.controlFields.find(([name]) => name === 'Depends')?.[1] ?? '';
    assert.match(depends, /(^|, )pulseaudio-utils(,|$)/);
    assert.match(depends, /(^|, )libspecial-driver1(,|$)/);
    // A unit that is not a template is installed as written; the template's text was substituted.
    assert.deepEqual(renderedFile(rendered, 'format3-cleanup@.service'), original('etc/format3-cleanup@.service'));
    const template = original('etc/user/format3-voice.service.in').toString('utf8');
    assert.match(template, /@CMAKE_INSTALL_PREFIX@/);
    assert.equal(renderedFile(rendered, 'format3-voice.service').toString('utf8'), template.replaceAll('@CMAKE_INSTALL_PREFIX@', '/opt/ros/noetic'));
    // ROS tools find the package by its package.xml, installed as it was read.
    assert.deepEqual(renderedFile(rendered, '/opt/ros/noetic/share/format3_daemon/package.xml'), original('package.xml'));
  });

  it('the texts catkin install rules render are loaded too: configure_file inputs, units, catkin_install_python programs', async () => {
    const fixture = path.join(FIXTURES, 'system', 'svc_demo_catkin');
    const { rendered, original } = await stagedWithoutFolder(fixture, 'plain');
    // catkin_install_python(PROGRAMS scripts/svc-demo-status DESTINATION /usr/bin): its shebang
    // is pointed at python3, the rest is the file as written.
    const status = renderedFile(rendered, '/usr/bin/svc-demo-status').toString('utf8').split('\n');
    const source = original('scripts/svc-demo-status').toString('utf8').split('\n');
    assert.equal(status[0], '#!/usr/bin/python3');
    assert.deepEqual(status.slice(1), source.slice(1));
    // configure_file(etc/svc-demo.service.in ...) installed into /etc/systemd/system: a unit.
    const unit = renderedFile(rendered, 'svc-demo.service').toString('utf8');
    assert.match(unit, /^\[Unit\]/m);
    assert.doesNotMatch(unit, /@[A-Za-z_]+@/);
    // configure_file(config/version.in ...), installed under the prefix.
    assert.doesNotMatch(renderedFile(rendered, '/usr/share/svc-demo/version').toString('utf8'), /@[A-Za-z_]+@/);
  });

  it('check lists and validates the payload without reading its bytes; build reads them', async () => {
    const dir = path.join(await tempDir(), 'format2_daemon');
    await copyTree(path.join(FIXTURES, 'good', 'format2_daemon'), dir);
    // 64 MiB as stat gives it, without taking the disk space (a sparse file).
    const size = 64 * 1024 * 1024;
    const model = path.join(dir, 'files', 'usr', 'share', 'format2-daemon', 'model.bin');
    await fs.mkdir(path.dirname(model), { recursive: true });
    await (await fs.open(model, 'w')).close();
    await fs.truncate(model, size);

    const beforeCheck = await bytesRead();
    const checked = await cli(['check', dir, '--profile', 'plain']);
    const readByCheck = (await bytesRead()) - beforeCheck;
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /^checked 1 daemon folder for 1 profile \(plain\)/);
    assert.ok(readByCheck < size / 4, `check read ${readByCheck} bytes, for a payload file of ${size}`);

    // The same count sees a reader: build hashes the file for md5sums and writes it into data.tar.
    const out = await tempDir();
    const beforeBuild = await bytesRead();
    const built = await cli(['build', dir, '--profile', 'plain', '--out', out, '--jobs', '1']);
    const readByBuild = (await bytesRead()) - beforeBuild;
    assert.equal(built.code, 0, built.stderr);
    assert.ok(readByBuild >= size, `build read ${readByBuild} bytes, for a payload file of ${size}`);
  });
});

describe('build loads each daemon folder once', function () {
  this.timeout(120_000);

  it('the check a build runs first stages the package the build then writes: a 12 MiB unit template is read once, not twice', async () => {
    const dir = path.join(await tempDir(), 'format2_daemon');
    await copyTree(path.join(FIXTURES, 'good', 'format2_daemon'), dir);
    const unit = path.join(dir, 'etc', 'format2-daemon.service.in');
    const size = 12 * 1024 * 1024;
    // Comment lines: the unit stays what it was, only larger.
    const comment = `# ${'x'.repeat(1021)}\n`;
    await fs.appendFile(unit, comment.repeat(size / comment.length));
    const out = await tempDir();
    const before = await bytesRead();
    const built = await cli(['build', dir, '--profile', 'plain', '--out', out, '--jobs', '1']);
    const read = (await bytesRead()) - before;
    assert.equal(built.code, 0, built.stderr);
    assert.ok(read >= size, `the count sees the template read (${read} bytes)`);
    assert.ok(read < 1.5 * size, `build read ${read} bytes for a ${size}-byte template: the folder was loaded more than once`);
  });
});

describe('the files catkin install rules may render, known before any profile', () => {
  const inventory = ['cfg/a.conf.in', 'cfg/b.conf', 'scripts/node.py', 'scripts/tool', 'units/robot.service', 'units/robot.txt', 'share/map.pgm', 'data/other.py'].map((file) => ({
    file,
    absolutePath: `/nowhere/${file}`,
    kind: 'file' as const,
    executable: false,
    size: 1,
    readable: true,
  }));
  const rendered = (cmake: string): string[] => renderedByRules(tokenizeCMake(cmake), inventory).map((entry) => entry.file);

  it('a unit name, a configure_file input, a catkin_install_python program; nothing else', () => {
    assert.deepEqual(rendered('configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cfg/a.conf.in a.conf @ONLY)\ncatkin_install_python(PROGRAMS scripts/node.py DESTINATION ${CATKIN_PACKAGE_BIN_DESTINATION})\ninstall(FILES share/map.pgm DESTINATION share)'), [
      'cfg/a.conf.in',
      'scripts/node.py',
      'units/robot.service',
    ]);
  });

  it('a file install() renames to a unit name', () => {
    assert.deepEqual(rendered('install(FILES units/robot.txt DESTINATION /lib/systemd/system RENAME robot-2.service)'), ['units/robot.service', 'units/robot.txt']);
  });

  it('a variable stands for any text: the name ends with what follows it, and a list may name any file', () => {
    assert.deepEqual(rendered('configure_file("${DIR}/a.${EXT}.in" a.conf @ONLY)'), ['cfg/a.conf.in', 'units/robot.service']);
    assert.deepEqual(rendered('set(SCRIPTS scripts/node.py scripts/tool)\ncatkin_install_python(PROGRAMS ${SCRIPTS} DESTINATION bin)'), inventory.map((entry) => entry.file));
  });
});
