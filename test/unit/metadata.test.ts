// Metadata from package.xml files as robot teams write them: long and marked-up descriptions,
// placeholders left by catkin_create_pkg and ros2 pkg create, every licence spelling, placeholder
// maintainers; the installed package is findable by ROS tools; one run never clobbers itself.
// Oracles: lintian, dpkg-deb, dpkg's own file lists, /usr/share/common-licenses.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { snapshot as snapshotOf } from '../support/measure.js';
import { FIXTURES, copyTree, debforge, judgedPerTarget, must, run, tempDir, type Run } from '../support/tools.js';

const METADATA = path.join(FIXTURES, 'metadata');
const EPOCH = '1700000000';
/** The environment of a build machine without any maintainer settings of its own. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, SOURCE_DATE_EPOCH: EPOCH };
  for (const name of ['DEBFULLNAME', 'DEBEMAIL', 'NAME', 'EMAIL']) delete env[name];
  return env;
};
const PROFILES = ['noetic', 'jazzy', 'debian-bookworm', 'plain'] as const;
const MAINTAINER = 'Dock Team <dock@example.org>';

function field(deb: string, name: string): string {
  return must('dpkg-deb', ['--field', deb, name]).replace(/\n$/, '');
}

function extract(deb: string, member: string): Buffer {
  return Buffer.from(must('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO "$2" | base64 -w0', 'sh', deb, member]), 'base64');
}

function contents(deb: string): string[] {
  return must('dpkg-deb', ['--contents', deb]).split('\n').filter((l) => l !== '').map((l) => l.replace(/^.* \.\//, './').replace(/ -> .*$/, ''));
}

/** Lintian's errors and warnings for many packages in one run, by package file, each judged for the profile it was built for. */
function lintianByPackage(debs: readonly string[], profileOf: (deb: string) => string): Map<string, string[]> {
  const result = run('lintian', ['--allow-root', '--pedantic', ...debs]);
  if (result.code !== 0 && result.code !== 1 && result.code !== 2) throw new Error(`lintian failed: ${result.stderr}`);
  const findings = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^[EW]: /.test(line));
  const byPackage = new Map<string, string[]>();
  for (const deb of debs) {
    const name = field(deb, 'Package');
    const own = findings.filter((line) => line.startsWith(`E: ${name}: `) || line.startsWith(`W: ${name}: `) || line.startsWith(`E: ${name} `) || line.startsWith(`W: ${name} `));
    byPackage.set(deb, judgedPerTarget(own, () => profileOf(deb)));
  }
  return byPackage;
}

function errorLines(result: Run): string[] {
  return result.stderr.split('\n').filter((l) => l !== '' && !/: (warning|note): /.test(l));
}

/** Every entry under a folder: type, mode, modification time and bytes, to compare before and after. */
const snapshot = (dir: string): Promise<Map<string, string>> => snapshotOf(dir, { mtimes: true });

