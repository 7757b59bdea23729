// The project config (debforge.yaml): found by walking up from a daemon folder to the repository
// root, read strictly, every mistake one line at file:line saying what to write instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findProjectConfig, loadProjectConfig } from '../../src/config/index.js';
import { DebforgeError, formatProblem } from '../../src/errors.js';
import { tempDir } from '../support/tools.js';

async function writeConfig(text: string): Promise<string> {
  const dir = await tempDir('debforge-config-');
  const file = path.join(dir, 'debforge.yaml');
  await fs.writeFile(file, text);
  return file;
}

/** The one-line messages loading `text` gives (`debforge.yaml:LINE: ...`), or [] when it loads. */
async function problemsOf(text: string, setup?: (root: string) => Promise<void>): Promise<string[]> {
  const file = await writeConfig(text);
  if (setup) await setup(path.dirname(file));
  try {
    await loadProjectConfig(file);
    return [];
  } catch (error) {
    if (!(error instanceof DebforgeError)) throw error;
    return error.problems.map((p) => formatProblem({ ...p, file: path.basename(p.file) }));
  }
}

describe('project config: debforge.yaml', function () {
  it('reads every key into its setting', async () => {
    const file = await writeConfig(
      [
        '# the team layout',
        'profiles: [acme, noetic]',
        'revision: 2',
        'maintainer: Robotics Team <robotics@example.org>',
        'compression: xz',
        'rosdep: [deps/team.yaml]',
        'architectures: [amd64, arm64]',
        'health-check: 30',
        'health-settle: 5',
        'repo:',
        '  keep: 4',
        'custom-profiles:',
        '  acme:',
        '    base: debian-bookworm',
        '    prefix: /opt/acme',
        '    package-prefix: acme-',
        '    suite: acme-stable',
        '    ros-distro: none',
        '',
      ].join('\n'),
    );
    await fs.mkdir(path.join(path.dirname(file), 'deps'));
    await fs.writeFile(path.join(path.dirname(file), 'deps/team.yaml'), 'x: {debian: [x]}\n');
    const config = await loadProjectConfig(file);
    assert.deepEqual(config.profiles, ['acme', 'noetic']);
    assert.equal(config.revision, '2');
    assert.equal(config.maintainer, 'Robotics Team <robotics@example.org>');
    assert.equal(config.compression, 'xz');
    assert.deepEqual(config.architectures, ['amd64', 'arm64']);
    assert.deepEqual(config.healthCheck, { timeout: 30, settle: 5 });
    assert.equal(config.keep, 4);
    assert.deepEqual(config.rosdep?.map((r) => r.path), [path.join(path.dirname(file), 'deps/team.yaml')]);
    const [acme] = config.customProfiles;
    assert.equal(acme?.name, 'acme');
    assert.equal(acme?.installPrefix, '/opt/acme');
    assert.equal(acme?.packagePrefix, 'acme-');
    assert.equal(acme?.suite, 'acme-stable');
    assert.equal(acme?.base, 'debian-bookworm');
    assert.equal(acme?.ros, undefined);
    assert.deepEqual(acme?.os, { id: 'debian', codename: 'bookworm' });
  });

  it('keeps a ROS profile\'s setup.bash for @ROS_SETUP@ under a prefix of its own', async () => {
    const config = await loadProjectConfig(await writeConfig('custom-profiles:\n  acme-noetic:\n    base: noetic\n    prefix: /opt/acme\n'));
    const [profile] = config.customProfiles;
    assert.equal(profile?.ros?.distro, 'noetic');
    assert.equal(profile?.rosSetup, '/opt/ros/noetic/setup.bash');
    assert.equal(profile?.packagePrefix, 'ros-noetic-');
  });

  it('an empty or comment-only file sets nothing', async () => {
    assert.deepEqual(await problemsOf(''), []);
    assert.deepEqual(await problemsOf('# nothing yet\n'), []);
  });

  const MISTAKES: { name: string; text: string; expected: (string | RegExp)[] }[] = [
    { name: 'a misspelt key', text: 'revision: 1\nprofils: [humble]\n', expected: ['debforge.yaml:2: unknown key "profils" in the configuration; did you mean "profiles"? (see docs/config.md)'] },
    { name: 'a misspelt key of a custom profile', text: 'custom-profiles:\n  acme:\n    base: plain\n    prefx: /opt/acme\n', expected: ['debforge.yaml:4: unknown key "prefx" in custom profile acme; did you mean "prefix"? (see docs/config.md)'] },
    { name: 'a list where one value goes', text: 'compression: [xz]\n', expected: ['debforge.yaml:1: compression must be a single value, not a list'] },
    { name: 'a boolean where text goes', text: 'maintainer: true\n', expected: ['debforge.yaml:1: maintainer must be text, not the boolean true; quote it if you mean the word'] },
    { name: 'an unknown compression', text: '\n\ncompression: bzip2\n', expected: ['debforge.yaml:3: compression "bzip2" is not one debforge writes; use gzip, xz, zstd, none or distribution'] },
    { name: 'an unknown default profile', text: 'profiles:\n  - humble\n  - acme\n', expected: [/^debforge\.yaml:3: profiles names "acme", which is neither a built-in profile nor one of custom-profiles; use one of .*\bhumble\b/] },
    { name: 'a placeholder maintainer', text: 'maintainer: Me <me@todo.todo>\n', expected: [/^debforge\.yaml:1: maintainer .*placeholder.*; write it as Full Name <email@domain\.tld>$/] },
    { name: 'a health check out of bounds', text: 'health-check: 0\n', expected: ['debforge.yaml:1: health-check is "0"; it must be a whole number from 1 to 3600'] },
    { name: 'a settle longer than the check', text: 'health-check: 5\nhealth-settle: 9\n', expected: ['debforge.yaml:2: health-settle 9 is longer than health-check 5: the unit could never settle within the bound; lower health-settle'] },
    { name: 'a bad retention', text: 'repo:\n  keep: 0\n', expected: ['debforge.yaml:2: repo keep is "0"; it must be a whole number of at least 1, or all'] },
    { name: 'an architecture that is not one', text: 'architectures: [amd64, x86]\n', expected: [/^debforge\.yaml:1: architectures names "x86", which is not a Debian architecture/] },
    { name: 'a bad revision', text: 'revision: 1-2\n', expected: [/^debforge\.yaml:1: revision "1-2" is not a Debian revision/] },
    { name: 'a relative prefix', text: 'custom-profiles:\n  acme:\n    base: plain\n    prefix: opt/acme\n', expected: [/^debforge\.yaml:4: prefix "opt\/acme" of custom profile acme must be an absolute folder/] },
    { name: 'a prefix climbing up', text: 'custom-profiles:\n  acme:\n    base: plain\n    prefix: /opt/../etc\n', expected: [/^debforge\.yaml:4: prefix "\/opt\/\.\.\/etc"/] },
    { name: 'a custom profile without a base', text: 'custom-profiles:\n  acme:\n    prefix: /opt/acme\n', expected: [/^debforge\.yaml:2: custom profile acme needs base: the built-in profile it follows/] },
    { name: 'a custom profile shadowing a built-in one', text: 'custom-profiles:\n  humble:\n    base: humble\n', expected: [/^debforge\.yaml:2: custom profile "humble" has the name of a built-in profile/] },
    { name: 'a ROS distribution the base release has not', text: 'custom-profiles:\n  acme:\n    base: noetic\n    ros-distro: jazzy\n', expected: [/^debforge\.yaml:4: ros-distro "jazzy" of custom profile acme is not a ROS distribution of ubuntu focal/] },
    { name: 'a package prefix that starts no Debian name', text: 'custom-profiles:\n  acme:\n    base: plain\n    package-prefix: Acme_\n', expected: [/^debforge\.yaml:4: package-prefix "Acme_"/] },
    { name: 'a rosdep file that is not there', text: 'rosdep:\n  - team.yaml\n', expected: [/^debforge\.yaml:2: rosdep "team\.yaml" is not there/] },
    { name: 'a rosdep file outside the repository', text: 'rosdep: ../team.yaml\n', expected: [/^debforge\.yaml:1: rosdep "\.\.\/team\.yaml" leaves the folder of debforge\.yaml/] },
    { name: 'a duplicate key', text: 'revision: 1\nrevision: 2\n', expected: ['debforge.yaml:2: "revision" appears twice in one mapping (first at line 1): keep one'] },
    { name: 'an anchor', text: 'revision: &r 1\n', expected: [/^debforge\.yaml:1: anchor "&r" is not allowed/] },
    { name: 'an alias', text: 'profiles: [noetic]\narchitectures: *a\n', expected: [/^debforge\.yaml:2: alias "\*a" is not allowed/] },
    { name: 'a tag', text: 'revision: !!str 1\n', expected: [/^debforge\.yaml:1: tag "!!str" is not allowed/] },
    { name: 'two documents', text: 'revision: 1\n---\nrevision: 2\n', expected: [/^debforge\.yaml: holds more than one YAML document/] },
    { name: 'broken YAML', text: 'profiles: [noetic,\nrevision: 2\n', expected: [/^debforge\.yaml:2: is not valid YAML/] },
    { name: 'a list at the top', text: '- noetic\n', expected: [/^debforge\.yaml:1: the configuration must be a mapping of keys to values/] },
  ];
  for (const mistake of MISTAKES) {
    it(`refuses ${mistake.name} at its line`, async () => {
      const problems = await problemsOf(mistake.text);
      assert.equal(problems.length, mistake.expected.length, problems.join('\n'));
      mistake.expected.forEach((expected, i) => {
        if (typeof expected === 'string') assert.equal(problems[i], expected);
        else assert.match(problems[i]!, expected);
      });
    });
  }

  it('reports every mistake of a file at once', async () => {
    const problems = await problemsOf('compresion: xz\nrevision: [1]\nrepo: {keep: -1}\n');
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.deepEqual(problems.map((p) => p.split(':')[1]), ['1', '2', '3']);
  });

  it('reads only a regular file of bounded size, in UTF-8', async () => {
    const big = await problemsOf(`# ${'x'.repeat(70 * 1024)}\n`);
    assert.match(big[0]!, /^debforge\.yaml: is \d+ bytes or more; a project config may have at most 65536 bytes/);
    const latin1 = await writeConfig('');
    await fs.writeFile(latin1, Buffer.from('maintainer: Jos\xe9 <jose@example.org>\n', 'latin1'));
    await assert.rejects(loadProjectConfig(latin1), (error: DebforgeError) => /:1: byte 0xe9 is not valid UTF-8/.test(error.message));
    const dir = await tempDir('debforge-config-');
    const fifo = path.join(dir, 'debforge.yaml');
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0) return;
    await assert.rejects(loadProjectConfig(fifo), (error: DebforgeError) => /is a fifo \(named pipe\), not a regular file/.test(error.message));
  });

  it('is found walking up from a daemon folder, and never beyond the repository root', async () => {
    const outside = await tempDir('debforge-config-');
    await fs.writeFile(path.join(outside, 'debforge.yaml'), 'revision: 9\n');
    const repo = path.join(outside, 'repo');
    const daemon = path.join(repo, 'daemons', 'x');
    await fs.mkdir(daemon, { recursive: true });
    // Without a repository boundary the walk reaches the outer file...
    assert.equal(await findProjectConfig(daemon), path.join(outside, 'debforge.yaml'));
    // ...with .git in repo/ it stops there, whether .git is a folder or a worktree's file.
    await fs.writeFile(path.join(repo, '.git'), 'gitdir: /elsewhere\n');
    assert.equal(await findProjectConfig(daemon), undefined);
    await fs.writeFile(path.join(repo, 'debforge.yaml'), 'revision: 2\n');
    assert.equal(await findProjectConfig(daemon), path.join(repo, 'debforge.yaml'));
    // The nearest file wins.
    await fs.writeFile(path.join(repo, 'daemons', 'debforge.yaml'), '');
    assert.equal(await findProjectConfig(daemon), path.join(repo, 'daemons', 'debforge.yaml'));
  });
});
