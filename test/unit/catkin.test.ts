// Daemon folders in the seed's catkin layout: CMakeLists.txt install rules read (not run),
// bloom .em templates, hand-written systemctl calls. Oracles: dpkg-deb, lintian, sh.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { tokenizeCMake } from '../../src/load/cmake/index.js';
import { handledSystemctlCall } from '../../src/render/systemctl.js';
import { FIXTURES, copyTree, lintianFindings, must, run, tempDir, type Run } from '../support/tools.js';

const SEED_LAYOUT = path.join(FIXTURES, 'system', 'svc_demo_catkin');
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

async function cli(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const saved = process.env['SOURCE_DATE_EPOCH'];
  process.env['SOURCE_DATE_EPOCH'] = env.SOURCE_DATE_EPOCH;
  try {
    const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    if (saved === undefined) delete process.env['SOURCE_DATE_EPOCH'];
    else process.env['SOURCE_DATE_EPOCH'] = saved;
  }
}

/** A copy of the seed-layout fixture whose CMakeLists.txt `edit` may change. */
async function seedCopy(edit?: (cmake: string) => string): Promise<string> {
  const dir = path.join(await tempDir(), 'svc_demo');
  await copyTree(SEED_LAYOUT, dir);
  if (edit) {
    const file = path.join(dir, 'CMakeLists.txt');
    await fs.writeFile(file, edit(await fs.readFile(file, 'utf8')));
  }
  return dir;
}