describe('metadata from real-world package.xml patterns', function () {
  this.timeout(600_000);
  const built = new Map<string, string>();
  const buildOutput = new Map<string, Run>();
  let lintian = new Map<string, string[]>();

  before(async () => {
    const out = await tempDir();
    for (const fixture of (await fs.readdir(METADATA)).sort()) {
      for (const profile of PROFILES) {
        const dir = path.join(out, profile);
        const extra = fixture.endsWith('_maintainer') ? ['--maintainer', MAINTAINER] : [];
        const result = debforge(['build', path.join(METADATA, fixture), '--profile', profile, '--out', dir, ...extra], { env: cleanEnv() });
        assert.equal(result.code, 0, `${fixture} (${profile}): ${result.stderr}`);
        built.set(`${fixture} ${profile}`, result.stdout.trim());
        buildOutput.set(`${fixture} ${profile}`, result);
      }
    }
    const profiles = new Map([...built].map(([key, deb]) => [deb, key.split(' ')[1]!]));
    lintian = lintianByPackage([...built.values()], (deb) => profiles.get(deb)!);
  });

  it('builds every fixture for every profile with no lintian error or warning', () => {
    assert.ok(built.size >= 8 * PROFILES.length);
    for (const [key, deb] of built) assert.deepEqual(lintian.get(deb), [], key);
  });

  it('derives a synopsis under 80 characters from a long first sentence, cut at a clause boundary, identifiers as written', () => {
    for (const profile of PROFILES) {
      const description = field(built.get(`long_first_sentence ${profile}`)!, 'Description');
      const [synopsis, ...extended] = description.split('\n');
      assert.ok(synopsis!.length < 80, synopsis);
      // The clause before "(see the ..." keeps the package name as written, without the article.
      assert.equal(synopsis, 'long_first_sentence package provides a planner for a wheeled base');
      // Nothing is lost: the whole sentence stays in the extended description.
      assert.match(extended.join(' ').replace(/\s+/g, ' '), /The long_first_sentence package provides a planner .* range sensors\. It falls back/);
    }
  });

  it('cuts an explicit <synopsis> of 80 characters or more at a clause boundary, with a warning at its line, never an error', () => {
    for (const profile of PROFILES) {
      const [synopsis, ...extended] = field(built.get(`long_synopsis ${profile}`)!, 'Description').split('\n');
      assert.equal(synopsis, 'Battery watchdog: polls the battery management system over CAN');
      // The whole text opens the extended description, the <description> follows.
      assert.match(extended.join(' ').replace(/\s+/g, ' '), /^ ?Battery watchdog: polls .* over CAN, publishes the state of charge and shuts the robot down cleanly before the pack is empty \. Watches the battery pack/);
      const warnings = buildOutput.get(`long_synopsis ${profile}`)!.stderr.split('\n').filter((l) => l.includes('<synopsis>'));
      assert.equal(warnings.length, 1, buildOutput.get(`long_synopsis ${profile}`)!.stderr);
      assert.match(warnings[0]!, /long_synopsis\/package\.xml:13: warning: <synopsis> "Battery watchdog: .* empty" becomes "Battery watchdog: polls the battery management system over CAN": it is 151 characters, .*synopsis-too-long/);
    }
  });

  it('mends an explicit <synopsis> lintian refuses (the package name first, one word), with a warning', async () => {
    const work = await tempDir();
    const cases: [string, string, RegExp][] = [
      ['long-synopsis reads the battery management system over CAN', 'Reads the battery management system over CAN', /<synopsis> "long-synopsis reads .*" becomes "Reads the battery .*": it starts with the package name long-synopsis \(lintian: description-starts-with-package-name\)/],
      ['Battery', 'Watches the battery pack of the base', /<synopsis> "Battery" is one word or the package name, which lintian refuses \(description-too-short\): the synopsis comes from <description>/],
    ];
    const debs: string[] = [];
    for (const [index, [written, expected, warning]] of cases.entries()) {
      const dir = path.join(work, `case${index}`, 'long_synopsis');
      await copyTree(path.join(METADATA, 'long_synopsis'), dir);
      const manifest = path.join(dir, 'package.xml');
      await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace(/<synopsis>[^<]*<\/synopsis>/, `<synopsis>${written}</synopsis>`));
      const result = debforge(['build', dir, '--profile', 'plain', '--out', path.join(work, `out${index}`)], { env: cleanEnv() });
      assert.equal(result.code, 0, result.stderr);
      const deb = result.stdout.trim();
      assert.equal(field(deb, 'Description').split('\n')[0], expected);
      assert.match(result.stderr, new RegExp(`long_synopsis/package\\.xml:13: warning: ${warning.source}`));
      debs.push(deb);
    }
    for (const [deb, findings] of lintianByPackage(debs, () => 'plain')) assert.deepEqual(findings, [], deb);
  });

  it('normalises multi-line, indented and marked-up descriptions into paragraphs', () => {
    const deb = built.get('wrapped_markup noetic')!;
    const lines = field(deb, 'Description').split('\n');
    // The first sentence runs past 80 characters: cut at its first clause.
    assert.equal(lines[0], 'Data structures and helpers for describing gear trains');
    // "e.g." does not end that sentence: it stays whole in the extended description.
    assert.match(lines.slice(1).join(' ').replace(/\s+/g, ' '), /^ ?Data structures and helpers for describing gear trains, methods .* at run time, e\.g\. from a YAML file\. \./);
    assert.ok(lines.every((l) => l.length <= 80 && !/\t/.test(l)), lines.join('\n'));
    assert.ok(lines.slice(1).every((l) => l === ' .' || /^ [^ .]/.test(l)), 'no continuation line starts with a dot or a second space');
    assert.ok(lines.includes(' .'), 'the <p> elements are paragraphs of their own');
    assert.match(lines.join(' '), /Launch it with the wrapped_markup launcher/);
  });

  it('never starts the synopsis with the package name, and never recases a leading identifier', () => {
    assert.equal(field(built.get('pantilt debian-bookworm')!, 'Description').split('\n')[0], 'ROS driver for a serial pan and tilt head');
    assert.equal(field(built.get('pantilt plain')!, 'Description').split('\n')[0], 'ROS driver for a serial pan and tilt head');
    // ros-noetic-pantilt does not start with "pantilt": the sentence stays as written.
    assert.equal(field(built.get('pantilt noetic')!, 'Description').split('\n')[0], 'pantilt is a ROS driver for a serial pan and tilt head');
  });

  it('turns a placeholder or one-word description into a usable synopsis, with a warning naming package.xml:line', () => {
    const cases: [string, number, string][] = [
      ['catkin_placeholder', 5, 'The catkin_placeholder package'],
      ['ament_placeholder', 6, 'TODO: Package description'],
      ['one_word', 5, 'one_word'],
    ];
    for (const [fixture, line, text] of cases) {
      assert.equal(field(built.get(`${fixture} noetic`)!, 'Description').split('\n')[0], `ROS package ${fixture}`);
      assert.equal(field(built.get(`${fixture} jazzy`)!, 'Description').split('\n')[0], `ROS 2 package ${fixture}`);
      const warning = buildOutput.get(`${fixture} noetic`)!.stderr.split('\n').filter((l) => l.includes('<description>'));
      assert.equal(warning.length, 1, buildOutput.get(`${fixture} noetic`)!.stderr);
      assert.ok(warning[0]!.includes(`${fixture}/package.xml:${line}: warning: <description> "${text}"`), warning[0]);
      assert.match(warning[0]!, /set <synopsis>/);
    }
  });

  it('says in the copyright file that a placeholder licence states none, and warns at its line', () => {
    const copyright = extract(built.get('catkin_placeholder noetic')!, './usr/share/doc/ros-noetic-catkin-placeholder/copyright').toString('utf8');
    assert.match(copyright, /^License: NOASSERTION$/m);
    assert.match(copyright, /gives "TODO" as its license, a placeholder: no license is\s+stated/);
    assert.match(buildOutput.get('catkin_placeholder noetic')!.stderr, /catkin_placeholder\/package\.xml:11: warning: <license> "TODO" is a placeholder/);
  });
});

