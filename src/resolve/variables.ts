import { multiarchTriplet } from '../debian/architectures.js';
import type { Profile } from './profiles.js';

/** The package name a daemon gets under a profile: `ros-<distro>-<name>` with `_` as `-`. */
export function debianPackageName(rosName: string, profile: Profile): string {
  return `${profile.packagePrefix}${rosName.replace(/_/g, '-')}`;
}

/** The variables a catkin template may use, as catkin's CMake would define them. */
export function templateVariables(manifest: { name: string; version: string }, profile: Profile, packageName: string, defines?: ReadonlyMap<string, string>, architecture = 'all'): Map<string, string> {
  const name = manifest.name;
  const variables = new Map<string, string>([
    ['CMAKE_INSTALL_PREFIX', profile.installPrefix],
    ['PROJECT_NAME', name],
    [`${name}_VERSION`, manifest.version],
    ['CATKIN_PACKAGE_SHARE_DESTINATION', `share/${name}`],
    ['CATKIN_PACKAGE_BIN_DESTINATION', `lib/${name}`],
    ['CATKIN_PACKAGE_LIB_DESTINATION', 'lib'],
    ['CATKIN_PACKAGE_ETC_DESTINATION', `etc/${name}`],
    ['CATKIN_PACKAGE_INCLUDE_DESTINATION', `include/${name}`],
    ['CATKIN_PACKAGE_PYTHON_DESTINATION', `lib/python3/dist-packages/${name}`],
    ['CATKIN_GLOBAL_BIN_DESTINATION', 'bin'],
    ['CATKIN_GLOBAL_LIB_DESTINATION', 'lib'],
    ['CATKIN_GLOBAL_SHARE_DESTINATION', 'share'],
    ['CATKIN_GLOBAL_ETC_DESTINATION', 'etc'],
    ['CATKIN_GLOBAL_INCLUDE_DESTINATION', 'include'],
    ['ROS_DISTRO', profile.ros?.distro ?? ''],
    ['ROS_VERSION', profile.ros ? String(profile.ros.version) : ''],
    ['ROS_PYTHON_VERSION', profile.ros ? String(profile.ros.pythonVersion) : '3'],
    // `. @ROS_SETUP@` works on every profile: Debian's ROS has no setup.bash, and /dev/null sources as nothing.
    ['ROS_SETUP', profile.rosSetup ?? (profile.hasSetupBash ? `${profile.installPrefix}/setup.bash` : '/dev/null')],
    ['DEBIAN_PACKAGE', packageName],
    ['SYSTEMD_UNIT_DIR', profile.systemUnitDir],
    ['SYSTEMD_USER_UNIT_DIR', profile.userUnitDir],
    ['OS_CODENAME', profile.os.codename],
  ]);
  // Only a package of one architecture has them: in an `all` package they are unknown variables.
  const multiarch = multiarchTriplet(architecture);
  if (multiarch !== undefined) {
    variables.set('DEB_HOST_ARCH', architecture);
    variables.set('DEB_HOST_MULTIARCH', multiarch);
  }
  for (const [key, value] of defines ?? []) variables.set(key, value);
  return variables;
}