/** path -> { mode, type } for every member, as dpkg-deb lists them. */
function members(deb: string): Map<string, { mode: string; type: string }> {
  const list = new Map<string, { mode: string; type: string }>();
  for (const line of must('dpkg-deb', ['--contents', deb]).split('\n')) {
    const match = /^([-dl])(\S+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\.(\/\S*?)\/?(?: -> .*)?$/.exec(line);
    if (match) list.set(match[3] === '/' ? '/' : match[3]!, { type: match[1]!, mode: match[2]! });
  }
  return list;
}

function extract(deb: string, member: string): string {
  return run('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xOf - ".$2"`, 'sh', deb, member]).stdout;
}

function controlFile(deb: string, name: string): string {
  return must('dpkg-deb', ['--info', deb, name]);
}

describe('catkin daemon folders (the seed layout) build unchanged', function () {
  this.timeout(120_000);
  const built = new Map<string, string>();

  before(async () => {
    const out = await tempDir();
    for (const profile of ['plain', 'noetic']) {
      const result = await cli(['build', SEED_LAYOUT, '--profile', profile, '--out', out]);
      assert.equal(result.code, 0, result.stderr);
      built.set(profile, result.stdout.trim());
    }
  });

  it('lintian finds nothing to report on either profile', () => {
    for (const [profile, deb] of built) assert.deepEqual(lintianFindings(deb, profile), [], deb);
  });

  it('puts the payload the install rules name at their destinations, with the modes they imply', () => {
    const plain = members(built.get('plain')!);
    const expected: Record<string, string> = {
      // install(PROGRAMS <configure_file output> DESTINATION ${set() variable}) under the prefix
      '/usr/lib/svc-demo/run': 'rwxr-xr-x',
      // install(FILES <configure_file output> DESTINATION share/svc-demo)
      '/usr/share/svc-demo/version': 'rw-r--r--',
      // a non-unit template in etc/, configured and installed to the package's share folder
      '/usr/share/svc_demo/etc/svc-demo-env.bash': 'rw-r--r--',
      // catkin_install_python(PROGRAMS ... DESTINATION /usr/bin): absolute stays
      '/usr/bin/svc-demo-status': 'rwxr-xr-x',
      // install(DIRECTORY config/ ... FILES_MATCHING PATTERN "*.conf"): version.in is not matched
      '/etc/svc-demo/svc-demo.conf': 'rw-r--r--',
      // install(DIRECTORY hooks ... USE_SOURCE_PERMISSIONS): each file keeps its mode
      '/usr/share/svc_demo/hooks/on-start/10-log': 'rwxr-xr-x',
      '/usr/share/svc_demo/hooks/README.txt': 'rw-r--r--',
      // units upstream installs into /etc/systemd/system go where the profile puts units
      '/usr/lib/systemd/system/svc-demo.service': 'rw-r--r--',
      '/usr/lib/systemd/system/svc-demo-steady.service': 'rw-r--r--',
    };
    for (const [file, mode] of Object.entries(expected)) assert.equal(plain.get(file)?.mode, mode, file);
    assert.ok(!plain.has('/etc/svc-demo/version.in') && !plain.has('/etc/systemd/system/svc-demo.service'));
    assert.equal(extract(built.get('plain')!, '/usr/share/svc-demo/version'), '1.0.0\n');
    assert.match(extract(built.get('plain')!, '/usr/lib/svc-demo/run'), /^version=\$\(cat \/usr\/share\/svc-demo\/version\)$/m);
    // catkin_install_python points `#!/usr/bin/env python` at the target's python3, and the
    // package depends on it.
    assert.match(extract(built.get('plain')!, '/usr/bin/svc-demo-status'), /^#!\/usr\/bin\/python3\n/);
    assert.equal(controlFile(built.get('plain')!, 'conffiles'), '/etc/svc-demo/svc-demo.conf\n');

    const noetic = members(built.get('noetic')!);
    for (const file of ['/opt/ros/noetic/lib/svc-demo/run', '/opt/ros/noetic/share/svc-demo/version', '/opt/ros/noetic/share/svc_demo/hooks/on-start/10-log', '/usr/bin/svc-demo-status', '/lib/systemd/system/svc-demo.service']) {
      assert.ok(noetic.has(file), `${file} in ${[...noetic.keys()].join(' ')}`);
    }
    assert.match(extract(built.get('noetic')!, '/opt/ros/noetic/share/svc_demo/etc/svc-demo-env.bash'), /^export SVC_DEMO_PREFIX=\/opt\/ros\/noetic$/m);
  });

  it('substitutes bloom names in a .em template and leaves the hand-written systemctl calls out', () => {
    const deb = built.get('noetic')!;
    assert.match(controlFile(deb, 'preinst'), /^# ros-noetic-svc-demo 1\.0\.0 \(ROS package svc_demo\), installed under \/opt\/ros\/noetic\.$/m);
    for (const script of ['postinst', 'prerm']) {
      const text = controlFile(deb, script);
      const commands = text.split('\n').filter((l) => !/^\s*(#|:)/.test(l));
      // Only the generated section calls systemctl (daemon-reload, behind its own guards).
      assert.deepEqual(commands.filter((l) => /\bsystemctl\b/.test(l)).map((l) => l.trim()), script === 'postinst' ? ['systemctl --system daemon-reload >/dev/null || true'] : []);
      assert.match(text, /echo "(postinst|prerm) \$1 \$\{2:-\}" >> \/var\/log\/svc-demo\.log/, 'the other lines are kept');
      assert.equal(run('sh', ['-n', '-c', text]).code, 0, `${script} is valid sh`);
    }
  });

  it('build and check print each distinct note once, short, naming the lines left out', async () => {
    const dir = await seedCopy();
    const out = await tempDir();
    // Two profiles with distinct package files (plain and debian-bookworm would write one file name, which a run refuses).
    const build = await cli(['build', dir, '--profile', 'plain', '--profile', 'noetic', '--out', out]);
    assert.equal(build.code, 0, build.stderr);
    const notes = build.stderr.split('\n').filter((l) => l.includes(': note: '));
    assert.equal(new Set(notes).size, notes.length, 'no line twice');
    assert.ok(notes.every((l) => l.length < 300), notes.join('\n'));
    const postinst = notes.filter((l) => l.includes('debian/postinst'));
    assert.deepEqual(postinst, [`debforge: ${dir}/debian/postinst: note: lines 6, 8, 9, 11 and 12 (systemctl daemon-reload, enable, start) left out: the generated section does this for the package's units, keeping an admin's disable and never failing where systemd is not running`]);
    assert.ok(notes.some((l) => l.includes('debian/prerm: note: lines 5, 6, 8, 9 and 11 (systemctl stop, disable, daemon-reload) left out')));
    assert.ok(notes.some((l) => /CMakeLists\.txt:\d+: note: svc-demo\.service, svc-demo-steady\.service: installed to \/usr\/lib\/systemd\/system/.test(l)));
    const check = await cli(['check', dir, '--profile', 'plain']);
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(check.stderr.split('\n').filter((l) => l !== '' && !l.includes(': note: ')), [], 'no warning on the fixture');
    assert.equal(check.stderr.split('\n').filter((l) => l.includes('debian/postinst')).length, 1);
  });

  it('reports, in one warning, every file that no rule installs', async () => {
    const dir = await seedCopy();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'left over\n');
    await fs.writeFile(path.join(dir, 'hooks', 'README.txt.orig'), 'excluded by PATTERN ... EXCLUDE\n');
    await fs.writeFile(path.join(dir, 'README.md'), 'the repository text, not payload\n');
    const result = await cli(['check', dir, '--profile', 'plain']);
    const warnings = result.stderr.split('\n').filter((l) => l.includes(': warning: '));
    assert.deepEqual(warnings, [`${dir}/CMakeLists.txt: warning: 2 files are in no install rule and not part of the daemon folder, so not packaged: hooks/README.txt.orig, notes.txt; install them with install(...) or remove them`]);
  });

  it('keeps a folder installed without USE_SOURCE_PERMISSIONS at 0644, RENAME and PERMISSIONS as given, and expands ${} as CMake does', async () => {
    const dir = await seedCopy((cmake) =>
      cmake.replace(/install\(DIRECTORY hooks DESTINATION \$\{CATKIN_PACKAGE_SHARE_DESTINATION\}\n  USE_SOURCE_PERMISSIONS\n/, 'install(DIRECTORY hooks DESTINATION ${CATKIN_PACKAGE_SHARE_DESTINATION}\n') +
        'install(FILES scripts/svc-demo-status DESTINATION lib/${PROJECT_NAME} RENAME status PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)\n' +
        // Nested references expand innermost first; a value is not expanded again.
        'set(KIND demo)\nset(FILE_demo config/svc-demo.conf)\nset(LITERAL [=[${KIND}]=])\ninstall(FILES ${FILE_${KIND}} DESTINATION "share/${LITERAL}")\n',
    );
    const out = await tempDir();
    const result = await cli(['build', dir, '--profile', 'plain', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const list = members(result.stdout.trim());
    assert.equal(list.get('/usr/share/svc_demo/hooks/on-start/10-log')?.mode, 'rw-r--r--');
    assert.equal(list.get('/usr/lib/svc_demo/status')?.mode, 'rwxr-xr-x');
    assert.equal(list.get('/usr/share/${KIND}/svc-demo.conf')?.mode, 'rw-r--r--');
  });

  it('refuses a compiled target with one line naming it, and writes nothing', async () => {
    const dir = await seedCopy((cmake) => `${cmake}\nadd_executable(talker src/talker.cpp)\ntarget_link_libraries(talker \${catkin_LIBRARIES})\ninstall(TARGETS talker RUNTIME DESTINATION \${CATKIN_PACKAGE_BIN_DESTINATION})\n`);
    const out = await tempDir();
    const result = await cli(['build', dir, '--out', out]);
    assert.equal(result.code, 1);
    const line = (await fs.readFile(path.join(dir, 'CMakeLists.txt'), 'utf8')).split('\n').findIndex((l) => l.startsWith('add_executable')) + 1;
    assert.deepEqual(result.stderr.split('\n').filter((l) => l !== ''), [
      `debforge: ${dir}/CMakeLists.txt:${line}: add_executable(talker ...) compiles a program: debforge packages prebuilt payload and never runs CMake or a compiler; build it beforehand (e.g. in CI) and install the result with install(PROGRAMS ...) or install(FILES ...)`,
    ]);
    assert.deepEqual(await fs.readdir(out), []);
  });

  it('names file:line for what it does not read, and for paths that leave the folder', async () => {
    const cases: [string, RegExp][] = [
      ['if(DEFINED ENV{ROBOT})\nendif()', /:\d+: if\(\) is CMake control flow/],
      ['install(FILES $<TARGET_FILE:x> DESTINATION bin)', /:\d+: install\(\) uses a generator expression/],
      ['install(FILES ../outside.txt DESTINATION share)', /:\d+: "\.\.\/outside\.txt" leads out of the daemon folder/],
      ['install(FILES ${PROJECT_SOURCE_DIR}/../../etc/passwd DESTINATION share)', /:\d+: ".*" leads out of the daemon folder/],
      ['install(FILES /etc/passwd DESTINATION share)', /:\d+: "\/etc\/passwd" is outside the daemon folder/],
      ['install(FILES ${NOT_SET}/x DESTINATION share)', /:\d+: \$\{NOT_SET\} is not set/],
      ['configure_file(config/version.in v2)', /:\d+: configure_file\(\) without @ONLY/],
      ['install(FILES missing.txt DESTINATION share)', /:\d+: "missing\.txt" does not exist in the daemon folder/],
      ['find_package(Boost REQUIRED)', /:\d+: find_package\(Boost\) looks for a build dependency/],
      ['install(FILES "unterminated DESTINATION share)', /:\d+: a quoted argument is never closed/],
      ['configure_file(etc/svc-demo.service.in other.service @ONLY)\ninstall(FILES ${PROJECT_BINARY_DIR}/other.service DESTINATION /etc/systemd/system)', /:\d+: installs etc\/svc-demo\.service\.in as unit other\.service, but a unit in etc\/ is named by its file/],
      ['install(FILES etc/svc-demo.service.in DESTINATION share RENAME a/b)', /:\d+: RENAME takes a file name/],
    ];
    for (const [rule, expected] of cases) {
      const dir = await seedCopy((cmake) => `${cmake}\n${rule}\n`);
      const result = await cli(['check', dir, '--profile', 'plain']);
      const errors = result.stderr.split('\n').filter((l) => l !== '' && !/: (note|warning): /.test(l));
      assert.equal(result.code, 1, rule);
      assert.equal(errors.length, 1, `${rule}\n${result.stderr}`);
      assert.match(errors[0]!, new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/CMakeLists\\.txt${expected.source}`), rule);
    }
  });

  it('refuses empy markup other than bloom\'s substitutions at file:line', async () => {
    const dir = await seedCopy();
    await fs.writeFile(path.join(dir, 'templates', 'postrm.em'), '#!/bin/sh\n# @(Name)\necho @{import os} >&2\nmail root@@localhost </dev/null || true\n');
    const result = await cli(['check', dir, '--profile', 'plain']);
    assert.equal(result.code, 1);
    const errors = result.stderr.split('\n').filter((l) => l !== '' && !/: (note|warning): /.test(l));
    assert.deepEqual(errors, [`${dir}/templates/postrm.em:3: "@{import" is empy markup debforge does not run: a maintainer-script template may use only @(Name), @(Package), @(Version), @(InstallationPrefix) and @@ for a literal @`]);
  });

  it('tokenizes CMake arguments as CMake does', () => {
    const commands = tokenizeCMake('Install( FILES a "b c" [=[d ${x}]=] # comment\n  e\\ f #[[bracket\ncomment]] "g\\"h" (i) DESTINATION x)\nSET(y)');
    assert.deepEqual(
      commands.map((c) => [c.name, c.line, c.args.map((a) => `${a.kind}:${a.text}:${a.line}`)]),
      [
        ['install', 1, ['unquoted:FILES:1', 'unquoted:a:1', 'quoted:b c:1', 'bracket:d ${x}:1', 'unquoted:e f:2', 'quoted:g"h:3', 'unquoted:(:3', 'unquoted:i:3', 'unquoted:):3', 'unquoted:DESTINATION:3', 'unquoted:x:3']],
        ['set', 4, ['unquoted:y:4']],
      ],
    );
  });

  it('leaves out only whole systemctl calls on the package\'s own units', () => {
    const own = new Set(['ros.service', 'roscore.service']);
    const cases: [string, string | undefined][] = [
      ['systemctl daemon-reload', 'daemon-reload'],
      ['  systemctl enable --now ros.service', 'enable'],
      ['systemctl start --no-block ros # comment', 'start'],
      ['/bin/systemctl stop ros.service roscore.service || true', 'stop'],
      ['sudo systemctl restart ros.service;', 'restart'],
      ['systemctl enable other.service', undefined],
      ['systemctl --user enable ros.service', undefined],
      ['systemctl is-active ros.service && echo up', undefined],
      ['systemctl start ros.service && touch /run/x', undefined],
      ['systemctl mask ros.service', undefined],
      ['echo systemctl start ros.service', undefined],
    ];
    for (const [line, action] of cases) assert.equal(handledSystemctlCall(line, own), action, line);
  });
});
