/**
 * `check`'s warning about ELF payload that needs a shared library (DT_NEEDED) no declared
 * dependency is known to provide: on the robot the program would fail to start with "error while
 * loading shared libraries". debforge has no shlibs database, so "known to provide" is a rule
 * that can be stated and checked without one, and the result stays a warning:
 *
 * 1. glibc's libraries (libc.so.6, libm.so.6, libpthread.so.0, ld-linux-*.so.*, ...) come from
 *    libc<N> (libc6; libc6.1, libc0.1, libc0.3 on some ports), and libgcc_s.so.1 from
 *    libgcc-s1, which libc6 depends on: a Depends on that package provides them (lintian's
 *    missing-dependency-on-libc asks for the same).
 * 2. A library the package ships itself (an ELF file whose DT_SONAME, or a payload path whose
 *    file name, is the soname), or that another package of the checked set ships and this one
 *    depends on, is provided.
 * 3. A Depends (or Pre-Depends) alternative named as Debian's library packaging policy names the
 *    package of that soname provides it: `libfoo.so.1` -> `libfoo1`, `libfoo2.so.3` ->
 *    `libfoo2-3`, `libfoo_bar.so.1.74.0` -> `libfoo-bar1.74.0`, also with the suffixes of ABI
 *    transitions (`t64`, `v5`, `c2`, `a`).
 *    A few libraries every robot image has are packaged under other names, and are listed here:
 *    libz.so.1 (zlib1g), libcrypto.so.N (libsslN), libpython3.X.so.1.0 (libpython3.X),
 *    libjpeg.so.62 (libjpeg62-turbo).
 * 4. An unversioned `libfoo.so` (how ROS binary packages ship their libraries) is provided by a
 *    Depends on the profile's package of ROS package `foo` (`ros-noetic-foo`), or `foo`'s
 *    Debian package name.
 */
import { relationNames } from '../debian/relations.js';
import type { Problem } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { RenderedPackage } from '../render/index.js';

const GLIBC = /^(?:libc|libm|libpthread|libdl|librt|libresolv|libutil|libanl|libBrokenLocale|libmvec|libthread_db|libc_malloc_debug|libnss_[a-z0-9_]+|libmemusage|libpcprofile|libSegFault)\.so(?:\.[0-9.]+)?$|^ld-linux[a-z0-9_.-]*\.so(?:\.[0-9]+)*$|^ld64\.so\.[0-9]+$|^ld\.so\.[0-9]+$/;
const LIBC_PACKAGE = /^libc(?:6|6\.1|0\.1|0\.3)$/;
const LIBGCC = /^libgcc_s\.so\.[0-9]+$/;
const LIBGCC_PACKAGES = ['libgcc-s1', 'libgcc-s2', 'libgcc-s4', 'libgcc1'];
const ABI_SUFFIXES = ['', 't64', 'v5', 'c2', 'c2a', 'a'];

/** Libraries whose Debian package is not the policy name of their soname. */
function knownPackages(soname: string): string[] {
  if (soname === 'libz.so.1') return ['zlib1g'];
  if (soname === 'libjpeg.so.62') return ['libjpeg62-turbo', 'libjpeg62'];
  const crypto = /^libcrypto\.so\.([0-9.]+)$/.exec(soname);
  if (crypto) return [`libssl${crypto[1]}`];
  const python = /^libpython(3\.[0-9]+)\.so\.1\.0$/.exec(soname);
  if (python) return [`libpython${python[1]}`];
  return [];
}

/** The package name Debian's library packaging policy gives a versioned soname, if it is one. */
export function policyPackageName(soname: string): string | undefined {
  const match = /^(.+)\.so\.([0-9][0-9A-Za-z.]*)$/.exec(soname);
  if (match === null) return undefined;
  const name = match[1]!.toLowerCase().replace(/_/g, '-');
  const version = match[2]!.toLowerCase();
  return /[0-9]$/.test(name) ? `${name}-${version}` : `${name}${version}`;
}

/** Whether a Depends on `depends` (package names) is known to provide `soname` by the rules above, leaving out what the set ships. */
export function dependsProvide(soname: string, depends: ReadonlySet<string>, packagePrefix = ''): boolean {
  const dependsOnLibc = [...depends].some((name) => LIBC_PACKAGE.test(name));
  if (GLIBC.test(soname)) return dependsOnLibc;
  if (LIBGCC.test(soname)) return dependsOnLibc || LIBGCC_PACKAGES.some((name) => depends.has(name));
  const policy = policyPackageName(soname);
  const names = [...knownPackages(soname), ...(policy !== undefined ? [policy] : [])];
  if (names.length > 0) return names.some((name) => ABI_SUFFIXES.some((suffix) => depends.has(`${name}${suffix}`)));
  const unversioned = /^lib(.+)\.so$/.exec(soname)?.[1];
  if (unversioned === undefined) return false;
  const debianName = unversioned.toLowerCase().replace(/_/g, '-');
  return depends.has(`${packagePrefix}${debianName}`) || depends.has(debianName) || depends.has(`lib${debianName}`);
}

/** The warnings, one per ELF file and soname no dependency is known to provide. */
export function checkSharedLibraries(packages: readonly RenderedPackage[]): Problem[] {
  const problems: Problem[] = [];
  // What each package of the set ships: sonames of its ELF files and file names of its paths.
  const shipsBy = new Map<string, Set<string>>();
  for (const { spec } of packages) {
    const ships = shipsBy.get(spec.package) ?? new Set<string>();
    for (const entry of spec.payload) {
      if (entry.kind === 'directory') continue;
      ships.add(entry.target.slice(entry.target.lastIndexOf('/') + 1));
      if (entry.elf?.soname !== undefined) ships.add(entry.elf.soname);
    }
    shipsBy.set(spec.package, ships);
  }
  for (const { spec } of packages) {
    const depends = new Set([...relationNames(spec.relations.depends), ...relationNames(spec.relations['pre-depends'])]);
    const provided = (soname: string): boolean => {
      if (!GLIBC.test(soname) && !LIBGCC.test(soname)) {
        if (shipsBy.get(spec.package)?.has(soname)) return true;
        for (const name of depends) if (shipsBy.get(name)?.has(soname)) return true;
      }
      return dependsProvide(soname, depends, spec.profile.packagePrefix);
    };
    for (const entry of spec.payload) {
      for (const soname of entry.elf?.needed ?? []) {
        if (provided(soname)) continue;
        const policy = GLIBC.test(soname) || LIBGCC.test(soname) ? 'libc6' : (knownPackages(soname)[0] ?? policyPackageName(soname));
        const hint = policy !== undefined ? ` (by Debian's naming, ${policy}; \`dpkg -S ${soname}\` on a robot tells)` : ` (\`dpkg -S ${soname}\` on a robot tells)`;
        problems.push({
          file: displayPath(spec.source.dir, entry.file),
          message: `needs the shared library ${soname}, which no dependency of ${spec.package} is known to provide: add the package that ships it${hint} as <depends> in <export><debforge>, or it may not start on the robot`,
          severity: 'warning',
        });
      }
    }
  }
  return problems;
}
