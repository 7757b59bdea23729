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
  /** The release's dpkg (major.minor), for the record: what reads the packages on the target. */
  dpkg?: string;
  /**
   * Appended to the Debian revision (`1.0.0-1+deb13`): profiles whose packages would otherwise
   * share a name, version and architecture (Debian's own ROS on two releases, and `plain`, named
   * alike) write distinct files, and one repository's pool holds them all.
   */
  revisionSuffix?: string;
  /**
   * What the distribution compresses its own packages with: Ubuntu zstd since 21.10 (impish),
   * Debian xz. `--compression distribution` uses it; debforge's own default stays gzip.
   */
  distributionCompression?: 'xz' | 'zstd';
  /** A custom profile (the project config's `custom-profiles`): the built-in profile it is based on. */
  base?: string;
  /** The APT suite and changelog distribution, when not `os.codename` (custom profiles). */
  suite?: string;
  /** What `@ROS_SETUP@` names, when not `<installPrefix>/setup.bash` (custom profiles with their own prefix). */
  rosSetup?: string;
}

/**
 * Where system units go. Ubuntu focal and jammy are not merged-/usr: their debhelper installs
 * units to /lib/systemd/system, their lintian flags units elsewhere, and init-system-helpers there
 * predates the releases that look in /usr/lib/systemd/system first. noble, resolute, bookworm and
 * trixie are merged-/usr, and current lintian wants /usr/lib/systemd/system. User units are in
 * /usr/lib/systemd/user everywhere.
 *
 * Tool versions are those each release shipped: Debian's from its archive (trixie: systemd 257.13,
 * init-system-helpers 1.69~deb13u1, dpkg 1.22.22), Ubuntu's from packages.ubuntu.com (resolute:
 * systemd 259.5-0ubuntu3, init-system-helpers 1.69, dpkg 1.23.7ubuntu1; noble: systemd 255.4,
 * init-system-helpers 1.66ubuntu1, dpkg 1.22.6ubuntu6).
 */
const SYSTEM_UNIT_DIR = '/usr/lib/systemd/system';
const SPLIT_USR_UNIT_DIR = '/lib/systemd/system';
const USER_UNIT_DIR = '/usr/lib/systemd/user';

/** What a profile takes from its OS release. */
type Release = Pick<Profile, 'os' | 'systemUnitDir' | 'userUnitDir' | 'initSystemHelpers' | 'systemd' | 'dpkg'> & { title: string };

function release(id: 'ubuntu' | 'debian', codename: string, title: string, tools: { unitDir: string; initSystemHelpers: string; systemd: number; dpkg: string }): Release {
  return {
    title,
    os: { id, codename },
    systemUnitDir: tools.unitDir,
    userUnitDir: USER_UNIT_DIR,
    initSystemHelpers: tools.initSystemHelpers,
    systemd: tools.systemd,
    dpkg: tools.dpkg,
  };
}

const FOCAL = release('ubuntu', 'focal', 'Ubuntu 20.04 focal', { unitDir: SPLIT_USR_UNIT_DIR, initSystemHelpers: '1.57', systemd: 245, dpkg: '1.19' });
const JAMMY = release('ubuntu', 'jammy', 'Ubuntu 22.04 jammy', { unitDir: SPLIT_USR_UNIT_DIR, initSystemHelpers: '1.62', systemd: 249, dpkg: '1.21' });
const NOBLE = release('ubuntu', 'noble', 'Ubuntu 24.04 noble', { unitDir: SYSTEM_UNIT_DIR, initSystemHelpers: '1.66', systemd: 255, dpkg: '1.22' });
const RESOLUTE = release('ubuntu', 'resolute', 'Ubuntu 26.04 resolute', { unitDir: SYSTEM_UNIT_DIR, initSystemHelpers: '1.69', systemd: 259, dpkg: '1.23' });
const BOOKWORM = release('debian', 'bookworm', 'Debian 12 bookworm', { unitDir: SYSTEM_UNIT_DIR, initSystemHelpers: '1.65.2', systemd: 252, dpkg: '1.21' });
const TRIXIE = release('debian', 'trixie', 'Debian 13 trixie', { unitDir: SYSTEM_UNIT_DIR, initSystemHelpers: '1.69', systemd: 257, dpkg: '1.22' });

/** A ROS binary distribution as the ROS build farm releases it: under /opt/ros/<distro>, ros-<distro>-<name>. */
function rosDistribution(distro: string, title: string, version: 1 | 2, { title: releaseTitle, ...os }: Release): Profile {
  return {
    name: distro,
    summary: `ROS ${version} ${title} on ${releaseTitle}`,
    ...os,
    ros: { distro, version, pythonVersion: 3 },
    installPrefix: `/opt/ros/${distro}`,
    hasSetupBash: true,
    packagePrefix: `ros-${distro}-`,
  };
}

/** Debian's own ROS 1 on a Debian release: under /usr, no setup.bash, named after the ROS package. */
function debianRos({ title, ...os }: Release, revisionSuffix: string): Profile {
  return {
    name: `debian-${os.os.codename}`,
    summary: `${title} with Debian's own ROS 1 under /usr (no setup.bash)`,
    ...os,
    ros: { distro: 'debian', version: 1, pythonVersion: 3 },
    installPrefix: '/usr',
    hasSetupBash: false,
    // Debian's ROS has no distro namespace: a daemon is named after its ROS package, as on `plain`.
    packagePrefix: '',
    revisionSuffix,
  };
}

/** No ROS: prefix /usr, the package named as in package.xml. */
function withoutRos({ title, ...os }: Release): Profile {
  return {
    name: 'plain',
    summary: `No ROS: prefix /usr, package named as in package.xml (_ becomes -), ${title}`,
    ...os,
    installPrefix: '/usr',
    hasSetupBash: false,
    packagePrefix: '',
  };
}

export const PROFILES: readonly Profile[] = [
  rosDistribution('noetic', 'Noetic', 1, FOCAL),
  rosDistribution('humble', 'Humble', 2, JAMMY),
  rosDistribution('jazzy', 'Jazzy', 2, NOBLE),
  rosDistribution('kilted', 'Kilted', 2, NOBLE),
  rosDistribution('lyrical', 'Lyrical', 2, RESOLUTE),
  rosDistribution('rolling', 'Rolling', 2, RESOLUTE),
  // Debian's ROS names a daemon as plain does, on two releases: the release's +debN on the Debian
  // revision, as Debian marks a build for a stable release (+deb12u1), keeps the three profiles'
  // files apart, and sorts the Debian 13 build above the Debian 12 one for a robot upgraded.
  debianRos(BOOKWORM, '+deb12'),
  debianRos(TRIXIE, '+deb13'),
  withoutRos(BOOKWORM),
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
