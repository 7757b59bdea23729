/**
 * `repo prune` and `repo phase`: change what the indexes of a repository list without adding a
 * package. Only indexes, Release files (signed again) and pool files no index names any more are
 * written, staged and renamed into place like a publish, under the same lock.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DebforgeError, printable } from '../errors.js';
import { readEntries, type Entry } from './indexes.js';
import { readIfExists } from './io.js';
import { lockRepository } from './lock.js';
import { checkRunOptions, signKeys } from './options.js';
import { phaseOf, withPhase } from './phasing.js';
import { parseRelease } from './release.js';
import { applyRetention } from './retention.js';
import { openSigners, type Signer } from './sign.js';
import { DEFAULT_COMPONENT, DEFAULT_LOCK_WAIT_SECONDS, type PhaseOptions, type PruneOptions, type RepoDropped, type RepoPackage, type RepoResult, type RepoRunOptions } from './types.js';
import { applyUpdate, assertSigningKept, type SuiteUpdate } from './update.js';
import { PACKAGE_NAME } from '../debian/names.js';
import { compareDebianVersions, DEBIAN_VERSION } from '../debian/version.js';


interface Change {
  /** The suites whose entries change, with their new entries. */
  suites: SuiteUpdate[];
  packages: RepoPackage[];
  dropped: RepoDropped[];
}

/** Every suite of the repository (or the one named), with what its component lists. */
async function readSuites(outDir: string, component: string, only: string | undefined): Promise<Array<SuiteUpdate & { existing: Map<string, Entry> }>> {
  const dists = path.join(outDir, 'dists');
  let names: string[];
  try {
    names = (await fs.readdir(dists, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch {
    throw new DebforgeError({ file: outDir, message: 'is not a repository (it has no dists folder): give --out the folder `debforge repo` publishes into', severity: 'error' });
  }
  if (only !== undefined) {
    if (!names.includes(only)) throw new DebforgeError({ file: `--suite ${only}`, message: `${outDir} has no suite ${only} (it has ${names.join(', ') || 'none'})`, severity: 'error' });
    names = [only];
  }
  const suites = [];
  for (const suite of names) {
    const dir = path.join(dists, suite);
    const releaseText = await readIfExists(path.join(dir, 'Release'));
    const existing = await readEntries(path.join(dir, component));
    const release = releaseText === undefined ? undefined : parseRelease(path.join(dir, 'Release'), releaseText.toString('utf8'));
    suites.push({ suite, dir, ...(release !== undefined ? { release } : {}), existing, entries: [...existing.values()] });
  }
  return suites;
}

async function maintain(options: RepoRunOptions, command: string, plan: (suites: Array<SuiteUpdate & { existing: Map<string, Entry> }>) => Change): Promise<RepoResult> {
  const outDir = path.resolve(options.outDir);
  const component = options.component ?? DEFAULT_COMPONENT;
  const log = options.log ?? ((): void => undefined);
  const lock = await lockRepository(outDir, options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS, log);
  let signer: Signer | undefined;
  try {
    const change = plan(await readSuites(outDir, component, options.suite));
    if (change.suites.length === 0) {
      log(`nothing to change in ${outDir}`);
      return { packages: change.packages, suites: [], dropped: [], removed: [] };
    }
    const keys = signKeys(options.signKey);
    if (keys.length > 0) signer = await openSigners(keys, options.env ?? process.env);
    await assertSigningKept(change.suites, signer, command);
    const dropped = new Set(change.dropped.map((entry) => entry.filename));
    const applied = await applyUpdate({ outDir, component, suites: change.suites, additions: new Map(), dropped, signer, now: options.now, lock, log });
    return { packages: change.packages, suites: applied.suites, dropped: change.dropped, removed: applied.removed };
  } finally {
    await signer?.close();
    await lock.release();
  }
}

/** Drops, from every suite (or the one named), the versions of each package beyond the newest `keep`, and their pool files. */
export async function pruneRepository(options: PruneOptions): Promise<RepoResult> {
  checkRunOptions(options);
  return maintain(options, 'repo prune', (suites) => {
    const change: Change = { suites: [], packages: [], dropped: [] };
    for (const suite of suites) {
      const { kept, dropped } = applyRetention(suite.existing.values(), options.keep);
      if (dropped.length === 0) continue;
      change.suites.push({ ...suite, entries: kept });
      for (const entry of dropped) change.dropped.push({ package: entry.package, version: entry.version, architecture: entry.architecture, suite: suite.suite, filename: entry.filename });
    }
    return change;
  });
}

/** Sets the phasing of one published version (every architecture of it) in every suite that lists it, or the one named. */
export async function phaseRepository(options: PhaseOptions): Promise<RepoResult> {
  checkRunOptions(options);
  const usage = (what: string, message: string): DebforgeError => new DebforgeError({ file: what, message, severity: 'error' });
  if (!PACKAGE_NAME.test(options.package)) throw usage(`repo phase ${printable(options.package)}`, 'is not a Debian package name');
  if (options.version !== 'latest' && !DEBIAN_VERSION.test(options.version)) throw usage(`repo phase ${options.package} ${printable(options.version)}`, 'is not a Debian version: give a published version or latest');
  if (!Number.isInteger(options.percent) || options.percent < 0 || options.percent > 100) throw usage(`repo phase ${options.package} ${options.version} ${options.percent}`, 'the percentage must be a whole number from 0 to 100');
  return maintain(options, 'repo phase', (suites) => {
    const change: Change = { suites: [], packages: [], dropped: [] };
    let listed = false;
    for (const suite of suites) {
      const versions = [...suite.existing.values()].filter((entry) => entry.package === options.package);
      if (versions.length === 0) continue;
      const wanted = options.version === 'latest' ? versions.map((entry) => entry.version).sort(compareDebianVersions).at(-1)! : options.version;
      const targets = versions.filter((entry) => entry.version === wanted);
      if (targets.length === 0) continue;
      listed = true;
      for (const entry of targets) change.packages.push({ package: entry.package, version: entry.version, architecture: entry.architecture, suite: suite.suite, filename: entry.filename, sha256: entry.sha256, added: false });
      if (targets.every((entry) => phaseOf(entry.stanza) === options.percent)) continue;
      const entries = suite.entries.map((entry) => (targets.includes(entry) ? { ...entry, stanza: withPhase(entry.stanza, options.percent) } : entry));
      change.suites.push({ ...suite, entries });
    }
    if (!listed) {
      const where = options.suite ?? suites.map((suite) => suite.suite).join(', ');
      throw usage(`repo phase ${options.package} ${options.version}`, `${options.package} ${options.version === 'latest' ? '' : `${options.version} `}is not published in ${where || 'this repository'}`);
    }
    return change;
  });
}
