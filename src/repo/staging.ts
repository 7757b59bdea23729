/**
 * Everything a publish changes is first written (and signed) in a staging folder inside the
 * repository, then put in place by renames (atomic within one file system) in the order of its
 * phase: a reader of the repository sees, file by file, the old contents or the new, and the new
 * Release files only once everything they name is in place. A publish that fails before the
 * commit, a wrong signing passphrase for example, discards the staging folder and leaves the
 * repository byte for byte as it was. The staging folder of a run that was killed is removed by
 * the next run, under the repository lock. Everything staged is on disk before the first rename:
 * the pool files (most of the bytes) start on their way to disk once they are staged, while the
 * indexes and Release may still be in the making (startSyncing), and the commit waits for them
 * and makes the rest durable too.
 */
import { chmodSync, closeSync, copyFileSync, fchmodSync, mkdirSync, openSync, promises as fs, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { forEachLimit } from '../concurrency.js';

/** The order in which staged changes are put in place. */
export const Phase = {
  /** New pool files: nothing names them yet, so they are harmless. */
  Pool: 0,
  /** by-hash copies of the new indexes: the new Release names them, the old one does not. */
  ByHash: 1,
  /** Packages, Packages.gz, Packages.xz (clients of the old Release find its indexes under by-hash). */
  Index: 2,
  /** The signing key's public half, before anything it signs. */
  Keyring: 3,
  /** Release, Release.gpg, InRelease: once all they name is there. */
  Release: 4,
  /** Pool files no index names any more (and the read cache): after the Release that stopped naming them. */
  Cleanup: 5,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** Above this many staged files, one syncfs replaces a fsync each. */
const MANY_FILES = 32;
/** Fsyncs in flight at once otherwise. */
const SYNCS_AT_ONCE = 16;

/** Its name in the repository root: a dot folder, which apt never asks for. */
const STAGING_NAME = '.debforge-staging';

type Change = { phase: Phase; target: string } & ({ kind: 'rename'; staged: string } | { kind: 'remove' });

/** `mkdir -p` of a folder inside the repository, each level tried once (a new repository makes one per source package). */
function makeFolderSync(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return;
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw error;
    makeFolderSync(path.dirname(dir));
    mkdirSync(dir);
  }
}

/** Whether `sync -f` (syncfs(2)) of the file system holding `dir` succeeded; false where it is missing or fails. */
function syncFileSystem(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sync', ['-f', dir], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}

/**
 * `files` (written and closed before the call) on disk: for many (a new repository of a thousand
 * packages) one syncfs(2) of the file system (`sync -f`) instead of a thousand fsyncs; otherwise
 * (or where `sync -f` is missing or fails) a fsync each, several at a time, so that the file
 * system commits them together rather than one journal transaction after another.
 */
async function durable(dir: string, files: readonly string[]): Promise<void> {
  if (files.length === 0) return;
  if (files.length > MANY_FILES && (await syncFileSystem(dir))) return;
  await forEachLimit(files, SYNCS_AT_ONCE, async (file) => {
    const handle = await fs.open(file, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

export class Staging {
  private readonly changes: Change[] = [];
  /** Staged files whose contents are complete (write, copy): not those reserved for a writer of our own. */
  private readonly written: string[] = [];
  /** What startSyncing set on its way to disk. */
  private early: { files: ReadonlySet<string>; done: Promise<void> } | undefined;
  private count = 0;

  private constructor(readonly dir: string) {}

  /** A fresh staging folder in the repository root (a killed run's leftover is removed first). */
  static async open(root: string): Promise<Staging> {
    const dir = path.join(root, STAGING_NAME);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir);
    return new Staging(dir);
  }

  /** A staging path for `target`, for a writer of our own (gpg); the file must exist at commit. */
  reserve(target: string, phase: Phase): string {
    const staged = path.join(this.dir, `${String(this.count++).padStart(6, '0')}-${path.basename(target)}`);
    this.changes.push({ phase, target, kind: 'rename', staged });
    return staged;
  }

  /** Whether a change to `target` is staged already. */
  has(target: string): boolean {
    return this.changes.some((change) => change.target === target);
  }

  // Synchronous file calls below: a publish does nothing else meanwhile, and thousands of small
  // files (one per package in the pool) would otherwise wait in the thread pool's queue each time.

  /** Stages `data` as the new contents of `target`, mode 0644 whatever the umask (apt reads as _apt); returns the staged file's path. */
  async write(target: string, data: Buffer | string, phase: Phase): Promise<string> {
    const staged = this.reserve(target, phase);
    const fd = openSync(staged, 'wx', 0o644);
    try {
      fchmodSync(fd, 0o644);
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } finally {
      closeSync(fd);
    }
    this.written.push(staged);
    return staged;
  }

  /** Stages a copy of `from` (a pool file). */
  async copy(from: string, target: string, phase: Phase): Promise<void> {
    const staged = this.reserve(target, phase);
    copyFileSync(from, staged);
    chmodSync(staged, 0o644);
    this.written.push(staged);
  }

  /**
   * Starts making the files staged so far durable, without waiting (see durable()): the commit
   * waits for it, and makes what is staged afterwards durable too, before anything is renamed.
   * Called once the pool files are staged, so that the disk writes them while the indexes are
   * compressed and the Release signed.
   */
  startSyncing(): void {
    if (this.early !== undefined) throw new Error('startSyncing called twice');
    const files = [...this.written];
    const done = durable(this.dir, files);
    // A failure is reported by the commit that waits for it; a run discarded before that has no use for it.
    done.catch(() => undefined);
    this.early = { files: new Set(files), done };
  }

  /**
   * Every staged file on disk before anything is renamed: those startSyncing covered once it is
   * done, and the others (staged after it, or all without it) by durable() here.
   */
  private async syncStaged(): Promise<void> {
    const staged = this.changes.flatMap((change) => (change.kind === 'rename' ? [change.staged] : []));
    const covered = this.early?.files ?? new Set<string>();
    await this.early?.done;
    await durable(this.dir, staged.filter((file) => !covered.has(file)));
  }

  remove(target: string, phase: Phase): void {
    this.changes.push({ phase, target, kind: 'remove' });
  }

  /** Puts every staged change in place, phase by phase, each phase in the order it was staged. */
  async commit(): Promise<void> {
    await this.syncStaged();
    const ordered = this.changes.map((change, index) => ({ change, index })).sort((a, b) => a.change.phase - b.change.phase || a.index - b.index);
    const folders = new Set<string>();
    for (const { change } of ordered) {
      if (change.kind === 'remove') {
        rmSync(change.target, { force: true });
        continue;
      }
      const folder = path.dirname(change.target);
      if (!folders.has(folder)) {
        makeFolderSync(folder);
        folders.add(folder);
      }
      renameSync(change.staged, change.target);
    }
    await this.discard();
  }

  async discard(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
