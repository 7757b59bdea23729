import path from 'node:path';
import { promises as fs } from 'node:fs';
import { DebforgeError, UsageError, terminalSafe, type Problem } from '../errors.js';
import { exists } from '../fs-exists.js';
import { architectureFolders } from '../load/index.js';
import { isMachineArchitecture } from '../debian/architectures.js';

/**
 * The packages a daemon folder gives in a run, by architecture: one per `files-<arch>/` folder
 * (only those `architectures` names, when given), or one `undefined` for a folder without any
 * (built `all` or for its declared <architecture>). A folder whose architectures the subset
 * leaves out entirely is an error: nothing would be built from it.
 */
export async function plannedArchitectures(dir: string, architectures?: readonly string[]): Promise<{ architectures: (string | undefined)[]; problems: Problem[] }> {
  for (const architecture of architectures ?? []) {
    if (!isMachineArchitecture(architecture)) {
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
