import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PROFILES } from '../../src/resolve/profiles.js';
import type { RosdistroIndex } from '../../src/resolve/rosdistro.js';
import { debforge, must, REPO_ROOT, run, tempDir } from '../support/tools.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'rosdistro-index.mjs');

/** A small rosdistro checkout in the layout of ros/rosdistro, written here. */
async function syntheticRosdistro(): Promise<string> {
  const root = await tempDir('rosdistro-');
  const write = async (file: string, text: string): Promise<void> => {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), text);
  };
  await write('LICENSE', 'BSD 3-Clause License (synthetic copy for a test)\n');
  await write(
    'index-v4.yaml',
    `%YAML 1.1
---
distributions:
  noetic: {distribution: [noetic/distribution.yaml], distribution_status: end-of-life, distribution_type: ros1}
  humble: {distribution: [humble/distribution.yaml], distribution_status: active, distribution_type: ros2}
  jazzy: {distribution: [jazzy/distribution.yaml], distribution_status: active, distribution_type: ros2}
  melodic: {distribution: [melodic/distribution.yaml], distribution_status: end-of-life, distribution_type: ros1}
type: index
version: 4
`,
  );
  await write(
    'noetic/distribution.yaml',
    `release_platforms:
  ubuntu: [focal]
repositories:
  widgets:
    release:
      packages: [widget_core, widget_msgs]
      version: 1.0.0-1
  gizmo:
    release: {version: 0.1.0-1}
  unreleased_repo:
    release:
      packages: [never_released]
    source: {type: git, url: https://example.org/x.git}
  docs_only:
    doc: {type: git, url: https://example.org/y.git}
`,
  );
  await write(
    'humble/distribution.yaml',
    `release_platforms:
  rhel: ['8']
  ubuntu: [jammy]
repositories:
  widgets:
    release:
      packages: [widget_core]
      version: 2.0.0-1
`,
  );
  await write(
    'jazzy/distribution.yaml',
    `release_platforms:
  debian: [bookworm]
  ubuntu: [noble]
repositories:
  gadget_driver:
    release: {version: 3.0.0-1}
`,
  );
  await write('melodic/distribution.yaml', 'release_platforms: {ubuntu: [bionic]}\nrepositories: {old: {release: {version: 1.0.0-0}}}\n');
  await write(
    'rosdep/base.yaml',
    `spline:
  debian: [libspline-dev]
  ubuntu:
    '*': [libspline2-dev]
    focal: [libspline1-dev]
    jammy: null
  fedora: [spline-devel]
only_fedora:
  fedora: [thing]
`,
  );
  await write(
    'rosdep/python.yaml',
    `python3-sprocket:
  debian:
    apt:
      packages: [python3-sprocket]
  ubuntu:
    '*':
      pip:
        packages: [sprocket]
    noble: [python3-sprocket]
spline:
  ubuntu: [shadowed-by-base]
python-gear-pip: &migrate_eol_python_gear_pip
  ubuntu:
    pip:
      packages: [gear]
python3-gear-pip: *migrate_eol_python_gear_pip
`,
  );
  await write('rosdep/ruby.yaml', 'rubygem:\n  ubuntu:\n    gem: [rubygem]\n  debian: [ruby-rubygem]\n');
  return root;
}

