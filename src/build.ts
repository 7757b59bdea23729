import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { DebforgeError, ProblemList, UsageError, formatProblem, terminalSafe, type Problem } from './errors.js';
import { layoutPackage, type PackageLayout } from './layout/index.js';
import { architectureFolders, daemonNames, loadDaemon } from './load/index.js';
import { MAX_HEALTH_TIMEOUT } from './load/package-xml.js';
import type { HealthCheck } from './load/types.js';
import { DEBIAN_ARCHITECTURES } from './load/debian-syntax.js';
import { renderPackage, type RenderedPackage } from './render/index.js';
import { DEFAULT_PROFILE, distributionCompression, dpkgReadsZstd, findProfile, PROFILES, resolvePackage, type Profile } from './resolve/index.js';
import { overrideProblem as maintainerOverrideProblem } from './resolve/maintainer.js';
import { writeDeb, type Compression } from './write/index.js';
import { exists } from './fs-exists.js';

export interface BuildOptions {
  /** Output folder (default `dist`). */
  outDir?: string;
  /** Profile name (default `noetic`). */
  profile?: string;
  defines?: ReadonlyMap<string, string>;
  revision?: string;
  /** `Full Name <email>` for Maintainer and the changelog, replacing package.xml's (--maintainer). */
  maintainer?: string;
  /**
   * The maintainer from the environment (DEBFULLNAME / DEBEMAIL, see `maintainerFromEnvironment`),
   * used only where package.xml's maintainer is a placeholder.
   */
  environmentMaintainer?: { maintainer?: string; missing?: string };
  /**
   * Member compression (default gzip); `distribution` is what the profile's distribution uses for
   * its own packages (zstd on Ubuntu since 21.10, xz on Debian). zstd is refused for a target
   * whose dpkg cannot read it.
   */
  compression?: Compression | 'distribution';
  /**
   * Compression threads for this package (default: the number of cores); the bytes never depend
   * on it. The CLI shares its --jobs budget among the packages it builds at once.
   */
  jobs?: number;
  /** Seconds since the epoch; default SOURCE_DATE_EPOCH, else the daemon's last git commit, else its newest file. */
  sourceDateEpoch?: number;
  signal?: AbortSignal;
  /** A ros/rosdistro checkout to resolve keys against instead of the shipped index (default: DEBFORGE_ROSDISTRO). */
  rosdistro?: string;
  /** `<name>`s of the other daemon folders built in the same run: a key naming one is a sibling. */
  runSiblings?: readonly string[];
  /**
   * Health-check every system unit postinst starts (a unit's `health-check` in package.xml wins,
   * `health-check="false"` opts it out). See docs/health-checks.md.
   */
  healthCheck?: HealthCheck;
  /**
   * Which of the folder's `files-<arch>/` architectures this package is for; needed only when it
   * has several (see `plannedArchitectures` and `buildAll`).
   */
  architecture?: string;
  /**
   * The architectures to build (--arch, or a project's configuration): a folder with files-<arch>/
   * folders builds only these of its own; a folder without stays `all` or its declared
   * <architecture>. Default: every architecture a folder provides.
   */
  architectures?: readonly string[];
}

export interface BuildResult {
  path: string;
  package: string;
  version: string;
  architecture: string;
  profile: string;
  size: number;
  sha256: string;
  /** Warnings and notes about the input (what was read differently, left out or not installed). */
  warnings: Problem[];
}

/** A default health check given through the library is held to the same bounds as package.xml's. */
function validHealthCheck(check: HealthCheck): HealthCheck {
  const seconds = (value: number, min: number): boolean => Number.isInteger(value) && value >= min && value <= MAX_HEALTH_TIMEOUT;
  if (!seconds(check.timeout, 1) || !seconds(check.settle, 0) || check.settle > check.timeout) {
    throw new UsageError(`healthCheck {timeout: ${check.timeout}, settle: ${check.settle}} must be whole seconds, timeout 1 to ${MAX_HEALTH_TIMEOUT}, settle 0 to timeout`);
  }
  return check;
}

