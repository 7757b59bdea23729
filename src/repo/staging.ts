/**
 * Everything a publish changes is first written (and signed) in a staging folder inside the
 * repository, then put in place by renames (atomic within one file system) in the order of its
 * phase: a reader of the repository sees, file by file, the old contents or the new, and the new
 * Release files only once everything they name is in place. A publish that fails before the
 * commit, a wrong signing passphrase for example, discards the staging folder and leaves the
 * repository byte for byte as it was. The staging folder of a run that was killed is removed by
 * the next run, under the repository lock.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeDirectory } from '../make-directory.js';

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

/** Its name in the repository root: a dot folder, which apt never asks for. */
export const STAGING_NAME = '.debforge-staging';

type Change = { phase: Phase; target: string } & ({ kind: 'rename'; staged: string } | { kind: 'remove' });

export class Staging {
  private readonly changes: Change[] = [];
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

  /** Stages `data` as the new contents of `target`; returns the staged file's path. */
  async write(target: string, data: Buffer | string, phase: Phase): Promise<string> {
    const staged = this.reserve(target, phase);
    const handle = await fs.open(staged, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return staged;
  }

  async copy(from: string, target: string, phase: Phase): Promise<void> {
    const staged = this.reserve(target, phase);
    await fs.copyFile(from, staged);
    await fs.chmod(staged, 0o644);
    const handle = await fs.open(staged, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  remove(target: string, phase: Phase): void {
    this.changes.push({ phase, target, kind: 'remove' });
  }

  /** Puts every staged change in place, phase by phase, each phase in the order it was staged. */
  async commit(): Promise<void> {
    const ordered = this.changes.map((change, index) => ({ change, index })).sort((a, b) => a.change.phase - b.change.phase || a.index - b.index);
    for (const { change } of ordered) {
      if (change.kind === 'remove') {
        await fs.rm(change.target, { force: true });
        continue;
      }
      await makeDirectory(path.dirname(change.target));
      await fs.rename(change.staged, change.target);
    }
    await this.discard();
  }

  async discard(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