describe('licence spellings map to /usr/share/common-licenses', function () {
  this.timeout(600_000);
  // [how package.xml spells it, the DEP-5 License: expression, the common-licenses files it must name]
  const SPELLINGS: [string[], string, string[]][] = [
    [['BSD'], 'BSD-3-clause', []],
    [['BSD-3-Clause'], 'BSD-3-clause', []],
    [['MIT'], 'Expat', []],
    [['Apache License 2.0'], 'Apache-2.0', ['Apache-2.0']],
    [['Apache 2.0'], 'Apache-2.0', ['Apache-2.0']],
    [['Apache License'], 'Apache-2.0', ['Apache-2.0']],
    [['Apache License, Version 2.0'], 'Apache-2.0', ['Apache-2.0']],
    [['GNU GPLv3'], 'GPL-3', ['GPL-3']],
    [['GPL'], 'GPL', ['GPL-1', 'GPL-2', 'GPL-3']],
    [['GPL-2.0-only'], 'GPL-2', ['GPL-2']],
    [['GPLv2 or later'], 'GPL-2+', ['GPL-2']],
    [['GPL-3.0+'], 'GPL-3+', ['GPL-3']],
    [['LGPL'], 'LGPL', ['LGPL-2', 'LGPL-2.1', 'LGPL-3']],
    [['LGPL-2.1-or-later'], 'LGPL-2.1+', ['LGPL-2.1']],
    [['LGPLv3'], 'LGPL-3', ['LGPL-3']],
    [['Mozilla Public License 2.0'], 'MPL-2.0', ['MPL-2.0']],
    [['BSD,LGPL,LGPL (amcl)'], 'BSD-3-clause and LGPL', ['LGPL-2.1']],
    [['BSD and GPL-2.0'], 'BSD-3-clause and GPL-2', ['GPL-2']],
    [['GPL-3.0-only or MIT'], 'GPL-3 or Expat', ['GPL-3']],
    [['BSD', 'LGPL-2.1'], 'BSD-3-clause and LGPL-2.1', ['LGPL-2.1']],
  ];
  const results: { spelling: string[]; deb: string; copyright: string }[] = [];
  let lintian = new Map<string, string[]>();

  before(async () => {
    const work = await tempDir();
    const template = await fs.readFile(path.join(METADATA, 'pantilt', 'package.xml'), 'utf8');
    for (const [index, [spelling]] of SPELLINGS.entries()) {
      const name = `licence_case_${index}`;
      const dir = path.join(work, name);
      await copyTree(path.join(METADATA, 'pantilt'), dir);
      await fs.rm(path.join(dir, 'etc', 'pantilt.service.in'));
      const unit = await fs.readFile(path.join(METADATA, 'pantilt', 'etc', 'pantilt.service.in'), 'utf8');
      await fs.writeFile(path.join(dir, 'etc', `licence-case-${index}.service.in`), unit.replace(/pantilt/g, name));
      const licenses = spelling.map((s) => `<license>${s}</license>`).join('\n  ');
      await fs.writeFile(path.join(dir, 'package.xml'), template.replace(/pantilt/g, name).replace('<license>GNU GPLv3</license>', licenses));
      const result = debforge(['build', dir, '--profile', 'debian-bookworm', '--out', path.join(work, 'out')], { env: cleanEnv() });
      assert.equal(result.code, 0, result.stderr);
      const deb = result.stdout.trim();
      results.push({ spelling, deb, copyright: extract(deb, `./usr/share/doc/${name.replace(/_/g, '-')}/copyright`).toString('utf8') });
    }
    lintian = lintianByPackage(results.map((r) => r.deb), () => 'debian-bookworm');
  });

  for (const [index, [spelling, expression, files]] of SPELLINGS.entries()) {
    it(`${spelling.map((s) => JSON.stringify(s)).join(' + ')} -> ${expression}`, async () => {
      const { deb, copyright } = results[index]!;
      assert.deepEqual(lintian.get(deb), [], copyright);
      assert.equal(/^Files: \*\n(?:.*\n)*?License: (.*)$/m.exec(copyright)?.[1], expression);
      for (const file of files) {
        assert.ok(copyright.includes(`"/usr/share/common-licenses/${file}"`), `${file} in:\n${copyright}`);
        await fs.access(`/usr/share/common-licenses/${file}`);
      }
      // Every licence of the expression has its stand-alone paragraph.
      for (const name of expression.split(/ (?:and|or) /)) assert.match(copyright, new RegExp(`^License: ${name.replace(/[+.]/g, '\\$&')}\\n `, 'm'));
    });
  }
});

