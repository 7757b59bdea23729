/**
 * Puts a planned change of the repository in place: new pool files, the indexes and Release of
 * every suite that changes (signed), the keyring, then pool files no index names any more. All of
 * it is staged first and renamed into place in that order (staging.ts), under the lock.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DebforgeError } from '../errors.js';
import { exists } from '../fs-exists.js';
import { compareEntries, readEntries, stageIndexes, type Entry, type IndexMemory } from './indexes.js';
import { readIfExists } from './io.js';
import type { RepositoryLock } from './lock.js';
import { stageRelease, type ReleaseInfo, type StagedSuite } from './release.js';
import type { Signer } from './sign.js';
import { repositoryFiles } from './pool.js';
import { Phase, Staging } from './staging.js';
import { KEYRING_NAME, type RepoSuite } from './types.js';
import type { DebInfo } from './deb.js';

/** Pool files staged between two turns of the event loop. */
const POOL_FILES_BETWEEN_YIELDS = 64;

export interface SuiteUpdate {
  suite: string;
  /** `dists/<suite>` */
  dir: string;
  release?: ReleaseInfo;
  /** Every entry the component's indexes list afterwards. */
  entries: Entry[];
}

interface RepositoryUpdate {
  outDir: string;
  component: string;
  suites: SuiteUpdate[];
  /** Pool files to add: their path in the repository, and the package (its bytes, else its file, are copied). */
  additions: ReadonlyMap<string, Pick<DebInfo, 'file' | 'bytes'>>;
  /** Pool paths of entries no longer listed: removed once no index of any suite names them. */
  dropped: ReadonlySet<string>;
  /** Files of our own written last (the read cache): path in the repository and contents, asked for once the indexes are staged. */
  extras?: () => ReadonlyMap<string, string>;
  /** What the repository remembers of its Packages.xz files; without it every Packages.xz is encoded afresh. */
  indexMemory?: IndexMemory;
  signer: Signer | undefined;
  /** Architectures to list besides those listed and those of the entries. */
  architectures?: readonly string[];
  origin?: string;
  label?: string;
  now?: Date;
  lock: RepositoryLock;
  log: (line: string) => void;
}

interface UpdateResult {
  suites: RepoSuite[];
  added: string[];
  removed: string[];
}

/** Refuses to re-sign a signed suite without a key: robots would be left with an unsigned repository. */
export async function assertSigningKept(suites: readonly SuiteUpdate[], signer: Signer | undefined, command: string): Promise<void> {
  if (signer !== undefined) return;
  for (const suite of suites) {
    if (await exists(path.join(suite.dir, 'InRelease'))) {
      throw new DebforgeError({ file: path.join(suite.dir, 'InRelease'), message: `${suite.suite} is signed: give --sign-key so that ${command} signs it again (nothing was changed)`, severity: 'error' });
    }
  }
}

export async function applyUpdate(update: RepositoryUpdate): Promise<UpdateResult> {
  const { outDir, signer, log } = update;
  const staging = await Staging.open(outDir);
  try {
    // The indexes are made (their .xz blocks encoded on other threads) while this thread stages
    // the pool files; the commit puts them in place phase by phase whatever order they were staged in.
    const [suites, pool] = await Promise.allSettled([stageSuites(update, staging), stagePool(update, staging)]);
    if (suites.status === 'rejected') throw suites.reason;
    if (pool.status === 'rejected') throw pool.reason;
    const staged = suites.value;
    const added = pool.value;
    if (signer !== undefined) {
      const key = await signer.exportPublicKey();
      const binaryPath = path.join(outDir, `${KEYRING_NAME}.gpg`);
      if (!(await readIfExists(binaryPath))?.equals(key.binary)) {
        await staging.write(binaryPath, key.binary, Phase.Keyring);
        await staging.write(path.join(outDir, `${KEYRING_NAME}.asc`), key.armored, Phase.Keyring);
      }
    }
    const removed = await unreferenced(update);
    for (const filename of removed) staging.remove(path.join(outDir, filename), Phase.Cleanup);
    for (const [name, text] of update.extras?.() ?? []) await staging.write(path.join(outDir, name), text, Phase.Cleanup);
    update.lock.assertHeld();
    await staging.commit();
    for (const filename of added) log(`added ${filename}`);
    for (const filename of removed) log(`removed ${filename}`);
    for (const suite of staged) {
      await suite.pruneByHash();
      log(suite.summary);
    }
    return { suites: staged.map((suite) => suite.result), added, removed };
  } catch (error) {
    await staging.discard();
    throw error;
  }
}

