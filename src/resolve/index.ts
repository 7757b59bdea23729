import path from 'node:path';
import { DEBIAN_ARCHITECTURES } from '../debian/architectures.js';
import { placeholderLicenses } from '../debian/licenses.js';
import { MAX_NAME_COMPONENT_BYTES, PACKAGE_NAME } from '../debian/names.js';
import { DEBIAN_REVISION } from '../debian/version.js';
import { ProblemList, printable } from '../errors.js';
import { displayPath } from '../load/index.js';
import { architectureProblem } from '../load/debforge-options.js';
import type { DaemonSource, HealthCheck, PayloadFile, Person } from '../load/types.js';
import { checkElfPayload, selectArchitecture } from './architecture.js';
import { describe } from './description.js';
import { evaluateInstallRules } from './install-rules/index.js';
import { chooseMaintainer, MAINTAINER_WAY_OUT, maintainerProblem, parseMaintainer } from './maintainer.js';
import { substitutePayloadPaths } from './payload-paths.js';
import type { Profile } from './profiles.js';
import { resolveRelations } from './relations.js';
import type { PackageSpec, ResolvedUnit } from './types.js';
import { resolveUnits } from './units.js';
import { debianPackageName, templateVariables } from './variables.js';

export * from './types.js';
export * from './profiles.js';

export { templateVariables } from './variables.js';
export { profileStatus, rosdistroData } from './status.js';

interface ResolveOptions {
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
  /** The project config's rosdep files: keys are looked up there after the folder's own rosdep.yaml. */
  rosdepFiles?: readonly { path: string; display: string }[];
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
  const revision = `${options.revision ?? '1'}${profile.revisionSuffix ?? ''}`;
  const debFileName = `${packageName}_${manifest.version}-${revision}_${architecture}.deb`;
  if (Buffer.byteLength(packageName, 'utf8') > MAX_NAME_COMPONENT_BYTES || Buffer.byteLength(debFileName, 'utf8') > 255) {
    problems.error(manifestFile, `<name> "${printable(manifest.name)}" is too long: the package file name ${Buffer.byteLength(debFileName, 'utf8')} bytes, over the 255 a file name may have (and /usr/share/doc/<package> must unpack): shorten it`, manifest.nameLine);
  }
  if (!DEBIAN_REVISION.test(options.revision ?? '1')) {
    problems.error(manifestFile, `revision "${options.revision}" is not a valid Debian revision: use letters, digits and . + ~`);
  }

  const variables = templateVariables(manifest, profile, packageName, options.defines, architecture);
  if (source.catkin) {
    // The install rules add payload and units; their set() variables reach configure_file templates.
    const installed = evaluateInstallRules(source, source.catkin, profile, variables, problems);
    for (const [name, value] of installed.variables) if (!options.defines?.has(name)) variables.set(name, value);
    source = { ...source, units: [...source.units, ...installed.units], payload: [...source.payload, ...installed.payload] };
  }
  const relations = await resolveRelations(source, variables, profile, options, problems);

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
