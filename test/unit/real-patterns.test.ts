// Daemon folders that reproduce the dependency patterns of real package.xml files (system keys
// with per-release names, packages a distribution does not release, ROS 1 keys in ROS 2
// packages, pip-only keys, format 3 conditions, interface groups, exported build tools, a team's
// own rosdep.yaml, siblings), each with the seed's unit template, built for its natural profiles. Each one either
// builds lintian-clean with every Depends alternative resolvable, or is refused in one line per
// problem that names it and the way out.
import assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FIXTURES, REPO_ROOT, copyTree, debforge, judgedPerTarget, must, run, tempDir } from '../support/tools.js';

const PATTERNS = path.join(FIXTURES, 'real-patterns');
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000', DEBFORGE_ROSDEP_SOURCES: path.join(PATTERNS, 'no-machine-sources') };

type Outcome = 'builds' | RegExp[];

// Written by reading each package.xml against the rosdistro data by hand.
const EXPECTED: Record<string, Record<string, Outcome>> = {
  costmap_planner: {
    noetic: 'builds',
    'debian-bookworm': [/package\.xml:20: dependency "costmap_2d" is released in ROS noetic \(ros-noetic-costmap-2d\), but Debian 12 does not ship it/, /package\.xml:21: dependency "nav_core" is released in ROS noetic/],
  },
  serial_imu_driver: { noetic: 'builds', 'debian-bookworm': 'builds' },
  bluetooth_pad_node: {
    noetic: [/package\.xml:11: unknown dependency key "python-bluez" for profile noetic .*nearest known keys: python3-bluez/],
    'debian-bookworm': [/package\.xml:11: unknown dependency key "python-bluez" for profile debian-bookworm .*nearest known keys: python3-bluez/],
  },
  camera_streamer: { humble: 'builds', jazzy: 'builds' },
  speech_bridge_py: { humble: 'builds', jazzy: 'builds' },
  fleet_msgs: { humble: 'builds', jazzy: 'builds' },
  fleet_bridge: { humble: 'builds', jazzy: 'builds' },
  dock_supervisor: { humble: [/package\.xml:11: dependency "nav2_loopback_sim" is not released in ROS humble \(only in jazzy/], jazzy: 'builds' },
  ported_launcher: {
    humble: [/package\.xml:9: dependency "roslaunch" is a ROS 1 package \(noetic\), not part of ROS 2 humble: depend on ros2launch/],
    jazzy: [/package\.xml:9: dependency "roslaunch" is a ROS 1 package \(noetic\), not part of ROS 2 jazzy: depend on ros2launch/],
  },
  adc_monitor: {
    humble: [/package\.xml:10: dependency "python3-adafruit-circuitpython-ads1x15-pip": rosdep installs it only with pip \(adafruit-circuitpython-ads1x15\) on ubuntu jammy/],
    jazzy: [/only with pip \(adafruit-circuitpython-ads1x15\) on ubuntu noble/],
  },
  geometry_macros: { noetic: 'builds', 'debian-bookworm': 'builds' },
  lidar_cmake_helpers: { humble: 'builds', jazzy: 'builds' },
  // Only Debian: on focal rosdep's opengl is libgl1-mesa-dev, which is kept as bloom keeps it.
  overlay_renderer: { 'debian-bookworm': 'builds' },
};

/** What bloom makes Depends of: the buildtool_export_depend keys, beside the others (read by hand). */
const EXPORTED_BUILD_TOOLS: Record<string, string[]> = {
  'geometry_macros noetic': ['ros-noetic-catkin', 'ros-noetic-cmake-modules'],
  'geometry_macros debian-bookworm': ['catkin', 'ros-cmake-modules'],
  'lidar_cmake_helpers humble': ['ros-humble-ament-cmake-core', 'ros-humble-ament-cmake-vendor-package'],
  'lidar_cmake_helpers jazzy': ['ros-jazzy-ament-cmake-core', 'ros-jazzy-ament-cmake-vendor-package', 'ros-jazzy-ament-cmake-gen-version-h'],
};

const PLATFORMS: Record<string, { os: string; codename: string; distro?: string }> = {
  noetic: { os: 'ubuntu', codename: 'focal', distro: 'noetic' },
  humble: { os: 'ubuntu', codename: 'jammy', distro: 'humble' },
  jazzy: { os: 'ubuntu', codename: 'noble', distro: 'jazzy' },
  'debian-bookworm': { os: 'debian', codename: 'bookworm' },
};

/** Packages debforge adds to Depends itself. */
const ADDED_BY_DEBFORGE = new Set(['adduser', 'init-system-helpers']);

interface ShippedIndex {
  platforms: string[];
  distributions: Record<string, { packages: string[] }>;
  rosdep: Record<string, string | null | (string | null)[]>;
}

/** Every package an Ubuntu profile may depend on: its distribution's releases and rosdep's apt names. */
function ubuntuOracle(profile: string): Set<string> {
  const { os, codename, distro } = PLATFORMS[profile]!;
  const index = JSON.parse(readFileSync(path.join(REPO_ROOT, 'data', 'rosdistro-index.json'), 'utf8')) as ShippedIndex;
  const names = new Set(index.distributions[distro!]!.packages.map((name) => `ros-${distro}-${name.replace(/_/g, '-')}`));
  const at = index.platforms.indexOf(`${os}:${codename}`);
  assert.ok(at >= 0);
  for (const value of Object.values(index.rosdep)) {
    const rule = Array.isArray(value) ? value[at] : value;
    if (typeof rule === 'string' && !/^[a-z]+:/.test(rule)) for (const name of rule.split(' ')) if (name !== '') names.add(name);
  }
  return names;
}

/** Debian 12's real archive: this machine's apt on a bookworm machine, else bookworm's index fetched apart. */
async function debianOracle(): Promise<Set<string>> {
  const bookworm = /^VERSION_CODENAME=bookworm$/m.test(readFileSync('/etc/os-release', 'utf8'));
  const index = bookworm ? must('apt-cache', ['dumpavail']) : await fetchBookwormIndex();
  const names = new Set(index.match(/^Package: \S+$/gm)?.map((line) => line.slice('Package: '.length)));
  assert.ok(names.size > 10_000, bookworm ? 'apt knows the bookworm archive (run apt-get update)' : 'bookworm\'s package index was fetched');
  return names;
}

/** The first Debian mirror this machine's apt uses (deb822 URIs: or a sources.list deb line). */
function aptMirror(): string {
  const parts = (() => {
    try {
      return readdirSync('/etc/apt/sources.list.d').map((name) => path.join('/etc/apt/sources.list.d', name));
    } catch {
      return [];
    }
  })();
  for (const file of ['/etc/apt/sources.list', ...parts]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const uri = /^URIs:\s*(https?:\/\/\S+\/debian\/?)\s*$/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+\/debian\/?)\s/m.exec(text)?.[1];
    if (uri !== undefined) return uri;
  }
  throw new Error('no Debian mirror in /etc/apt/sources.list(.d): the Debian 12 oracle needs one');
}