describe('the rosdistro index', function () {
  this.timeout(60_000);

  it('is generated from a rosdistro checkout, the same bytes every time, holding what rosdep and the distributions say', async () => {
    const checkout = await syntheticRosdistro();
    const out = await tempDir();
    const first = path.join(out, 'first', 'index.json');
    const second = path.join(out, 'second', 'index.json');
    for (const file of [first, second]) {
      await fs.mkdir(path.dirname(file));
      const result = run('node', [SCRIPT, checkout, '--out', file, '--commit', '0123456789abcdef0123456789abcdef01234567', '--date', '2026-01-02']);
      assert.equal(result.code, 0, result.stderr);
    }
    assert.deepEqual(await fs.readFile(first), await fs.readFile(second));
    assert.equal(await fs.readFile(path.join(out, 'first', 'rosdistro-LICENSE'), 'utf8'), 'BSD 3-Clause License (synthetic copy for a test)\n');
    const index = JSON.parse(await fs.readFile(first, 'utf8')) as RosdistroIndex;
    assert.deepEqual(index.source, { repository: 'https://github.com/ros/rosdistro', commit: '0123456789abcdef0123456789abcdef01234567', date: '2026-01-02' });
    // melodic is end of life and no profile targets it; noetic is end of life but a profile's.
    assert.deepEqual(Object.keys(index.distributions), ['humble', 'jazzy', 'noetic']);
    // The profiles' kilted, lyrical and rolling are not in this checkout: left out, not an error.
    assert.deepEqual(index.distributions['noetic'], { type: 'ros1', status: 'end-of-life', platforms: ['ubuntu:focal'], packages: ['gizmo', 'widget_core', 'widget_msgs'] });
    assert.deepEqual(index.distributions['humble'], { type: 'ros2', status: 'active', platforms: ['ubuntu:jammy'], packages: ['widget_core'] });
    assert.deepEqual(index.distributions['jazzy'], { type: 'ros2', status: 'active', platforms: ['debian:bookworm', 'ubuntu:noble'], packages: ['gadget_driver'] });
    // Debian and Ubuntu releases of the distributions, plus those of debforge's profiles.
    assert.deepEqual(index.platforms, ['debian:bookworm', 'debian:trixie', 'ubuntu:focal', 'ubuntu:jammy', 'ubuntu:noble', 'ubuntu:resolute']);
    assert.deepEqual(index.rosdep, {
      only_fedora: null,
      // rosdistro's python.yaml gives a migrated key the rule of another through a YAML alias.
      'python-gear-pip': [null, null, 'pip:gear', 'pip:gear', 'pip:gear', 'pip:gear'],
      'python3-gear-pip': [null, null, 'pip:gear', 'pip:gear', 'pip:gear', 'pip:gear'],
      'python3-sprocket': ['python3-sprocket', 'python3-sprocket', 'pip:sprocket', 'pip:sprocket', 'python3-sprocket', 'pip:sprocket'],
      rubygem: ['ruby-rubygem', 'ruby-rubygem', 'gem:rubygem', 'gem:rubygem', 'gem:rubygem', 'gem:rubygem'],
      spline: ['libspline-dev', 'libspline-dev', 'libspline1-dev', null, 'libspline2-dev', 'libspline2-dev'],
    });
  });

  it('--rosdistro points a build at a checkout of the user', async () => {
    const checkout = await syntheticRosdistro();
    const dir = path.join(await tempDir(), 'gadget_user');
    await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'package.xml'),
      '<?xml version="1.0"?>\n<package format="2">\n  <name>gadget_user</name>\n  <version>1.0.0</version>\n  <description>Uses a gadget.</description>\n  <maintainer email="team@example.org">Robot Team</maintainer>\n  <license>MIT</license>\n  <exec_depend>gadget_driver</exec_depend>\n  <exec_depend>spline</exec_depend>\n</package>\n',
    );
    await fs.writeFile(path.join(dir, 'etc', 'gadget-user.service'), '[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n');
    const out = await tempDir();
    const shipped = debforge(['build', dir, '--profile', 'jazzy', '--out', out]);
    assert.equal(shipped.code, 1);
    assert.match(shipped.stderr, /unknown dependency key "gadget_driver" for profile jazzy/);
    const own = debforge(['build', dir, '--profile', 'jazzy', '--out', out, '--rosdistro', checkout]);
    assert.equal(own.code, 0, own.stderr);
    assert.equal(must('dpkg-deb', ['-f', own.stdout.trim(), 'Depends']).trim(), 'ros-jazzy-gadget-driver, libspline2-dev');
    const fromEnv = debforge(['build', dir, '--profile', 'jazzy', '--out', out], { env: { ...process.env, DEBFORGE_ROSDISTRO: checkout } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const notACheckout = debforge(['build', dir, '--profile', 'jazzy', '--out', out, '--rosdistro', path.join(checkout, 'rosdep')]);
    assert.equal(notACheckout.code, 1);
    assert.equal(notACheckout.stderr, `debforge: ${path.join(checkout, 'rosdep')}: is not a ros/rosdistro checkout (no index-v4.yaml): give --rosdistro (or DEBFORGE_ROSDISTRO) a clone of https://github.com/ros/rosdistro\n`);
  });

  it('--check says whether an index and its licence are what a checkout gives, and writes nothing', async () => {
    // The shipped index is checked against the project's rosdistro snapshot the same way
    // (data/README.md); the snapshot is not part of a clone, so the suite checks the check itself.
    const checkout = await syntheticRosdistro();
    const out = path.join(await tempDir(), 'index.json');
    const args = [SCRIPT, checkout, '--out', out, '--commit', '0123456789abcdef0123456789abcdef01234567', '--date', '2026-01-02'];
    assert.equal(run('node', [...args, '--check']).code, 1, 'nothing generated yet');
    await assert.rejects(fs.stat(out));
    assert.equal(run('node', args).code, 0);
    const generated = await fs.readFile(out);
    const same = run('node', [...args, '--check']);
    assert.equal(same.code, 0, same.stderr);
    await fs.writeFile(out, generated.toString('utf8').replace('"gadget_driver"', '"gadget_drivers"'));
    const edited = run('node', [...args, '--check']);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /index\.json: not what .* gives; regenerate with npm run rosdistro-index/);
    await fs.writeFile(out, generated);
    await fs.appendFile(path.join(path.dirname(out), 'rosdistro-LICENSE'), 'edited\n');
    assert.match(run('node', [...args, '--check']).stderr, /rosdistro-LICENSE: not what/);
    const other = run('node', [...args.slice(0, -4), '--commit', 'ffffffffffffffffffffffffffffffffffffffff', '--date', '2026-01-02', '--check']);
    assert.equal(other.code, 1, 'another source commit is another index');
  });

  it('the shipped index records its source, carries its licence, and covers every profile', async () => {
    const text = await fs.readFile(path.join(REPO_ROOT, 'data', 'rosdistro-index.json'), 'utf8');
    const index = JSON.parse(text) as RosdistroIndex;
    assert.match(index.source.commit, /^[0-9a-f]{40}$/);
    assert.match(await fs.readFile(path.join(REPO_ROOT, 'data', 'rosdistro-LICENSE'), 'utf8'), /BSD 3-Clause License/);
    for (const profile of PROFILES) {
      const platform = `${profile.os.id}:${profile.os.codename}`;
      assert.ok(index.platforms.includes(platform), profile.name);
      if (profile.ros && profile.ros.distro !== 'debian') {
        const distribution = index.distributions[profile.ros.distro]!;
        assert.ok(distribution.packages.length > 500, profile.name);
        // A ROS profile targets a release its distribution is released for (rosdistro's release_platforms).
        assert.ok(distribution.platforms.includes(platform), `${profile.name}: ${platform} in ${distribution.platforms.join(' ')}`);
        assert.equal(distribution.type, profile.ros.version === 1 ? 'ros1' : 'ros2', profile.name);
      }
    }
    // What the rosdistro snapshot says (index-v4.yaml, <distro>/distribution.yaml release_platforms).
    assert.deepEqual(
      Object.fromEntries(Object.entries(index.distributions).map(([name, d]) => [name, `${d.status} ${d.platforms.join(' ')}`])),
      {
        humble: 'active ubuntu:jammy',
        jazzy: 'active debian:bookworm ubuntu:noble',
        kilted: 'active debian:bookworm ubuntu:noble',
        lyrical: 'active debian:trixie ubuntu:resolute',
        noetic: 'end-of-life ubuntu:focal',
        rolling: 'rolling debian:trixie ubuntu:resolute',
      },
    );
    assert.ok(text.length < 1024 * 1024, `${text.length} bytes`);
    const packageJson = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(packageJson.files.includes('data/'), 'data/ ships in the npm package');
  });
});