/** Stages the new pool files, then starts them on their way to disk; returns their paths in the repository. */
async function stagePool(update: RepositoryUpdate, staging: Staging): Promise<string[]> {
  const added: string[] = [];
  const inRepository = repositoryFiles(update.outDir);
  for (const [filename, deb] of update.additions) {
    if (inRepository(filename)) continue;
    const target = path.join(update.outDir, filename);
    if (deb.bytes !== undefined) await staging.write(target, deb.bytes, Phase.Pool);
    else await staging.copy(deb.file, target, Phase.Pool);
    added.push(filename);
    // This loop alone never waits for I/O: now and then, let the indexes' reads and encoding go on.
    if (added.length % POOL_FILES_BETWEEN_YIELDS === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // The pool files go to disk while the indexes are compressed and the Release signed.
  staging.startSyncing();
  return added;
}

async function stageSuites(update: RepositoryUpdate, staging: Staging): Promise<StagedSuite[]> {
  const staged: StagedSuite[] = [];
  for (const suite of [...update.suites].sort((a, b) => (a.suite < b.suite ? -1 : 1))) staged.push(await stageSuite(suite, update, staging));
  return staged;
}

/** The dropped pool files that no index names once the update is in place (another suite or component may keep one). */
async function unreferenced(update: RepositoryUpdate): Promise<string[]> {
  if (update.dropped.size === 0) return [];
  const named = new Set<string>();
  for (const suite of update.suites) for (const entry of suite.entries) named.add(entry.filename);
  const updated = new Set(update.suites.map((suite) => path.join(suite.dir, update.component)));
  const dists = path.join(update.outDir, 'dists');
  for (const suite of await fs.readdir(dists).catch(() => [])) {
    const components = await fs.readdir(path.join(dists, suite), { withFileTypes: true }).catch(() => []);
    for (const component of components.filter((entry) => entry.isDirectory())) {
      const dir = path.join(dists, suite, component.name);
      if (updated.has(dir)) continue;
      for (const entry of (await readEntries(dir)).values()) named.add(entry.filename);
    }
  }
  return [...update.dropped].filter((filename) => !named.has(filename)).sort();
}

/** Stages a suite's changed indexes and its new Release files (signed); nothing in the repository is touched. */
async function stageSuite(suite: SuiteUpdate, update: RepositoryUpdate, staging: Staging): Promise<StagedSuite> {
  const sorted = [...suite.entries].sort(compareEntries);
  const architectures = new Set<string>([...(suite.release?.architectures ?? []), ...(update.architectures ?? [])]);
  for (const entry of sorted) architectures.add(entry.architecture);
  // `all` first, as Debian's Release files have it; then the real architectures.
  const archList = [...architectures].sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a < b ? -1 : a > b ? 1 : 0));

  const indexes = await stageIndexes(suite.dir, update.component, sorted, archList, staging, update.indexMemory);
  return stageRelease(
    {
      suite: suite.suite,
      dir: suite.dir,
      ...(suite.release !== undefined ? { previous: suite.release } : {}),
      archList,
      packages: sorted.length,
      fresh: indexes.fresh,
      indexesChanged: indexes.changed,
      signer: update.signer,
      ...(update.origin !== undefined ? { origin: update.origin } : {}),
      ...(update.label !== undefined ? { label: update.label } : {}),
      ...(update.now !== undefined ? { now: update.now } : {}),
    },
    staging,
  );
}
