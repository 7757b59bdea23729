import path from 'node:path';
import { ProblemList, printable } from '../errors.js';
import { displayPath } from '../load/index.js';
import { architecturesOf, DEBIAN_ARCHITECTURES, describeElf, elfMatches, multiarchTriplet } from '../debian/architectures.js';
import { MAX_NAME_COMPONENT_BYTES, PACKAGE_NAME } from '../debian/names.js';
import { DEBIAN_RELATION } from '../debian/relations.js';
import { DEBIAN_REVISION } from '../debian/version.js';
import { architectureProblem } from '../load/package-xml.js';
import type { DaemonSource, Dependency, HealthCheck, PayloadFile, Person, RelationField, UnitOptions, UnitSource } from '../load/types.js';
import { ConditionError, evaluateCondition } from './condition.js';
import { placeholderLicenses } from '../render/copyright.js';
import { describe } from './description.js';
import { chooseMaintainer, MAINTAINER_WAY_OUT, maintainerProblem, parseMaintainer } from './maintainer.js';
import { substitutePayloadPaths } from './payload-paths.js';
import { isRuntime, mapKey, relationTerms, type KeySources } from './depends.js';
import { evaluateInstallRules } from './install-rules/index.js';
import { machineRosdep } from './machine-rosdep.js';
import { PROFILES, supportsUserEnable, type Profile } from './profiles.js';
import { loadRosdepFile, type RosdepTable } from './rosdep.js';
import { rosdistroFromCheckout, shippedRosdistro, type RosdistroData } from './rosdistro.js';
import type { PackageSpec, ResolvedUnit } from './types.js';

export * from './types.js';
export * from './profiles.js';
export { evaluateCondition } from './condition.js';

export interface ResolveOptions {
  profile: Profile;
  /** `Name <email>` replacing package.xml's maintainer (--maintainer). */
  maintainer?: string;
  /** The maintainer from DEBFULLNAME / DEBEMAIL, used in place of a placeholder maintainer. */
  environmentMaintainer?: { maintainer?: string; missing?: string };
  revision?: string;
  defines?: ReadonlyMap<string, string>;
  sourceDateEpoch: number;
  /** A ros/rosdistro checkout to read instead of the shipped index (default: DEBFORGE_ROSDISTRO). */
  rosdistro?: string;
  /** `<name>`s of the other daemon folders built in the same run (a key naming one is a sibling). */
  runSiblings?: readonly string[];
  /** Return the spec even when problems were found, so `check` can go on to the later stages. */
  partial?: boolean;
  /** The health check of every system unit postinst starts, unless its `<unit>` says otherwise. */
  healthCheck?: HealthCheck;
  /** Which of the folder's `files-<arch>/` architectures to build (needed when it has several). */
  architecture?: string;
}

const DEFAULT_UNIT_OPTIONS: Omit<UnitOptions, 'line'> = { enable: true, start: true, restartOnUpgrade: true, instances: [] };

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
    ['ROS_SETUP', profile.hasSetupBash ? `${profile.installPrefix}/setup.bash` : '/dev/null'],
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