describe('placeholder maintainers: refused with the way out, overridden without editing package.xml', function () {
  this.timeout(300_000);
  let work: string;

  before(async () => {
    work = await tempDir();
  });

  for (const [fixture, line, pattern] of [
    ['todo_maintainer', 6, /email "user@todo\.todo" is a placeholder.*bogus-mail-host/],
    ['root_maintainer', 6, /"root <root@localhost>" is the root account.*root-in-contact/],
    ['swapped_maintainer', 6, /email "someone@todo\.todo" is a placeholder.*\(the <maintainer> "Drives Team" at line 7 is usable: list it first\)/],
  ] as const) {
    it(`${fixture}: build and check exit 1 with one line at package.xml:${line}, nothing written`, async () => {
      const out = path.join(work, `${fixture}.out`);
      await fs.mkdir(out, { recursive: true });
      await fs.writeFile(path.join(out, 'SENTINEL'), 'kept\n');
      const before = await snapshot(out);
      const dir = path.join(METADATA, fixture);
      for (const args of [['build', dir, '--out', out], ['check', dir]]) {
        const result = debforge(args, { env: cleanEnv() });
        assert.equal(result.code, 1, result.stderr);
        const errors = errorLines(result);
        assert.equal(errors.length, 1, result.stderr);
        assert.ok(errors[0]!.includes(`${fixture}/package.xml:${line}: <maintainer>`), errors[0]);
        assert.match(errors[0]!, pattern);
        assert.match(errors[0]!, /--maintainer "Full Name <email>" \(or DEBFULLNAME and DEBEMAIL\)/);
      }
      assert.deepEqual(await snapshot(out), before);
    });
  }

  it('--maintainer, DEBFULLNAME + DEBEMAIL, or DEBEMAIL="Name <email>" give Maintainer and the changelog signer', async () => {
    const dir = path.join(METADATA, 'todo_maintainer');
    const ways: [string, string[], NodeJS.ProcessEnv][] = [
      ['--maintainer', ['--maintainer', MAINTAINER], {}],
      ['DEBFULLNAME and DEBEMAIL', [], { DEBFULLNAME: 'Dock Team', DEBEMAIL: 'dock@example.org' }],
      ['DEBEMAIL with a name', [], { DEBEMAIL: MAINTAINER }],
      ['--maintainer over the environment', ['--maintainer', MAINTAINER], { DEBFULLNAME: 'Somebody Else', DEBEMAIL: 'else@example.org' }],
    ];
    const debs: string[] = [];
    for (const [way, args, env] of ways) {
      const out = path.join(work, way.replace(/\W+/g, '-'));
      const result = debforge(['build', dir, '--out', out, ...args], { env: { ...cleanEnv(), ...env } });
      assert.equal(result.code, 0, `${way}: ${result.stderr}`);
      const deb = result.stdout.trim();
      assert.equal(field(deb, 'Maintainer'), MAINTAINER, way);
      const changelog = gunzipSync(extract(deb, './usr/share/doc/ros-noetic-todo-maintainer/changelog.Debian.gz')).toString('utf8');
      assert.match(changelog, new RegExp(`^ -- ${MAINTAINER}  `, 'm'), way);
      debs.push(deb);
    }
    // Same package and version each time: one lintian run judges the first.
    assert.deepEqual(lintianByPackage([debs[0]!], () => 'noetic').get(debs[0]!), []);
  });

  it('placeholders among the later maintainers: the first signs Maintainer and changelog, each placeholder warned at its line', () => {
    const dir = path.join(METADATA, 'co_maintainers');
    for (const profile of ['noetic', 'debian-bookworm']) {
      const result = debforge(['build', dir, '--profile', profile, '--out', path.join(work, `co-${profile}`)], { env: cleanEnv() });
      assert.equal(result.code, 0, result.stderr);
      const deb = result.stdout.trim();
      const name = field(deb, 'Package');
      assert.equal(field(deb, 'Maintainer'), 'Lights Team <lights@example.org>');
      const changelog = gunzipSync(extract(deb, `./usr/share/doc/${name}/changelog.Debian.gz`)).toString('utf8');
      assert.match(changelog, /^ -- Lights Team <lights@example\.org>  /m);
      // The placeholders are not people: the copyright file names only the real maintainer.
      const copyright = extract(deb, `./usr/share/doc/${name}/copyright`).toString('utf8');
      assert.match(copyright, /^Copyright: \d{4} Lights Team\nLicense: /m);
      const warnings = result.stderr.split('\n').filter((l) => l.includes(': warning: '));
      assert.equal(warnings.length, 2, result.stderr);
      assert.match(warnings[0]!, /co_maintainers\/package\.xml:7: warning: <maintainer> email "someone@todo\.todo" is a placeholder.*only the first <maintainer> becomes the package's Maintainer/);
      assert.match(warnings[1]!, /co_maintainers\/package\.xml:8: warning: <maintainer> "root <root@localhost>" is the root account.*only the first <maintainer>/);
    }
  });

  it('the environment never replaces a real maintainer; --maintainer does', () => {
    const dir = path.join(METADATA, 'pantilt');
    const fromEnv = debforge(['build', dir, '--out', path.join(work, 'env'), '--profile', 'jazzy'], { env: { ...cleanEnv(), DEBFULLNAME: 'Somebody Else', DEBEMAIL: 'else@example.org' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(field(fromEnv.stdout.trim(), 'Maintainer'), 'Sensor Team <sensors@example.org>');
    const forced = debforge(['build', dir, '--out', path.join(work, 'forced'), '--profile', 'jazzy', '--maintainer', MAINTAINER], { env: cleanEnv() });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(field(forced.stdout.trim(), 'Maintainer'), MAINTAINER);
  });

  it('a malformed or placeholder --maintainer is a usage error; a half-set environment is named', () => {
    const dir = path.join(METADATA, 'todo_maintainer');
    for (const bad of ['Dock Team', 'Dock Team <dock@todo.todo>', '<dock@example.org>', 'root <root@example.org>']) {
      const result = debforge(['build', dir, '--out', path.join(work, 'bad'), '--maintainer', bad], { env: cleanEnv() });
      assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
      assert.match(result.stderr, /^debforge: --maintainer /);
    }
    const half = debforge(['check', dir], { env: { ...cleanEnv(), DEBEMAIL: 'dock@example.org' } });
    assert.equal(half.code, 1);
    assert.match(half.stderr, /DEBEMAIL gives an address but no name: set DEBFULLNAME too/);
  });
});

describe('an installed ROS package is findable', function () {
  this.timeout(300_000);
  let work: string;

  before(async () => {
    work = await tempDir();
  });

  it('ships package.xml in <prefix>/share/<name>/ on ROS profiles, and the ament index marker on ROS 2', async () => {
    const dir = path.join(METADATA, 'pantilt');
    const source = await fs.readFile(path.join(dir, 'package.xml'));
    const expected: Record<string, { manifest?: string; marker?: string }> = {
      noetic: { manifest: './opt/ros/noetic/share/pantilt/package.xml' },
      jazzy: { manifest: './opt/ros/jazzy/share/pantilt/package.xml', marker: './opt/ros/jazzy/share/ament_index/resource_index/packages/pantilt' },
      'debian-bookworm': { manifest: './usr/share/pantilt/package.xml' },
      plain: {},
    };
    for (const [profile, { manifest, marker }] of Object.entries(expected)) {
      const result = debforge(['build', dir, '--profile', profile, '--out', path.join(work, profile)], { env: cleanEnv() });
      assert.equal(result.code, 0, result.stderr);
      const deb = result.stdout.trim();
      const files = contents(deb);
      if (manifest) assert.ok(extract(deb, manifest).equals(source), `${profile}: ${manifest} is package.xml unchanged`);
      else assert.ok(!files.some((f) => f.endsWith('/package.xml')), `${profile}: no package.xml`);
      if (marker) assert.equal(extract(deb, marker).length, 0, `${profile}: empty marker`);
      else assert.ok(!files.some((f) => f.includes('ament_index')), `${profile}: no ament index`);
    }
  });

  it('substitutes template variables in payload paths, and refuses unknown ones', async () => {
    const dir = path.join(work, 'launcher');
    await copyTree(path.join(METADATA, 'pantilt'), dir);
    const launch = path.join(dir, 'files', '@CMAKE_INSTALL_PREFIX@', '@CATKIN_PACKAGE_SHARE_DESTINATION@', 'launch');
    await fs.mkdir(launch, { recursive: true });
    await fs.writeFile(path.join(launch, 'pantilt.launch'), '<launch>\n  <param name="pantilt_rate" value="10"/>\n</launch>\n');
    const debs: string[] = [];
    const profiles = new Map<string, string>();
    for (const [profile, expected] of [['noetic', './opt/ros/noetic/share/pantilt/launch/pantilt.launch'], ['debian-bookworm', './usr/share/pantilt/launch/pantilt.launch']] as const) {
      const result = debforge(['build', dir, '--profile', profile, '--out', path.join(work, `launcher-${profile}`)], { env: cleanEnv() });
      assert.equal(result.code, 0, result.stderr);
      const files = contents(result.stdout.trim());
      assert.ok(files.includes(expected), files.join('\n'));
      assert.ok(!files.some((f) => f.includes('@')), `no literal variable in a path:\n${files.join('\n')}`);
      debs.push(result.stdout.trim());
      profiles.set(result.stdout.trim(), profile);
    }
    for (const [deb, findings] of lintianByPackage(debs, (deb) => profiles.get(deb)!)) assert.deepEqual(findings, [], deb);
    await fs.mkdir(path.join(dir, 'files', '@NO_SUCH_PLACE@'));
    await fs.writeFile(path.join(dir, 'files', '@NO_SUCH_PLACE@', 'x.conf'), 'x\n');
    const refused = debforge(['build', dir, '--out', path.join(work, 'refused')], { env: cleanEnv() });
    assert.equal(refused.code, 1);
    assert.match(errorLines(refused).join('\n'), /files\/@NO_SUCH_PLACE@\/x\.conf: unknown template variable @NO_SUCH_PLACE@ in the path/);
    await assert.rejects(fs.access(path.join(work, 'refused')));
  });
});

describe('one run never writes a path twice', function () {
  this.timeout(300_000);

  async function pair(secondName: string, edit?: (dir: string) => Promise<void>): Promise<string> {
    const parent = await tempDir();
    await copyTree(path.join(METADATA, 'pantilt'), path.join(parent, 'pantilt'));
    const second = path.join(parent, 'second');
    await copyTree(path.join(METADATA, 'wrapped_markup'), second);
    const manifest = path.join(second, 'package.xml');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('<name>wrapped_markup</name>', `<name>${secondName}</name>`));
    await edit?.(second);
    return parent;
  }

  async function assertRefused(args: string[], pattern: RegExp): Promise<void> {
    const out = await tempDir();
    await fs.writeFile(path.join(out, 'SENTINEL'), 'kept\n');
    await fs.writeFile(path.join(out, 'pantilt_2.1.0-1_all.deb'), 'an earlier package\n');
    const before = await snapshot(out);
    const result = debforge([...args, '--out', out], { env: cleanEnv() });
    assert.equal(result.code, 1, result.stderr);
    assert.match(errorLines(result).join('\n'), pattern);
    assert.equal(result.stdout, '');
    assert.deepEqual(await snapshot(out), before, 'the output folder is unchanged byte for byte');
  }

  it('refuses the same package name from two folders', async () => {
    const parent = await pair('pantilt');
    await assertRefused(['build', parent, '--profile', 'debian-bookworm'], /second\/package\.xml:3: <name> pantilt gives package pantilt \(debian-bookworm\), as .*pantilt\/package\.xml does/);
  });

  it('debian-bookworm, debian-trixie and plain name a daemon alike and write three distinct files', async () => {
    const parent = await pair('wrapped_markup');
    const out = await tempDir();
    const result = debforge(['build', path.join(parent, 'pantilt'), '--profile', 'debian-bookworm', '--profile', 'debian-trixie', '--profile', 'plain', '--out', out], { env: cleanEnv() });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await fs.readdir(out)).sort(), ['pantilt_2.1.0-1+deb12_all.deb', 'pantilt_2.1.0-1+deb13_all.deb', 'pantilt_2.1.0-1_all.deb']);
    // dpkg orders them: plain's, then Debian 12's, then Debian 13's (a robot upgraded from 12 to 13 moves on).
    assert.equal(run('dpkg', ['--compare-versions', '2.1.0-1', 'lt', '2.1.0-1+deb12']).code, 0);
    assert.equal(run('dpkg', ['--compare-versions', '2.1.0-1+deb12', 'lt', '2.1.0-1+deb13']).code, 0);
    assert.equal(field(path.join(out, 'pantilt_2.1.0-1+deb13_all.deb'), 'Version'), '2.1.0-1+deb13');
  });

  it('refuses two profiles writing one file name (a profile of the same release and naming as another)', async () => {
    const parent = await pair('wrapped_markup');
    const { buildAll } = await import('../../src/index.js');
    const { findProfile } = await import('../../src/resolve/index.js');
    const plain = findProfile('plain')!;
    const out = await tempDir();
    await fs.writeFile(path.join(out, 'SENTINEL'), 'kept\n');
    const before = await snapshot(out);
    const result = await buildAll([path.join(parent, 'pantilt')], { profiles: [plain, { ...plain, name: 'plain-copy', summary: 'plain under another name' }], outDir: out, sourceDateEpoch: Number(EPOCH) });
    assert.deepEqual(result.results, []);
    assert.deepEqual(result.problems.filter((p) => p.severity === 'error').map((p) => p.message), [
      'profiles plain and plain-copy both build pantilt_2.1.0-1_all.deb, with different contents: build them into different --out folders, one run each',
    ]);
    assert.deepEqual(await snapshot(out), before, 'the output folder is unchanged byte for byte');
  });

  it('refuses two packages of one run shipping the same path, and check reports it too', async () => {
    const parent = await pair('wrapped_markup', async (second) => {
      await fs.mkdir(path.join(second, 'files', 'usr', 'bin'), { recursive: true });
      await fs.writeFile(path.join(second, 'files', 'usr', 'bin', 'robot-tool'), '#!/bin/sh\n', { mode: 0o755 });
    });
    await fs.mkdir(path.join(parent, 'pantilt', 'files', 'usr', 'bin'), { recursive: true });
    await fs.writeFile(path.join(parent, 'pantilt', 'files', 'usr', 'bin', 'robot-tool'), '#!/bin/sh\n', { mode: 0o755 });
    const pattern = /files\/usr\/bin\/robot-tool: installs \/usr\/bin\/robot-tool, which package .* installs too: dpkg refuses/;
    await assertRefused(['build', parent, '--profile', 'debian-bookworm'], pattern);
    const checked = debforge(['check', parent, '--profile', 'debian-bookworm'], { env: cleanEnv() });
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, pattern);
  });
});

