/**
 * The Debian and ROS syntax rules values from package.xml must meet before they reach a control
 * file or a path on the robot.
 */

/**
 * The Debian architectures a binary package may name besides `all`: dpkg's GNU/Linux
 * architectures (the names `dpkg-architecture -L` gives without an OS prefix) and the Hurd ports
 * Debian builds. Wildcards such as `any` or `linux-any` belong in source packages only: dpkg
 * refuses to install a binary package that names one.
 */
export const DEBIAN_ARCHITECTURES: ReadonlySet<string> = new Set([
  'all',
  'alpha', 'amd64', 'arc', 'arm', 'arm64', 'arm64ilp32', 'armeb', 'armel', 'armhf', 'avr32', 'hppa',
  'i386', 'ia64', 'loong64', 'm32r', 'm68k', 'mips', 'mips64', 'mips64el', 'mips64r6', 'mips64r6el',
  'mipsel', 'mipsn32', 'mipsn32el', 'mipsn32r6', 'mipsn32r6el', 'mipsr6', 'mipsr6el', 'nios2', 'or1k',
  'powerpc', 'powerpcel', 'powerpcspe', 'ppc64', 'ppc64el', 'riscv64', 's390', 's390x', 'sh3', 'sh3eb',
  'sh4', 'sh4eb', 'sparc', 'sparc64', 'tilegx', 'x32',
  'hurd-amd64', 'hurd-i386',
]);

/**
 * A Debian version (deb-version(7)): optional `epoch:`, an upstream part starting with a digit, and
 * an optional `-revision`; a hyphen in the upstream part only when a revision follows, a colon
 * only after an epoch.
 */
export const DEBIAN_VERSION = /^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~]*(?:(?:-[A-Za-z0-9.+~]+)*-[A-Za-z0-9.+~]+)?$/;

/**
 * A dependency key in package.xml: a ROS package name (REP 140/149: lower case letters, digits and
 * `_`) or a rosdep key (rosdep's rule files also use upper case, `-`, `.` and `+`, as in
 * `python3-ruamel.yaml` or `crypto++`). Nothing that means something in a relation field: no
 * space, comma, `|`, parenthesis, comparison or colon.
 */
export const DEPENDENCY_KEY = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/**
 * The longest file or folder name dpkg can unpack: it writes each file as `<name>.dpkg-new`
 * first, and a name may have 255 bytes on Linux file systems.
 */
export const MAX_NAME_COMPONENT_BYTES = 255 - '.dpkg-new'.length;

/** The first component of an absolute install path longer than dpkg can unpack, if any. */
export function overlongComponent(installPath: string): string | undefined {
  return installPath.split('/').find((part) => Buffer.byteLength(part, 'utf8') > MAX_NAME_COMPONENT_BYTES);
}