/**
 * Bookworm's package index, fetched by apt into a folder of its own with the archive keyring,
 * leaving the machine's apt state untouched (on a machine that is not Debian 12 itself).
 */
async function fetchBookwormIndex(): Promise<string> {
  const dir = await tempDir('debforge-bookworm-index-');
  await fs.mkdir(path.join(dir, 'lists', 'partial'), { recursive: true });
  await fs.mkdir(path.join(dir, 'parts'));
  await fs.writeFile(path.join(dir, 'sources.list'), `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${aptMirror()} bookworm main\n`);
  const options = [
    '-o', `Dir::Etc::SourceList=${path.join(dir, 'sources.list')}`,
    '-o', `Dir::Etc::SourceParts=${path.join(dir, 'parts')}`,
    '-o', `Dir::State::Lists=${path.join(dir, 'lists')}`,
    '-o', `Dir::Cache=${dir}`,
    '-o', 'APT::Sandbox::User=root',
    '-o', 'Debug::NoLocking=1',
  ];
  must('apt-get', [...options, '-qq', 'update']);
  const lists = (await fs.readdir(path.join(dir, 'lists'))).filter((name) => name.endsWith('_Packages'));
  assert.ok(lists.length > 0, 'apt fetched bookworm\'s Packages index');
  return (await Promise.all(lists.map((name) => fs.readFile(path.join(dir, 'lists', name), 'utf8')))).join('\n');
}

async function localRosdepPackages(dir: string): Promise<Set<string>> {
  const file = path.join(dir, 'rosdep.yaml');
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return new Set();
  const { load } = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') names.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk(load(text));
  return names;
}

