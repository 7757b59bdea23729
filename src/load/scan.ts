import { promises as fs } from 'node:fs';
import path from 'node:path';
import { printable, type ProblemList } from '../errors.js';
import { scanFragments } from './fragments.js';
import { ARCHITECTURE_PAYLOAD_PREFIX, architectureFolders, checkPayloadTargets, scanPayload } from './payload.js';
import type { DaemonSource } from './types.js';
import { scanUnits } from './units.js';

/** What the scan of a daemon folder gives the loaded daemon. */
type ScanResult = Pick<DaemonSource, 'units' | 'payload' | 'architectures' | 'fragments' | 'lintianOverrides'>;

interface ScanOptions {
  /**
   * The folder has a catkin CMakeLists.txt: other files in etc/ may be payload its install rules
   * name (resolve reports the ones nothing installs).
   */
  installRules?: boolean;
}

/**
 * The folders of the convention (and bloom's templates/), each read only if it is a real folder of
 * the daemon folder.
 */
const CONVENTION_FOLDERS = ['etc', 'etc/user', 'files', 'debian', 'templates'] as const;

/** Scans a daemon folder by the convention of the design: etc/, etc/user/, files/, debian/. */
export async function scanDaemonFolder(dir: string, problems: ProblemList, options: ScanOptions = {}): Promise<ScanResult> {
  const installRules = options.installRules ?? false;
  const linked = await linkedConventionFolders(dir, problems);
  const scanned = (folder: (typeof CONVENTION_FOLDERS)[number]): boolean => !linked.has(folder) && !(folder === 'etc/user' && linked.has('etc'));
  const units = [
    ...(scanned('etc') ? await scanUnits(dir, 'etc', 'system', problems, installRules) : []),
    ...(scanned('etc/user') ? await scanUnits(dir, 'etc/user', 'user', problems, installRules) : []),
  ];
  const payload = scanned('files') ? await scanPayload(dir, 'files', undefined, problems) : [];
  const architectures = await architectureFolders(dir, problems);
  for (const architecture of architectures) payload.push(...(await scanPayload(dir, `${ARCHITECTURE_PAYLOAD_PREFIX}${architecture}`, architecture, problems)));
  checkPayloadTargets(payload, problems);
  const { fragments, overrides } = scanned('debian') ? await scanFragments(dir, problems) : { fragments: [], overrides: undefined };
  return { units, payload, architectures, fragments, ...(overrides === undefined ? {} : { lintianOverrides: overrides }) };
}

/**
 * The convention folders that are symlinks: each is an error. Every check on what lies inside
 * files/, etc/ and debian/ is relative to that folder, so a folder that is itself a link would
 * package (or run as a maintainer script) whatever it points at, anywhere on the build machine.
 */
async function linkedConventionFolders(dir: string, problems: ProblemList): Promise<Set<string>> {
  const linked = new Set<string>();
  for (const folder of CONVENTION_FOLDERS) {
    const stat = await fs.lstat(path.join(dir, folder)).catch(() => undefined);
    if (!stat?.isSymbolicLink()) continue;
    const target = await fs.readlink(path.join(dir, folder)).catch(() => '?');
    problems.error(folder, `is a symlink (to "${printable(target)}"): ${folder}/ must be a real folder inside the daemon folder; move or copy its content in`);
    linked.add(folder);
  }
  return linked;
}
