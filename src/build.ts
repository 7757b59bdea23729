import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { DebforgeError, ProblemList, UsageError, type Problem } from './errors.js';
import { layoutPackage, type PackageLayout } from './layout/index.js';
import { daemonNames, loadDaemon } from './load/index.js';
import { renderPackage, type RenderedPackage } from './render/index.js';
import { DEFAULT_PROFILE, findProfile, PROFILES, resolvePackage, type Profile } from './resolve/index.js';
import { writeDeb, type Compression } from './write/index.js';
import { exists } from './fs-exists.js';

export interface BuildOptions {
  /** Output folder (default `dist`). */
  outDir?: string;
  /** Profile name (default `noetic`). */
  profile?: string;
  defines?: ReadonlyMap<string, string>;
  revision?: string;
  compression?: Compression;
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
 * load -> resolve -> render -> layout, collecting every problem. Used by `build` and `check`;
 * returns undefined (with problems filled in) when the input has errors.
 */
export async function preparePackage(dir: string, options: BuildOptions, problems: ProblemList): Promise<PreparedPackage | undefined> {
  const profile = resolveProfile(options.profile);
  // The build date may come from a `git log` subprocess: start it now so it runs while the folder
  // loads. It is awaited only once loading succeeded, as before; a rejection is never left unhandled.
  const epoch = sourceDateEpochFor(dir, options.sourceDateEpoch);
  epoch.catch(() => undefined);
  const source = await loadDaemon(dir, problems);
  if (!source || problems.errors.length > 0) return undefined;
  const spec = await resolvePackage(
    source,
    {
      profile,
      ...(options.revision !== undefined ? { revision: options.revision } : {}),
      ...(options.defines ? { defines: options.defines } : {}),
      ...(options.rosdistro !== undefined ? { rosdistro: options.rosdistro } : {}),
      ...(options.runSiblings ? { runSiblings: options.runSiblings } : {}),
      sourceDateEpoch: await epoch,
    },
    problems,
  );
  if (!spec) return undefined;
  const rendered = await renderPackage(spec, problems);
  if (!rendered) return undefined;
  return { rendered, layout: await layoutPackage(rendered, { jobs: options.jobs ?? os.availableParallelism() }) };
}

/** Builds one daemon folder into `<outDir>/<package>_<version>_<arch>.deb`. */
export async function build(dir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const problems = new ProblemList();
  const prepared = await preparePackage(dir, options, problems);
  if (!prepared) throw new DebforgeError(problems.errors.length > 0 ? problems.errors : [{ file: dir, message: 'cannot be built', severity: 'error' }]);
  const { layout, rendered } = prepared;
  const written = await writeDeb(layout, {
    outDir: options.outDir ?? 'dist',
    compression: options.compression ?? 'gzip',
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

/** Validates one daemon without writing; returns every problem (errors and warnings). */
export async function check(dir: string, options: BuildOptions = {}): Promise<Problem[]> {
  return checkSet([dir], options);
}

/**
 * Validates daemons together without writing: every error of each, then the warnings about what
 * builds but will hurt on a robot, judged over the whole set (src/check).
 */
export async function checkSet(dirs: readonly string[], options: BuildOptions = {}): Promise<Problem[]> {
  const found: Problem[] = [];
  const prepared: PreparedPackage[] = [];
  options = { ...options, runSiblings: options.runSiblings ?? (await daemonNames(dirs)) };
  for (const dir of dirs) {
    // One list per daemon: an error in one must not stop the next one's stages.
    const problems = new ProblemList();
    const one = await preparePackage(dir, options, problems);
    found.push(...problems.items);
    if (one) prepared.push(one);
  }
  // Loaded here, not at start-up: a build never runs the set-wide checks.
  const { checkPackages } = await import('./check/index.js');
  return [...found, ...checkPackages(prepared, { complete: prepared.length === dirs.length })];
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