export function resolveProfile(name: string | undefined): Profile {
  const profile = findProfile(name ?? DEFAULT_PROFILE);
  if (!profile) throw new UsageError(`unknown profile "${name}": choose one of ${PROFILES.map((p) => p.name).join(', ')}`);
  return profile;
}

/**
 * The build date, in order: the option, SOURCE_DATE_EPOCH, the daemon folder's last git commit
 * (identical on every clone), the newest mtime in the folder.
 */
export async function sourceDateEpochFor(dir: string, explicit?: number): Promise<number> {
  if (explicit !== undefined) return explicit;
  const fromEnv = process.env['SOURCE_DATE_EPOCH'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[0-9]+$/.test(fromEnv)) throw new UsageError(`SOURCE_DATE_EPOCH="${fromEnv}" must be a whole number of seconds`);
    return Number(fromEnv);
  }
  try {
    // Asynchronous, and child_process loaded only here: preparePackage runs git while the folder loads.
    const { execFile } = await import('node:child_process');
    const out = (
      await new Promise<string>((resolve, reject) => {
        execFile('git', ['log', '-1', '--format=%ct', '--', '.'], { cwd: dir, encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
      })
    ).trim();
    if (/^[0-9]+$/.test(out)) return Number(out);
  } catch {
    // Not a git checkout, or git missing: fall back to the files themselves.
  }
  let newest = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const stat = await fs.lstat(full);
      newest = Math.max(newest, Math.floor(stat.mtimeMs / 1000));
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return newest;
}

export interface PreparedPackage {
  rendered: RenderedPackage;
  layout: PackageLayout;
}

/**
 * load -> resolve -> render, going as far as the input allows: a manifest error does not hide a
 * unit's. Every problem of every stage is collected; the rendered package comes back even when
 * some were errors (for `check`), undefined only when a stage could not run at all.
 */
export async function stagePackage(dir: string, options: BuildOptions, problems: ProblemList): Promise<RenderedPackage | undefined> {
  const profile = resolveProfile(options.profile);
  const refusal = compressionProblem(options.compression, profile);
  if (refusal !== undefined) problems.items.push(refusal);
  const overrideProblem = options.maintainer === undefined ? undefined : maintainerOverrideProblem(options.maintainer);
  if (overrideProblem !== undefined) throw new UsageError(`--maintainer ${overrideProblem}`);
  // The build date may come from a `git log` subprocess: start it now so it runs while the folder
  // loads. A rejection is never left unhandled.
  const epoch = sourceDateEpochFor(dir, options.sourceDateEpoch);
  epoch.catch(() => undefined);
  const source = await loadDaemon(dir, problems);
  if (!source) return undefined;
  // A folder with load errors (say, a file name that is not UTF-8) may also defeat the date's
  // walk over it: those errors are what to report, and its later stages need only some date.
  const sourceDateEpoch = await epoch.catch((error: unknown) => {
    if (problems.errors.length > 0) return 0;
    throw error;
  });
  const spec = await resolvePackage(
    source,
    {
      profile,
      ...(options.revision !== undefined ? { revision: options.revision } : {}),
      ...(options.defines ? { defines: options.defines } : {}),
      ...(options.rosdistro !== undefined ? { rosdistro: options.rosdistro } : {}),
      ...(options.runSiblings ? { runSiblings: options.runSiblings } : {}),
      ...(options.maintainer !== undefined ? { maintainer: options.maintainer } : {}),
      ...(options.environmentMaintainer ? { environmentMaintainer: options.environmentMaintainer } : {}),
      ...(options.healthCheck ? { healthCheck: validHealthCheck(options.healthCheck) } : {}),
      ...(options.architecture !== undefined ? { architecture: options.architecture } : {}),
      sourceDateEpoch,
      partial: true,
    },
    problems,
  );
  if (!spec) return undefined;
  return renderPackage(spec, problems, { partial: true });
}

/**
 * load -> resolve -> render -> layout, collecting every problem. Used by `build`; returns
 * undefined (with problems filled in) when the input has errors.
 */
export async function preparePackage(dir: string, options: BuildOptions, problems: ProblemList): Promise<PreparedPackage | undefined> {
  const rendered = await stagePackage(dir, options, problems);
  if (!rendered || problems.errors.length > 0) return undefined;
  return { rendered, layout: await layoutPackage(rendered, { jobs: options.jobs ?? os.availableParallelism() }) };
}

/**
 * The packages a daemon folder gives in a run, by architecture: one per `files-<arch>/` folder
 * (only those `architectures` names, when given), or one `undefined` for a folder without any
 * (built `all` or for its declared <architecture>). A folder whose architectures the subset
 * leaves out entirely is an error: nothing would be built from it.
 */
export async function plannedArchitectures(dir: string, architectures?: readonly string[]): Promise<{ architectures: (string | undefined)[]; problems: Problem[] }> {
  for (const architecture of architectures ?? []) {
    if (architecture === 'all' || !DEBIAN_ARCHITECTURES.has(architecture)) {
      throw new UsageError(`--arch "${terminalSafe(architecture)}" is not a Debian architecture: give one such as amd64, arm64 or armhf (Architecture: all packages are built whatever --arch says)`);
    }
  }
  const provided = await architectureFolders(dir);
  if (provided.length === 0) return { architectures: [undefined], problems: [] };
  if (architectures === undefined) return { architectures: provided, problems: [] };
  const chosen = provided.filter((architecture) => architectures.includes(architecture));
  if (chosen.length > 0) return { architectures: chosen, problems: [] };
  const folders = provided.map((architecture) => `files-${architecture}/`).join(', ');
  return {
    architectures: [],
    problems: [{ file: dir, message: `has ${folders}, but the architectures asked for (${architectures.join(', ')}) are none of them: add the folder of one, or leave this daemon out of the run`, severity: 'error' }],
  };
}

/** Builds every package of a daemon folder: one per architecture it provides (see plannedArchitectures). */
export async function buildAll(dir: string, options: BuildOptions = {}): Promise<BuildResult[]> {
  const planned = await plannedArchitectures(dir, options.architectures);
  if (planned.problems.length > 0) throw new DebforgeError(planned.problems);
  const results: BuildResult[] = [];
  for (const architecture of planned.architectures) results.push(await build(dir, { ...options, ...(architecture !== undefined ? { architecture } : {}) }));
  return results;
}

/** Builds one daemon folder into `<outDir>/<package>_<version>_<arch>.deb`. */
export async function build(dir: string, options: BuildOptions = {}): Promise<BuildResult> {
  if (options.architecture === undefined && options.architectures !== undefined) {
    // One architecture of the subset: the caller asked for exactly that package.
    const planned = await plannedArchitectures(dir, options.architectures);
    if (planned.problems.length > 0) throw new DebforgeError(planned.problems);
    if (planned.architectures.length === 1 && planned.architectures[0] !== undefined) options = { ...options, architecture: planned.architectures[0] };
  }
  const problems = new ProblemList();
  const prepared = await preparePackage(dir, options, problems);
  if (!prepared) throw new DebforgeError(problems.errors.length > 0 ? problems.errors : [{ file: dir, message: 'cannot be built', severity: 'error' }]);
  const { layout, rendered } = prepared;
  const written = await writeDeb(layout, {
    outDir: options.outDir ?? 'dist',
    compression: compressionFor(options.compression, rendered.spec.profile),
    jobs: options.jobs ?? os.availableParallelism(),
    mtime: rendered.spec.sourceDateEpoch,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    path: written.path,
    package: layout.package,
    version: layout.version,
    architecture: layout.architecture,
    profile: rendered.spec.profile.name,
    size: written.size,
    sha256: written.sha256,
    warnings: problems.items.filter((p) => p.severity !== 'error'),
  };
}

/** The compression a build writes: the option, the profile's distribution's for `distribution`, else gzip. */
export function compressionFor(option: BuildOptions['compression'], profile: Profile): Compression {
  if (option === 'distribution') return distributionCompression(profile);
  return option ?? 'gzip';
}

/** The error for a compression the profile's dpkg cannot read (zstd before Debian 12 and Ubuntu 20.04), if any. */
export function compressionProblem(option: BuildOptions['compression'], profile: Profile): Problem | undefined {
  if (compressionFor(option, profile) !== 'zstd' || dpkgReadsZstd(profile)) return undefined;
  return {
    file: `--compression ${option ?? 'gzip'}`,
    message: `the dpkg of ${profile.summary} cannot read zstd members (dpkg reads them on Debian 12 and Ubuntu 20.04 and later): use gzip or xz for profile ${profile.name}`,
    severity: 'error',
  };
}

/** Validates one daemon without writing; returns every problem (errors and warnings). */
export async function check(dir: string, options: BuildOptions = {}): Promise<Problem[]> {
  return checkSet([dir], options);
}

/**
 * Validates daemons together without writing: every problem of every stage of each, the
 * collisions between them, then the warnings about what builds but will hurt on a robot, judged
 * over the whole set (src/check).
 */
export async function checkSet(dirs: readonly string[], options: BuildOptions = {}): Promise<Problem[]> {
  return (await stageSet(dirs, options)).problems;
}

async function stageSet(dirs: readonly string[], options: BuildOptions): Promise<{ problems: Problem[]; staged: RenderedPackage[] }> {
  const found: Problem[] = [];
  const staged: RenderedPackage[] = [];
  options = { ...options, runSiblings: options.runSiblings ?? (await daemonNames(dirs)) };
  let expected = 0;
  for (const dir of dirs) {
    const planned = await plannedArchitectures(dir, options.architectures);
    found.push(...planned.problems);
    for (const architecture of planned.architectures) {
      expected++;
      // One list per package: an error in one must not stop the next one's stages.
      const problems = new ProblemList();
      const one = await stagePackage(dir, { ...options, ...(architecture !== undefined ? { architecture } : {}) }, problems);
      found.push(...problems.items);
      if (one) staged.push(one);
    }
  }
  // Loaded here, not at start-up: only a run over a set needs the set-wide checks.
  const { checkPackages, findCollisions } = await import('./check/index.js');
  // A daemon with errors may ship or pull in other things once fixed: the set-wide warnings
  // would be guesses, so only the per-package ones are given then.
  const complete = staged.length === expected && !found.some((p) => p.severity === 'error');
  return { problems: [...found, ...findCollisions(staged), ...checkPackages(staged, { complete })], staged };
}

/**
 * Everything `check` finds for these daemons and profiles, each problem once: what `build`
 * verifies before it writes anything (a run with an error writes nothing) and the warnings it
 * prints. Includes the .deb files two profiles would both write.
 */
export async function checkBuild(dirs: readonly string[], profiles: readonly string[], options: Omit<BuildOptions, 'profile'> = {}): Promise<Problem[]> {
  const problems: Problem[] = [];
  const staged: RenderedPackage[] = [];
  for (const profile of profiles) {
    const result = await stageSet(dirs, { ...options, profile });
    problems.push(...result.problems);
    staged.push(...result.staged);
  }
  const { findCollisions } = await import('./check/index.js');
  // Within one profile the collisions were found above; across profiles only file names can clash.
  problems.push(...findCollisions(staged).filter((p) => p.message.startsWith('profiles ')));
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.severity}\0${formatProblem(problem)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A path is a daemon folder (has package.xml) or a folder of daemon folders. */
export async function expandDaemonPaths(paths: readonly string[]): Promise<string[]> {
  const daemons: string[] = [];
  for (const given of paths) {
    let stat;
    try {
      stat = await fs.stat(given);
    } catch {
      throw new DebforgeError({ file: given, message: 'no such folder: give a daemon folder (with package.xml) or a folder of them', severity: 'error' });
    }
    if (!stat.isDirectory()) throw new DebforgeError({ file: given, message: 'not a folder: give a daemon folder (with package.xml) or a folder of them', severity: 'error' });
    if (await exists(path.join(given, 'package.xml'))) {
      daemons.push(given);
      continue;
    }
    const children = (await fs.readdir(given, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => path.join(given, e.name)).sort();
    const found: string[] = [];
    for (const child of children) if (await exists(path.join(child, 'package.xml'))) found.push(child);
    if (found.length === 0) throw new DebforgeError({ file: given, message: 'holds no package.xml and no daemon folders', severity: 'error' });
    daemons.push(...found);
  }
  return daemons;
}