describe('real dependency patterns: built for their natural profiles, or refused with the way out', function () {
  this.timeout(600_000);
  const built: { fixture: string; profile: string; deb: string }[] = [];
  let siblings: string[] = [];

  before(async () => {
    siblings = (await fs.readdir(PATTERNS)).filter((entry) => entry in EXPECTED);
    assert.deepEqual(siblings.sort(), Object.keys(EXPECTED).sort(), 'every fixture has its expectation');
  });

  for (const [fixture, profiles] of Object.entries(EXPECTED)) {
    for (const [profile, outcome] of Object.entries(profiles)) {
      it(`${fixture} on ${profile}: ${outcome === 'builds' ? 'builds' : 'refused, naming the problem and the way out'}`, async () => {
        const out = await tempDir();
        const result = debforge(['build', path.join(PATTERNS, fixture), '--profile', profile, '--out', out], { env });
        if (outcome === 'builds') {
          assert.equal(result.code, 0, result.stderr);
          built.push({ fixture, profile, deb: result.stdout.trim() });
          return;
        }
        assert.equal(result.code, 1, result.stderr);
        assert.deepEqual(await fs.readdir(out), [], 'nothing written');
        const lines = result.stderr.trim().split('\n');
        assert.equal(lines.length, outcome.length, result.stderr);
        outcome.forEach((pattern, i) => {
          assert.match(lines[i]!, pattern);
          assert.match(lines[i]!, /rosdep\.yaml beside package\.xml, or give a raw Debian relation under <export><debforge>/);
        });
      });
    }
  }

  it('buildtool_export_depend keys are Depends as bloom makes them, their conditions honoured', () => {
    for (const [key, expected] of Object.entries(EXPORTED_BUILD_TOOLS)) {
      const [fixture, profile] = key.split(' ');
      const deb = built.find((b) => b.fixture === fixture && b.profile === profile)?.deb;
      assert.ok(deb, `${key} was built`);
      const depends = must('dpkg-deb', ['-f', deb, 'Depends']).trim().split(/,\s*/);
      for (const name of expected) assert.ok(depends.includes(name), `${key}: ${name} in ${depends.join(', ')}`);
      // ament_cmake_gen_version_h holds only on jazzy; build and test keys never reach Depends.
      assert.ok(!depends.some((d) => /gen-version-h/.test(d)) || profile === 'jazzy', depends.join(', '));
      assert.ok(!depends.some((d) => /ament-lint-auto|roscpp|-ament-cmake$/.test(d)), depends.join(', '));
    }
  });

  it('an unknown buildtool_export_depend key is refused at its line like any run-time key', async () => {
    const dir = path.join(await tempDir(), 'geometry_macros');
    await copyTree(path.join(PATTERNS, 'geometry_macros'), dir);
    const manifest = path.join(dir, 'package.xml');
    const text = await fs.readFile(manifest, 'utf8');
    await fs.writeFile(manifest, text.replace('</package>', '  <buildtool_export_depend>geometry_macro_toolz</buildtool_export_depend>\n</package>'));
    const line = text.trimEnd().split('\n').length;
    for (const profile of ['noetic', 'debian-bookworm']) {
      const out = await tempDir();
      const result = debforge(['build', dir, '--profile', profile, '--out', out], { env });
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, new RegExp(`geometry_macros/package\\.xml:${line}: unknown dependency key "geometry_macro_toolz" for profile ${profile}`));
      assert.match(lines[0]!, /rosdep\.yaml beside package\.xml, or give a raw Debian relation under <export><debforge>/);
      assert.deepEqual(await fs.readdir(out), [], 'nothing written');
    }
  });

  it('rosdep names Debian has replaced become their successors on Debian (lintian: depends-on-obsolete-package)', () => {
    const deb = built.find((b) => b.fixture === 'overlay_renderer' && b.profile === 'debian-bookworm')?.deb;
    assert.ok(deb, 'overlay_renderer was built');
    const depends = must('dpkg-deb', ['-f', deb, 'Depends']).trim().split(/,\s*/);
    // opengl: rosdep says libgl1-mesa-dev, libglu1-mesa-dev; libfreetype6-dev is its own key.
    for (const name of ['libgl-dev', 'libglu1-mesa-dev', 'libfreetype-dev']) assert.ok(depends.includes(name), `${name} in ${depends.join(', ')}`);
    for (const name of ['libgl1-mesa-dev', 'libfreetype6-dev']) assert.ok(!depends.includes(name), `${name} in ${depends.join(', ')}`);
  });

  it('every package built is lintian-clean (no E: line)', () => {
    assert.ok(built.length >= 10, `${built.length} packages built`);
    const result = run('lintian', ['--allow-root', ...built.map((b) => b.deb)]);
    const errors = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.startsWith('E: '));
    const profiles = new Map(built.map((b) => [must('dpkg-deb', ['--field', b.deb, 'Package']).trim(), b.profile]));
    assert.deepEqual(judgedPerTarget(errors, (name) => profiles.get(name) ?? ''), []);
  });

  it('every Depends alternative is a released package, a rosdep package of the release, a sibling, or one debforge adds', async () => {
    const oracles = new Map<string, Set<string>>();
    for (const { fixture, profile, deb } of built) {
      if (!oracles.has(profile)) oracles.set(profile, profile === 'debian-bookworm' ? await debianOracle() : ubuntuOracle(profile));
      const known = oracles.get(profile)!;
      const prefix = PLATFORMS[profile]!.distro ? `ros-${PLATFORMS[profile]!.distro}-` : '';
      const siblingPackages = new Set(siblings.map((name) => `${prefix}${name.replace(/_/g, '-')}`));
      const local = await localRosdepPackages(path.join(PATTERNS, fixture));
      const depends = must('dpkg-deb', ['-f', deb, 'Depends']).trim();
      assert.notEqual(depends, '', `${fixture} on ${profile} has Depends`);
      for (const alternative of depends.split(/[,|]/)) {
        const name = alternative.trim().split(' ')[0]!;
        assert.ok(known.has(name) || siblingPackages.has(name) || local.has(name) || ADDED_BY_DEBFORGE.has(name), `${fixture} on ${profile}: ${name} is not resolvable`);
      }
    }
  });
});
