/**
 * Where the project config is, apart from reading it (index.ts): `repo` asks whether there is one
 * at every run, and loads the config reader, with the build's profiles it checks names against,
 * only when there is.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The project config's file name, at the repository root. */
const CONFIG_FILE = 'debforge.yaml';

/**
 * The project config that applies to `start` (a daemon folder, or the current folder): the first
 * debforge.yaml found walking up from it. The walk stops at the repository root (a folder holding
 * `.git`, a folder or a worktree's file) or at the file-system root, so a config outside the
 * repository never applies to it.
 */
export async function findProjectConfig(start: string): Promise<string | undefined> {
  let folder = path.resolve(start);
  for (;;) {
    const candidate = path.join(folder, CONFIG_FILE);
    if (await present(candidate)) return candidate;
    const parent = path.dirname(folder);
    if (parent === folder || (await present(path.join(folder, '.git')))) return undefined;
    folder = parent;
  }
}

async function present(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}