/** resolve: DaemonSource + profile -> PackageSpec. Collects every problem into `problems`. */
export async function resolvePackage(loaded: DaemonSource, options: ResolveOptions, problems = new ProblemList()): Promise<PackageSpec | undefined> {
  let source = loaded;
  const { manifest } = source;
  const { profile } = options;
  const manifestFile = displayPath(source.dir, 'package.xml');
  const before = problems.errors.length;

  const packageName = debianPackageName(manifest.name, profile);
  // Checked without the profile's prefix too, so a name is valid (or not) on every profile alike.
  const unprefixed = manifest.name.replace(/_/g, '-');
  if (!PACKAGE_NAME.test(packageName) || !PACKAGE_NAME.test(unprefixed)) {
    problems.error(manifestFile, `<name> "${printable(manifest.name)}" gives Debian package name "${printable(PACKAGE_NAME.test(packageName) ? unprefixed : packageName)}", which is not valid: use lower case letters, digits and _ (at least two characters)`, manifest.nameLine);
  }
  // The package name is a folder name on the robot (/usr/share/doc/<package>), and part of the .deb's name.
  const selected = selectArchitecture(source, options.architecture, problems);
  const architecture = selected.architecture;
  source = { ...source, payload: selected.payload };
  const debFileName = `${packageName}_${manifest.version}-${options.revision ?? '1'}_${architecture}.deb`;
  if (Buffer.byteLength(packageName, 'utf8') > MAX_NAME_COMPONENT_BYTES || Buffer.byteLength(debFileName, 'utf8') > 255) {
    problems.error(manifestFile, `<name> "${printable(manifest.name)}" is too long: the package file name ${Buffer.byteLength(debFileName, 'utf8')} bytes, over the 255 a file name may have (and /usr/share/doc/<package> must unpack): shorten it`, manifest.nameLine);
  }
  const revision = options.revision ?? '1';
  if (!DEBIAN_REVISION.test(revision)) {
    problems.error(manifestFile, `revision "${revision}" is not a valid Debian revision: use letters, digits and . + ~`);
  }

  const variables = templateVariables(manifest, profile, packageName, options.defines, architecture);
  if (source.catkin) {
    // The install rules add payload and units; their set() variables reach configure_file templates.
    const installed = evaluateInstallRules(source, source.catkin, profile, variables, problems);
    for (const [name, value] of installed.variables) if (!options.defines?.has(name)) variables.set(name, value);
    source = { ...source, units: [...source.units, ...installed.units], payload: [...source.payload, ...installed.payload] };
  }
  const rosdep = await loadRosdep(source, profile, problems);
  const keySources: KeySources = {
    profile,
    local: rosdep ?? new Map(),
    siblings: [...new Set([...source.siblings, ...(options.runSiblings ?? [])])],
    rosdistro: await loadRosdistro(options.rosdistro),
    machine: await machineRosdep(profile, problems),
  };
  const relations = resolveRelations(source, variables, keySources, problems);

  if (!DEBIAN_ARCHITECTURES.has(architecture)) {
    problems.error(manifestFile, architectureProblem(architecture), manifest.debforge.architectureLine ?? manifest.debforge.line);
  }

  const units = resolveUnits(source, profile, options.healthCheck, problems);
  const payload = substitutePayloadPaths(source, variables, problems);
  checkElfPayload(source, payload, architecture, problems);
  checkAbsoluteSymlinks(source, payload, units, problems);

  const [firstMaintainer, ...otherMaintainers] = manifest.maintainers;
  const maintainer = chooseMaintainer(firstMaintainer, options.maintainer, options.environmentMaintainer?.maintainer);
  if (maintainer.problem !== undefined && firstMaintainer) {
    const environment = options.environmentMaintainer?.missing ? ` (${options.environmentMaintainer.missing})` : '';
    const usable = otherMaintainers.find((person) => maintainerProblem(person) === undefined);
    const reorder = usable ? ` (the <maintainer> "${printable(usable.name)}" at line ${usable.line} is usable: list it first)` : '';
    problems.error(manifestFile, `${maintainer.problem}: ${MAINTAINER_WAY_OUT}${reorder}${environment}`, firstMaintainer.line);
  }
  // As in bloom, only the first <maintainer> is Maintainer and signs the changelog: the others'
  // addresses reach no field of the package, but a placeholder among them is still worth fixing.
  for (const other of otherMaintainers) {
    const problem = maintainerProblem(other);
    if (problem !== undefined) problems.warn(manifestFile, `${problem}: only the first <maintainer> becomes the package's Maintainer, so this one is left out; fix it in package.xml`, other.line);
  }
  const website = manifest.urls.find((u) => u.type === 'website') ?? manifest.urls.find((u) => u.type === '');
  const synopsisOverride = manifest.debforge.synopsis;
  const { synopsis, paragraphs } = describe(
    {
      description: manifest.description,
      ...(synopsisOverride !== undefined ? { synopsisOverride } : {}),
      ...(manifest.debforge.synopsisLine !== undefined ? { synopsisLine: manifest.debforge.synopsisLine } : {}),
      rosName: manifest.name,
      packageName,
      kind: profile.ros ? `ROS${profile.ros.version === 2 ? ' 2' : ''} package` : 'Daemon',
      file: manifestFile,
      line: manifest.descriptionLine,
    },
    problems,
  );
  manifest.licenses.forEach((license, index) => {
    if (placeholderLicenses([license]).length === 0) return;
    problems.warn(manifestFile, `<license> "${printable(license)}" is a placeholder: the package states no license (its copyright file says so); name the license, e.g. BSD-3-Clause or Apache-2.0`, manifest.licenseLines[index]);
  });
  if (synopsis === '') {
    problems.error(manifestFile, '<synopsis> is empty: say in one line what the daemon does', manifest.debforge.synopsisLine ?? manifest.debforge.line);
  }

  if (problems.errors.length > before && !options.partial) return undefined;
  return {
    source,
    profile,
    package: packageName,
    version: `${manifest.version}-${revision}`,
    upstreamVersion: manifest.version,
    architecture,
    maintainer: maintainer.maintainer ?? '',
    ...(website?.url ? { homepage: website.url } : {}),
    section: manifest.debforge.section ?? 'misc',
    priority: manifest.debforge.priority ?? 'optional',
    synopsis,
    paragraphs,
    relations,
    variables,
    units,
    payload,
    ...(manifest.debforge.systemUser ? { systemUser: manifest.debforge.systemUser } : {}),
    licenses: manifest.licenses,
    copyrightHolders: copyrightHolders(manifest.authors, manifest.maintainers, maintainer.maintainer),
    sourceDateEpoch: options.sourceDateEpoch,
  };
}

