import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DebforgeError, UsageError, printable } from '../errors.js';
import { PACKAGE_NAME } from '../debian/names.js';
import { DEFAULT_PROFILE, findProfile, type Profile } from '../resolve/profiles.js';
import { DAEMON_KINDS, scaffoldFiles, type DaemonKind } from './templates.js';

export { DAEMON_KINDS } from './templates.js';

interface NewOptions {
  kind?: DaemonKind;
  /** The parent folder (default `daemons`). */
  dir?: string;
  /** The profile the daemon is first meant for (default noetic): a ros daemon follows its ROS version. */
  profile?: Profile;
}

interface NewResult {
  /** The daemon folder written, `<dir>/<name>`. */
  path: string;
  /** Files written, relative to it. */
  files: string[];
}

/** A ROS package name (REP 144): lower case letters, digits and _, starting with a letter. */
const ROS_NAME = /^[a-z][a-z0-9_]*$/;

export function isDaemonKind(value: string): value is DaemonKind {
  return (DAEMON_KINDS as readonly string[]).includes(value);
}

/**
 * Scaffolds `<dir>/<name>/`, the equivalent of the seed's `catkin_create_pkg`. An existing folder
 * (or file) of that name is never touched: that is an error. If writing fails halfway, the
 * folder this call created is removed again.
 */
export async function newDaemon(name: string, options: NewOptions = {}): Promise<NewResult> {
  const kind = options.kind ?? 'ros';
  if (!ROS_NAME.test(name) || name.length < 2 || !PACKAGE_NAME.test(name.replace(/_/g, '-'))) {
    throw new UsageError(`"${printable(name)}" is not a ROS package name: use lower case letters, digits and _, starting with a letter (at least two characters)`);
  }
  const profile = options.profile ?? findProfile(DEFAULT_PROFILE)!;
  if (kind === 'ros' && profile.ros === undefined) {
    throw new UsageError(`--kind ros needs a ROS profile: ${profile.name} has no ROS (use --kind plain, or a ROS profile such as jazzy)`);
  }
  const parent = options.dir ?? 'daemons';
  const target = path.join(parent, name);
  try {
    await fs.mkdir(parent, { recursive: true });
    // Not recursive: it fails if anything named `target` exists, so nothing is ever overwritten.
    await fs.mkdir(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EEXIST'
        ? 'already exists: debforge new never overwrites; choose another name or --dir'
        : `cannot create the folder: ${code ?? (error as Error).message}`;
    throw new DebforgeError({ file: target, message, severity: 'error' });
  }
  const files = scaffoldFiles(name, kind, profile.ros?.version ?? 1);
  try {
    for (const file of files) {
      const full = path.join(target, ...file.path.split('/'));
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, file.content, { flag: 'wx', mode: file.mode });
      // The umask may have taken the executable bit away, and the bit decides the installed mode.
      await fs.chmod(full, file.mode);
    }
  } catch (error) {
    await fs.rm(target, { recursive: true, force: true });
    throw error;
  }
  return { path: target, files: files.map((f) => f.path) };
}
