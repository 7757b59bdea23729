/** `repo`: plans a publish from the .deb files given and the repository as it is, then stages and commits it. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DebforgeError, printable, type Problem } from '../errors.js';
import { ARCHITECTURE_NAME } from '../debian/architectures.js';
import { exists } from '../fs-exists.js';
import { makeDirectory } from '../make-directory.js';
import { CACHE_NAME, ReadCache } from './cache.js';
import { readDebInfo, type DebInfo } from './deb.js';
import { entryKey, packagesStanza, readEntries, type Entry } from './indexes.js';
import { readIfExists, sha256 } from './io.js';
import { lockRepository } from './lock.js';
import { withPhase } from './phasing.js';
import { collectDebs, poolPath, readDebs, repositoryFiles } from './pool.js';
import { parseRelease, type ReleaseInfo } from './release.js';
import { applyRetention, DEFAULT_KEEP } from './retention.js';
import { openSigners, type Signer } from './sign.js';
import { DEFAULT_COMPONENT, DEFAULT_LOCK_WAIT_SECONDS, type RepoDropped, type RepoOptions, type RepoPackage, type RepoResult } from './types.js';
import { applyUpdate, type SuiteUpdate } from './update.js';
import { checkRunOptions, signKeys, NAME } from './options.js';

/** A one-line Release value: printable, no leading or trailing space (deb822 would drop it), at most 200 characters. */
const RELEASE_TEXT = /^[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029](?:[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{0,198}[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029])?$/;

/** Bytes of packages held in memory at most, to write pool copies from. */
const POOL_BYTES_HELD = 64 * 1024 * 1024;

interface SuitePlan {
  suite: string;
  dir: string;
  release?: ReleaseInfo;
  existing: Map<string, Entry>;
  /** Versions this run adds (not yet listed in the suite). */
  incoming: Map<string, Entry>;
}

/** Creates or updates the repository; throws a DebforgeError (and writes nothing) if any input is refused. */
export async function publishRepository(inputs: readonly string[], options: RepoOptions): Promise<RepoResult> {
  const outDir = path.resolve(options.outDir);
  const component = options.component ?? DEFAULT_COMPONENT;
  const log = options.log ?? ((): void => undefined);
  const env = options.env ?? process.env;
  const usage = (what: string, message: string): DebforgeError => new DebforgeError({ file: what, message, severity: 'error' });
  checkRunOptions(options);
  for (const arch of options.architectures ?? []) {
    if (!ARCHITECTURE_NAME.test(arch) || arch === 'all') throw usage(`--arch ${printable(arch)}`, 'must be a Debian architecture such as amd64 or arm64');
  }
  for (const [option, value] of [['--origin', options.origin], ['--label', options.label]] as const) {
    if (value !== undefined && !RELEASE_TEXT.test(value)) {
      throw usage(`${option} ${printable(value)}`, 'must be one line of 1 to 200 printable characters, without control characters or surrounding spaces (it goes into Release)');
    }
  }

  const files = await collectDebs(inputs, outDir);
  const cache = await ReadCache.load(outDir);
  // Pool copies are written from the bytes that were read and hashed, so the pool holds exactly
  // what the index describes, however the input changes meanwhile; past this budget (or for a
  // file too large to be read in one piece) the file is copied.
  let bytesHeld = 0;
  const keepBytes = (size: number): boolean => (bytesHeld + size <= POOL_BYTES_HELD ? ((bytesHeld += size), true) : false);
  const debs = await readDebs(files, (file) => cache.get(file, (input) => readDebInfo(input, { keepBytes })));
  checkPhaseNames(options, debs);

  // A new repository folder is only created for input that would be accepted.
  const newFolderPlan = (await exists(outDir)) ? undefined : await planPublish(debs, outDir, component, options);
  if (newFolderPlan !== undefined) refuseProblems(newFolderPlan);
  try {
    await makeDirectory(outDir);
  } catch (error) {
    throw new DebforgeError({ file: outDir, message: `cannot create the repository folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give --out a folder that can be written`, severity: 'error' });
  }
  const lock = await lockRepository(outDir, options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS, log);
  let signer: Signer | undefined;
  try {
    // Under the lock, the repository cannot change until this run is done: plan from what is there
    // now. A folder that was not there before and is still empty holds what that plan saw: nothing.
    const unchanged = newFolderPlan !== undefined && (await fs.readdir(outDir)).length === 0;
    const plan = unchanged ? newFolderPlan : await planPublish(debs, outDir, component, options);
    refuseProblems(plan);
    const keys = signKeys(options.signKey);
    if (keys.length > 0) signer = await openSigners(keys, env);
    else log(`warning: no --sign-key: ${outDir} is unsigned, and apt refuses unsigned repositories unless a robot marks it [trusted=yes]`);
    const keep = options.keep ?? DEFAULT_KEEP;
    const suites: SuiteUpdate[] = [];
    const additions = new Map<string, DebInfo>();
    const droppedPaths = new Set<string>();
    const dropped: RepoDropped[] = [];
    const unlisted = new Set<string>();
    for (const suitePlan of plan.plans.values()) {
      const retained = applyRetention([...suitePlan.existing.values(), ...suitePlan.incoming.values()], keep);
      for (const entry of retained.kept) {
        const deb = suitePlan.incoming.has(entry.key) ? plan.byPoolPath.get(entry.filename) : undefined;
        if (deb !== undefined) additions.set(entry.filename, deb);
      }
      for (const entry of retained.dropped) {
        dropped.push({ package: entry.package, version: entry.version, architecture: entry.architecture, suite: suitePlan.suite, filename: entry.filename });
        if (suitePlan.incoming.has(entry.key)) {
          unlisted.add(`${suitePlan.suite}\u0000${entry.key}`);
          log(`warning: ${entry.package} ${entry.version} (${entry.architecture}) is older than the ${keep} versions ${suitePlan.suite} keeps: not published (give --keep to keep more)`);
        } else droppedPaths.add(entry.filename);
      }
      suites.push({ suite: suitePlan.suite, dir: suitePlan.dir, ...(suitePlan.release !== undefined ? { release: suitePlan.release } : {}), entries: retained.kept });
    }
    const applied = await applyUpdate({
      outDir,
      component,
      suites,
      additions,
      dropped: droppedPaths,
      extras: () => new Map([[CACHE_NAME, cache.serialize()]]),
      indexMemory: cache,
      signer,
      architectures: options.architectures,
      origin: options.origin,
      label: options.label,
      now: options.now,
      lock,
      log,
    });
    log(`read ${cache.read} of ${debs.length} package${debs.length === 1 ? '' : 's'} (${cache.reused} remembered)`);
    const packages = plan.results.filter((result) => !unlisted.has(`${result.suite}\u0000${entryKey(result.package, result.version, result.architecture)}`));
    return { packages, suites: applied.suites, dropped, removed: applied.removed };
  } finally {
    await signer?.close();
    await lock.release();
  }
}

interface PublishPlan {
  plans: Map<string, SuitePlan>;
  /** Every pool file of this run, with the .deb it comes from. */
  byPoolPath: Map<string, DebInfo>;
  results: RepoPackage[];
  problems: Problem[];
}

function refuseProblems(plan: PublishPlan): void {
  if (plan.problems.length > 0) throw new DebforgeError(plan.problems);
}

/** Every package --phase names must be one this run publishes: a misspelt name would phase nothing. */
function checkPhaseNames(options: RepoOptions, debs: readonly DebInfo[]): void {
  if (options.phase === undefined || typeof options.phase === 'number') return;
  const names = new Set(debs.map((deb) => deb.package));
  for (const name of Object.keys(options.phase)) {
    if (!names.has(name)) throw new DebforgeError({ file: `--phase ${printable(name)}`, message: `no package ${printable(name)} is given to this run: name a package it publishes (later, use \`repo phase\`)`, severity: 'error' });
  }
}

function phaseFor(options: RepoOptions, pkg: string): number | undefined {
  return typeof options.phase === 'number' ? options.phase : options.phase?.[pkg];
}

/** What a publish would change, and every reason to refuse it; reads the repository, writes nothing. */
async function planPublish(debs: readonly DebInfo[], outDir: string, component: string, options: RepoOptions): Promise<PublishPlan> {
  const problems: Problem[] = [];
  const plans = new Map<string, SuitePlan>();
  const byPoolPath = new Map<string, DebInfo>();
  const results: RepoPackage[] = [];
  const seen = new Set<string>();
  const inRepository = repositoryFiles(outDir);
  for (const deb of debs) {
    const suite = options.suite ?? deb.distribution;
    if (suite === undefined || !NAME.test(suite)) {
      problems.push({ file: deb.file, message: `cannot tell which suite ${deb.package} belongs in (no distribution in its changelog): give --suite`, severity: 'error' });
      continue;
    }
    let plan = plans.get(suite);
    if (plan === undefined) {
      const dir = path.join(outDir, 'dists', suite);
      const releaseText = await readIfExists(path.join(dir, 'Release'));
      plan = { suite, dir, existing: await readEntries(path.join(dir, component)), incoming: new Map() };
      if (releaseText !== undefined) plan.release = parseRelease(path.join(dir, 'Release'), releaseText.toString('utf8'));
      plans.set(suite, plan);
    }
    const filename = poolPath(component, deb);
    const key = entryKey(deb.package, deb.version, deb.architecture);
    const refuse = (why: string): void => {
      problems.push({ file: deb.file, message: `${deb.package} ${deb.version} (${deb.architecture}) ${why}; a published package is immutable: publish a new version (for example with build --revision)`, severity: 'error' });
    };
    const twin = byPoolPath.get(filename);
    if (twin !== undefined && twin.sha256 !== deb.sha256) {
      refuse(`is given twice with different contents (${twin.file})`);
      continue;
    }
    byPoolPath.set(filename, deb);
    const published = plan.existing.get(key);
    if (published !== undefined && (published.sha256 !== deb.sha256 || published.filename !== filename)) {
      refuse(`is already in ${suite} as a different file (${published.filename}, sha256 ${published.sha256})`);
      continue;
    }
    // A pool file no index names (another suite's, or left by an interrupted publish) is checked too.
    const onDisk = published === undefined && inRepository(filename) ? await readIfExists(path.join(outDir, filename)) : undefined;
    if (onDisk !== undefined && sha256(onDisk) !== deb.sha256) {
      refuse(`is already published as ${filename} with different contents`);
      continue;
    }
    const added = published === undefined;
    if (seen.has(`${suite}\u0000${key}`)) continue;
    seen.add(`${suite}\u0000${key}`);
    results.push({ package: deb.package, version: deb.version, architecture: deb.architecture, suite, filename, sha256: deb.sha256, added });
    // A version already listed keeps its entry (and its phasing, which `repo phase` may have raised).
    if (added) {
      const percent = phaseFor(options, deb.package);
      const stanza = packagesStanza(deb, filename);
      plan.incoming.set(key, { key, package: deb.package, version: deb.version, architecture: deb.architecture, filename, sha256: deb.sha256, stanza: percent === undefined ? stanza : withPhase(stanza, percent) });
    }
  }
  for (const plan of plans.values()) {
    const origin = options.origin;
    const label = options.label;
    if (plan.release?.origin !== undefined && origin !== undefined && origin !== plan.release.origin) {
      problems.push({ file: `--origin ${origin}`, message: `${plan.suite} already has Origin "${plan.release.origin}": apt on robots refuses a repository whose Origin changes`, severity: 'error' });
    }
    if (plan.release?.label !== undefined && label !== undefined && label !== plan.release.label) {
      problems.push({ file: `--label ${label}`, message: `${plan.suite} already has Label "${plan.release.label}": apt on robots refuses a repository whose Label changes`, severity: 'error' });
    }
  }
  return { plans, byPoolPath, results, problems };
}