/**
 * The package's architecture and payload: files/ plus the chosen files-<arch>/ for a folder that
 * has files-<arch>/ folders, else files/ under the declared <architecture> (default `all`).
 */
function selectArchitecture(source: DaemonSource, requested: string | undefined, problems: ProblemList): { architecture: string; payload: PayloadFile[] } {
  const { manifest } = source;
  const manifestFile = displayPath(source.dir, 'package.xml');
  const declared = manifest.debforge.architecture;
  const provided = source.architectures;
  const common = source.payload.filter((entry) => entry.architecture === undefined);
  const folders = provided.map((arch) => `files-${arch}/`).join(', ');
  if (provided.length === 0) {
    const architecture = declared ?? 'all';
    if (requested !== undefined && requested !== architecture) {
      problems.error(manifestFile, `has no files-<arch>/ folder, so it is built for ${architecture} only, not ${printable(requested)}: add files-${printable(requested)}/ for a package of that architecture`);
    }
    return { architecture, payload: common };
  }
  if (declared !== undefined) {
    problems.error(manifestFile, `<architecture> ${printable(declared)} and the folders ${folders} both say what to build for: remove <architecture>; each files-<arch>/ folder gives a package of its own`, manifest.debforge.architectureLine ?? manifest.debforge.line);
  }
  let architecture = requested ?? (provided.length === 1 ? provided[0]! : undefined);
  if (architecture === undefined || !provided.includes(architecture)) {
    const which = architecture === undefined ? 'no architecture was chosen' : `${printable(architecture)} is not one of them`;
    problems.error(source.dir, `has ${folders} (one package each), but ${which}: build one of ${provided.join(', ')}`);
    architecture = provided[0]!;
  }
  const commonFolders = new Set(common.filter((entry) => entry.kind === 'directory').map((entry) => entry.target));
  const own = source.payload.filter((entry) => entry.architecture === architecture && !(entry.kind === 'directory' && commonFolders.has(entry.target)));
  return { architecture, payload: [...common, ...own] };
}

