/**
 * A profile is a target: ROS distro + OS release. It fixes the install prefix, the ROS variables,
 * the unit directories, the package-name scheme and what the target's init-system-helpers and
 * systemd can do (which decides how user units are handled).
 */
export interface Profile {
  name: string;
  summary: string;
  /** The distribution release the packages are for; also the APT suite. */
  os: { id: 'ubuntu' | 'debian'; codename: string };
  ros?: { distro: string; version: 1 | 2; pythonVersion: 3 };
  /** CMAKE_INSTALL_PREFIX of the ROS packages (`/opt/ros/<distro>`), `/usr` for Debian's ROS and plain. */
  installPrefix: string;
  /** Whether `<installPrefix>/setup.bash` exists on the target. */
  hasSetupBash: boolean;
  /** Debian package name prefix for ROS packages, e.g. `ros-noetic-`; empty for plain. */
  packagePrefix: string;
  systemUnitDir: string;
  userUnitDir: string;
  /** init-system-helpers and systemd versions shipped by the release (what the scripts may use). */
  initSystemHelpers: string;
  systemd: number;
  /**
   * What the distribution compresses its own packages with: Ubuntu zstd since 21.10 (impish),
   * Debian xz. `--compression distribution` uses it; debforge's own default stays gzip.
   */
  distributionCompression?: 'xz' | 'zstd';
}

/**
 * Where system units go. Ubuntu focal and jammy are not merged-/usr: their debhelper installs
 * units to /lib/systemd/system, their lintian flags units elsewhere, and init-system-helpers there
 * predates the releases that look in /usr/lib/systemd/system first. noble and bookworm are
 * merged-/usr, and current lintian wants /usr/lib/systemd/system. User units are in
 * /usr/lib/systemd/user everywhere.
 */
const SYSTEM_UNIT_DIR = '/usr/lib/systemd/system';
const SPLIT_USR_UNIT_DIR = '/lib/systemd/system';
const USER_UNIT_DIR = '/usr/lib/systemd/user';

export const PROFILES: readonly Profile[] = [
  {
    name: 'noetic',
    summary: 'ROS 1 Noetic on Ubuntu 20.04 focal',
    os: { id: 'ubuntu', codename: 'focal' },
    ros: { distro: 'noetic', version: 1, pythonVersion: 3 },
    installPrefix: '/opt/ros/noetic',
    hasSetupBash: true,
    packagePrefix: 'ros-noetic-',
    systemUnitDir: SPLIT_USR_UNIT_DIR,
    userUnitDir: USER_UNIT_DIR,
    initSystemHelpers: '1.57',
    systemd: 245,
    distributionCompression: 'xz',
  },
  {
    name: 'humble',
    summary: 'ROS 2 Humble on Ubuntu 22.04 jammy',
    os: { id: 'ubuntu', codename: 'jammy' },
    ros: { distro: 'humble', version: 2, pythonVersion: 3 },
    installPrefix: '/opt/ros/humble',
    hasSetupBash: true,
    packagePrefix: 'ros-humble-',
    systemUnitDir: SPLIT_USR_UNIT_DIR,
    userUnitDir: USER_UNIT_DIR,
    initSystemHelpers: '1.62',
    systemd: 249,
    distributionCompression: 'zstd',
  },
  {
    name: 'jazzy',
    summary: 'ROS 2 Jazzy on Ubuntu 24.04 noble',
    os: { id: 'ubuntu', codename: 'noble' },
    ros: { distro: 'jazzy', version: 2, pythonVersion: 3 },
    installPrefix: '/opt/ros/jazzy',
    hasSetupBash: true,
    packagePrefix: 'ros-jazzy-',
    systemUnitDir: SYSTEM_UNIT_DIR,
    userUnitDir: USER_UNIT_DIR,
    initSystemHelpers: '1.66',
    systemd: 255,
    distributionCompression: 'zstd',
  },
  {
    name: 'debian-bookworm',
    summary: "Debian 12 bookworm with Debian's own ROS 1 under /usr (no setup.bash)",
    os: { id: 'debian', codename: 'bookworm' },
    ros: { distro: 'debian', version: 1, pythonVersion: 3 },
    installPrefix: '/usr',
    hasSetupBash: false,
    // Debian's ROS has no distro namespace: a daemon is named after its ROS package, as on `plain`.
    packagePrefix: '',
    systemUnitDir: SYSTEM_UNIT_DIR,
    userUnitDir: USER_UNIT_DIR,
    initSystemHelpers: '1.65.2',
    systemd: 252,
    distributionCompression: 'xz',
  },
  {
    name: 'plain',
    summary: 'No ROS: prefix /usr, package named as in package.xml (_ becomes -), Debian 12 bookworm',
    os: { id: 'debian', codename: 'bookworm' },
    installPrefix: '/usr',
    hasSetupBash: false,
    packagePrefix: '',
    systemUnitDir: SYSTEM_UNIT_DIR,
    userUnitDir: USER_UNIT_DIR,
    initSystemHelpers: '1.65.2',
    systemd: 252,
    distributionCompression: 'xz',
  },
];

export const DEFAULT_PROFILE = 'noetic';

/** Releases whose dpkg cannot read zstd members: Debian before 12 (dpkg 1.21.18 added it), Ubuntu 18.04 and older. */
const WITHOUT_ZSTD: Readonly<Record<Profile['os']['id'], readonly string[]>> = {
  debian: ['jessie', 'stretch', 'buster', 'bullseye'],
  ubuntu: ['trusty', 'xenial', 'bionic'],
};

/**
 * Whether the target's dpkg reads zstd members. Debian's dpkg reads them since 1.21.18
 * (bookworm). Ubuntu's since 1.19.0.5ubuntu2 (bionic), xenial's only after a 2021 update: 18.04
 * and older are refused all the same, as images of them are often not updated.
 */
export function dpkgReadsZstd(profile: Profile): boolean {
  return !WITHOUT_ZSTD[profile.os.id].includes(profile.os.codename);
}

/** Ubuntu releases before 21.10, whose own packages are xz. */
const UBUNTU_XZ = ['trusty', 'xenial', 'bionic', 'focal', 'groovy', 'hirsute'];

/** The profile's distributionCompression, or what its distribution uses when it names none. */
export function distributionCompression(profile: Profile): 'xz' | 'zstd' {
  return profile.distributionCompression ?? (profile.os.id === 'ubuntu' && !UBUNTU_XZ.includes(profile.os.codename) ? 'zstd' : 'xz');
}

export function findProfile(name: string): Profile | undefined {
  return PROFILES.find((p) => p.name === name);
}

/** init-system-helpers >= 1.52 has `deb-systemd-helper --user` (global enablement of user units). */
export function supportsUserEnable(profile: Profile): boolean {
  return compareDotted(profile.initSystemHelpers, '1.52') >= 0;
}

/** `deb-systemd-invoke --user` needs init-system-helpers >= 1.66 and systemd >= 249. */
export function supportsUserInvoke(profile: Profile): boolean {
  return compareDotted(profile.initSystemHelpers, '1.66') >= 0 && profile.systemd >= 249;
}

function compareDotted(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