describe('check reports every stage; build prints the same warnings, once each', function () {
  this.timeout(300_000);

  it('check prints a manifest error and the unit problems of the same folder', async () => {
    const dir = path.join(await tempDir(), 'pantilt');
    await copyTree(path.join(METADATA, 'pantilt'), dir);
    const manifest = path.join(dir, 'package.xml');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('<version>2.1.0</version>', '<version>2.1</version>'));
    const unit = path.join(dir, 'etc', 'pantilt.service.in');
    await fs.writeFile(unit, (await fs.readFile(unit, 'utf8')).replace("ExecStart=/bin/sh -c 'exec sleep infinity'", 'ExecStart=pantilt-driver --rate @PANTILT_RATE@'));
    const result = debforge(['check', dir], { env: cleanEnv() });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pantilt\/package\.xml:4: <version> "2\.1" must be X\.Y\.Z/);
    assert.match(result.stderr, /pantilt\/etc\/pantilt\.service\.in:6: unknown template variable @PANTILT_RATE@/);
    assert.match(result.stderr, /pantilt\/etc\/pantilt\.service\.in:6: warning: ExecStart= runs "pantilt-driver", not an absolute path/);
  });

  it('build prints check\'s warnings, each once, for several profiles', async () => {
    const dir = path.join(await tempDir(), 'pantilt');
    await copyTree(path.join(METADATA, 'pantilt'), dir);
    const unit = path.join(dir, 'etc', 'pantilt.service.in');
    await fs.writeFile(unit, (await fs.readFile(unit, 'utf8')).replace("ExecStart=/bin/sh -c 'exec sleep infinity'", 'ExecStart=pantilt-driver'));
    const profiles = ['--profile', 'noetic', '--profile', 'jazzy'];
    const checked = debforge(['check', dir, ...profiles], { env: cleanEnv() });
    assert.equal(checked.code, 0, checked.stderr);
    const warnings = checked.stderr.split('\n').filter((l) => l.includes(': warning: '));
    assert.equal(warnings.length, 1, checked.stderr);
    // Besides it only the note that noetic is at end of life, once.
    assert.deepEqual(checked.stderr.split('\n').filter((l) => l !== '' && !l.includes(': warning: ')).map((l) => l.replace(/: note: .*/, '')), ['profile noetic']);
    const built = debforge(['build', dir, ...profiles, '--out', path.join(await tempDir(), 'out')], { env: cleanEnv() });
    assert.equal(built.code, 0, built.stderr);
    const printed = built.stderr.split('\n').filter((l) => l.includes(': warning: '));
    assert.deepEqual(printed, warnings.map((w) => `debforge: ${w}`));
  });
});