/**
 * Every ELF file must be built for the package's architecture (class, byte order, machine, ARM
 * float ABI): one error per file that is not, naming what it is built for. An ELF file cannot be
 * in an `all` package.
 */
function checkElfPayload(source: DaemonSource, payload: readonly PayloadFile[], architecture: string, problems: ProblemList): void {
  const perArchitecture = source.architectures.length > 0;
  for (const entry of payload) {
    const elf = entry.elf;
    if (elf === undefined) continue;
    const file = displayPath(source.dir, entry.file);
    if (elf.damaged !== undefined) {
      problems.error(file, `starts like an ELF binary, but ${elf.damaged}: ship the complete binary`);
      continue;
    }
    const fits = architecturesOf(elf);
    const builtFor = fits[0];
    if (architecture === 'all') {
      const where = builtFor === undefined ? 'files-<arch>/' : `files-${builtFor}/`;
      problems.error(file, `is an ELF binary, so the package cannot be Architecture: all: set <architecture> in <export><debforge>${builtFor ? ` (it is built for ${builtFor})` : ''}, or move it to ${where}`);
      continue;
    }
    if (elfMatches(elf, architecture)) continue;
    const what = `is built for ${builtFor ?? 'no Debian architecture'} (${describeElf(elf)}), not ${architecture}`;
    let advice: string;
    if (perArchitecture) advice = builtFor !== undefined && entry.architecture !== builtFor ? `move it to files-${builtFor}/, and put the ${architecture} build in files-${architecture}/` : `put the ${architecture} build in files-${architecture}/`;
    else advice = builtFor !== undefined ? `set <architecture> to ${builtFor}, or ship the ${architecture} build` : `ship the ${architecture} build`;
    problems.error(file, `${what}: ${advice}`);
  }
}

/**
 * Who the copyright file names: the authors, else the maintainers that are people (not a
 * placeholder such as `someone` or `root`), else the maintainer the package is signed by.
 */
function copyrightHolders(authors: readonly Person[], maintainers: readonly Person[], signedBy: string | undefined): string[] {
  if (authors.length > 0) return authors.map((p) => p.name);
  const people = maintainers.filter((p) => maintainerProblem(p) === undefined).map((p) => p.name);
  if (people.length > 0) return people;
  const signer = signedBy === undefined ? undefined : parseMaintainer(signedBy)?.name;
  return signer !== undefined ? [signer] : maintainers.map((p) => p.name);
}

async function loadRosdep(source: DaemonSource, profile: Profile, problems: ProblemList): Promise<RosdepTable | undefined> {
  const configured = source.manifest.debforge.rosdep;
  const relative = configured ?? 'rosdep.yaml';
  // A path from package.xml names a file of the daemon folder: relative, and not climbing out.
  const normal = path.posix.normalize(relative);
  if (path.posix.isAbsolute(relative) || normal === '..' || normal.startsWith('../')) {
    problems.error(displayPath(source.dir, 'package.xml'), `<rosdep> "${printable(relative)}" leaves the daemon folder: give a path inside it, relative to package.xml`, source.manifest.debforge.rosdepLine);
    return undefined;
  }
  const absolute = path.join(source.dir, normal);
  if (configured === undefined) {
    const { promises: fs } = await import('node:fs');
    if (!(await fs.lstat(absolute).then(() => true, () => false))) return undefined;
  }
  try {
    return await loadRosdepFile(absolute, displayPath(source.dir, normal), profile, { confineTo: source.dir });
  } catch (error) {
    problems.capture(() => {
      throw error;
    });
    return undefined;
  }
}

/** The rosdistro data keys are resolved against: a checkout the user names, else the shipped index. */
async function loadRosdistro(checkout: string | undefined): Promise<RosdistroData> {
  const configured = checkout ?? process.env['DEBFORGE_ROSDISTRO'];
  if (configured === undefined || configured === '') return shippedRosdistro();
  return rosdistroFromCheckout(configured, PROFILES);
}

function conditionVariables(profile: Profile): Map<string, string> {
  return new Map([
    ['ROS_VERSION', profile.ros ? String(profile.ros.version) : ''],
    ['ROS_DISTRO', profile.ros?.distro ?? ''],
    ['ROS_PYTHON_VERSION', profile.ros ? String(profile.ros.pythonVersion) : '3'],
  ]);
}

function resolveRelations(
  source: DaemonSource,
  variables: ReadonlyMap<string, string>,
  keys: KeySources,
  problems: ProblemList,
): Partial<Record<RelationField, string[]>> {
  const { profile } = keys;
  const manifestFile = displayPath(source.dir, 'package.xml');
  const relations: Partial<Record<RelationField, string[]>> = {};
  const add = (field: RelationField, terms: string[]): void => {
    const list = (relations[field] ??= []);
    for (const term of terms) if (!list.includes(term)) list.push(term);
  };
  const conditionValues = new Map([...conditionVariables(profile), ...variables]);
  const applies = (dependency: Dependency): boolean => {
    if (dependency.condition === undefined) return true;
    try {
      return evaluateCondition(dependency.condition, conditionValues);
    } catch (error) {
      if (error instanceof ConditionError) {
        problems.error(manifestFile, error.message, dependency.line);
        return false;
      }
      throw error;
    }
  };
  for (const dependency of source.manifest.dependencies) {
    if (!applies(dependency)) continue;
    const field: RelationField | undefined = isRuntime(dependency)
      ? 'depends'
      : dependency.kind === 'conflict'
        ? 'conflicts'
        : dependency.kind === 'replace'
          ? 'replaces'
          : undefined;
    if (!field) continue;
    let mapped = mapKey(dependency.key, keys);
    // Conflicts and Replaces usually name a package the team shipped before (a rename): one no
    // archive has is still named as this profile names packages, and costs nothing if absent.
    if (!mapped.ok && field !== 'depends') mapped = { ok: true, packages: [debianPackageName(dependency.key, profile)] };
    if (!mapped.ok) {
      problems.error(manifestFile, mapped.reason, dependency.line);
      continue;
    }
    const terms = mapped.packages.flatMap((name) => relationTerms(name, dependency.constraints));
    // Checked again where it reaches the control file: a term that is not one relation would add others.
    const invalid = terms.find((term) => !DEBIAN_RELATION.test(term));
    if (invalid !== undefined) {
      problems.error(manifestFile, `<${dependency.kind}> "${printable(dependency.key)}" gives "${printable(invalid)}", which is not a Debian relation: map the key to Debian package names in rosdep.yaml`, dependency.line);
      continue;
    }
    add(field, terms);
  }
  for (const [field, values] of Object.entries(source.manifest.debforge.relations) as [RelationField, string[]][]) {
    for (const raw of values) {
      // One control-file line: line breaks inside the element are only spacing.
      const value = raw.replace(/\s+/g, ' ');
      // Checked at load with the element's line; checked again here, where it reaches the control file.
      if (!DEBIAN_RELATION.test(value.trim())) {
        problems.error(manifestFile, `<${field}> "${printable(value)}" is not a Debian relation (name, optionally "(>= version)", alternatives with |)`, source.manifest.debforge.line);
        continue;
      }
      add(field, [value.trim()]);
    }
  }
  if (source.units.some((u) => u.scope === 'user')) add('depends', ['init-system-helpers (>= 1.52)']);
  // catkin_install_python's programs run with the target's python3, as dh_python3 would declare.
  const python = source.payload.find((p) => p.pythonShebang !== undefined)?.pythonShebang;
  if (python !== undefined && !(relations.depends ?? []).some((term) => /^python3(\s|$|:)/.test(term))) add('depends', [path.posix.basename(python)]);
  return relations;
}

function resolveUnits(source: DaemonSource, profile: Profile, defaultHealthCheck: HealthCheck | undefined, problems: ProblemList): ResolvedUnit[] {
  const manifestFile = displayPath(source.dir, 'package.xml');
  const known = new Set(source.units.map((u) => u.name));
  for (const [name, unit] of source.manifest.debforge.units) {
    if (!known.has(name)) {
      const names = [...known].join(', ') || 'none';
      problems.error(manifestFile, `<unit name="${name}"> names no unit file in etc/ or etc/user/ (units here: ${names})`, unit.line);
    }
  }
  const units: ResolvedUnit[] = [];
  for (const unit of source.units) {
    if (unit.scope === 'user' && !supportsUserEnable(profile)) {
      problems.error(displayPath(source.dir, unit.file), `profile ${profile.name} cannot enable user units (init-system-helpers ${profile.initSystemHelpers} < 1.52)`);
      continue;
    }
    const configured = source.manifest.debforge.units.get(unit.name);
    const options: UnitOptions = configured ?? { ...DEFAULT_UNIT_OPTIONS, line: 0 };
    const isTemplate = /@\.[a-z]+$/.test(unit.name);
    const actOn = isTemplate ? options.instances.map((instance) => unit.name.replace('@.', `@${instance}.`)) : [unit.name];
    for (const instance of options.instances) {
      if (!isTemplate) {
        problems.error(manifestFile, `<unit name="${unit.name}"> has instances, but only template units (name@.service) take instances`, options.line);
        break;
      }
      if (!/^[A-Za-z0-9:_.\\-]+$/.test(instance)) {
        problems.error(manifestFile, `instance "${printable(instance)}" of ${unit.name} has characters systemd does not accept`, options.line);
      }
    }
    const directory = unit.scope === 'user' ? profile.userUnitDir : profile.systemUnitDir;
    const healthCheck = unitHealthCheck(unit, options, actOn, defaultHealthCheck, manifestFile, problems);
    units.push({ source: unit, installPath: `${directory}/${unit.name}`, options, isTemplate, actOn, ...(healthCheck ? { healthCheck } : {}) });
  }
  return units;
}

/**
 * The health check postinst runs for a unit: its own `health-check`, else the default, for the
 * system units postinst starts. User units are never checked: they start in each user's manager,
 * which postinst does not wait for.
 */
function unitHealthCheck(
  unit: UnitSource,
  options: UnitOptions,
  actOn: readonly string[],
  defaultHealthCheck: HealthCheck | undefined,
  manifestFile: string,
  problems: ProblemList,
): HealthCheck | undefined {
  const own = options.healthCheck;
  if (own === false) return undefined;
  const started = unit.scope === 'system' && options.start && actOn.length > 0;
  if (own !== undefined && !started) {
    const why =
      unit.scope === 'user'
        ? 'a user unit starts in each user\'s manager, which postinst does not wait for'
        : !options.start
          ? 'it has start="false"'
          : 'a template unit is started only through its instances="..."';
    problems.error(manifestFile, `<unit name="${unit.name}"> health-check: postinst never starts this unit (${why}), so there is nothing to check`, options.line);
    return undefined;
  }
  return started ? (own ?? defaultHealthCheck) : undefined;
}

/** An absolute payload symlink must point at something the package itself installs. */
function checkAbsoluteSymlinks(source: DaemonSource, payload: readonly PayloadFile[], units: ResolvedUnit[], problems: ProblemList): void {
  const shipped = new Set([...payload.map((p) => p.target), ...units.map((u) => u.installPath)]);
  for (const entry of payload) {
    if (entry.kind !== 'symlink' || !entry.linkTarget || !entry.linkTarget.startsWith('/')) continue;
    if (!shipped.has(path.posix.normalize(entry.linkTarget))) {
      problems.error(displayPath(source.dir, entry.file), `symlink points at ${entry.linkTarget}, outside the package: point it at a path the package installs, or use a relative link`);
    }
  }
}
