import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { isMachineArchitecture } from '../debian/architectures.js';
import { MAX_NAME_COMPONENT_BYTES, overlongComponent } from '../debian/names.js';
import { printable, type ProblemList } from '../errors.js';
import { isInside } from '../path-inside.js';
import { readElf } from './elf.js';
import { compareBytes, CONTROL_CHARACTER, decodeUtf8, escapeBytes, listDirectory, readable, TEMPLATE_SUFFIX } from './folder.js';
import type { PayloadFile } from './types.js';

/** `files-<arch>/` holds the payload of one architecture's package, installed beside files/. */
export const ARCHITECTURE_PAYLOAD_PREFIX = 'files-';

/**
 * The architectures of a daemon folder's `files-<arch>/` folders, sorted. With a problem list, a
 * `files-*` folder that is not named after a Debian architecture, or is a symlink, is an error
 * (and left out).
 */
export async function architectureFolders(dir: string, problems?: ProblemList): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names.filter((n) => n.startsWith(ARCHITECTURE_PAYLOAD_PREFIX)).sort(compareBytes)) {
    const stat = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (stat === undefined) continue;
    const architecture = name.slice(ARCHITECTURE_PAYLOAD_PREFIX.length);
    if (stat.isSymbolicLink()) {
      problems?.error(name, `is a symlink: ${name}/ must be a real folder inside the daemon folder; move or copy its content in`);
      continue;
    }
    if (!stat.isDirectory()) continue;
    if (!isMachineArchitecture(architecture)) {
      problems?.error(name, `"${printable(architecture)}" is not a Debian architecture: a files-<arch>/ folder is named after one (files-amd64, files-arm64, files-armhf, ...); what every architecture installs goes in files/`);
      continue;
    }
    found.push(architecture);
  }
  return found;
}

/**
 * One source per installed path within each package: files/ and one files-<arch>/ are installed
 * together, so a path both give is an error (a folder both have is one folder).
 */
export function checkPayloadTargets(payload: readonly PayloadFile[], problems: ProblemList): void {
  const common = new Map<string, PayloadFile>();
  for (const entry of payload) if (entry.architecture === undefined) common.set(entry.target, entry);
  for (const entry of payload) {
    if (entry.architecture === undefined) continue;
    const previous = common.get(entry.target);
    if (previous === undefined || (previous.kind === 'directory' && entry.kind === 'directory')) continue;
    problems.error(entry.file, `installs to ${entry.target}, as ${previous.file} does for every architecture: keep one (files-<arch>/ adds to files/, it does not replace)`);
  }
}

/** The payload under `folder` (files/ or a files-<arch>/), installed at the same path under /. */
export async function scanPayload(dir: string, folder: string, architecture: string | undefined, problems: ProblemList): Promise<PayloadFile[]> {
  const payload: PayloadFile[] = [];
  const root = path.join(dir, folder);
  const own = architecture === undefined ? {} : { architecture };
  const walk = async (relative: string): Promise<void> => {
    const names = await listDirectory(dir, relative, problems);
    if (!names) return;
    for (const entry of names) {
      const file = path.posix.join(relative, entry);
      const absolutePath = path.join(dir, file);
      const stat = await fs.lstat(absolutePath);
      const installPath = '/' + path.posix.relative(folder, file);
      if (stat.isDirectory()) {
        payload.push({ kind: 'directory', target: installPath, file, absolutePath, executable: true, template: false, size: 0, ...own });
        await walk(file);
      } else if (stat.isSymbolicLink()) {
        const rawTarget = await fs.readlink(absolutePath, { encoding: 'buffer' });
        const linkTarget = decodeUtf8(rawTarget);
        if (linkTarget === undefined) {
          problems.error(file, `symlink target "${escapeBytes(rawTarget)}" is not valid UTF-8: point it at a UTF-8 path`);
          continue;
        }
        if (!checkSymlink(root, absolutePath, linkTarget, file, problems)) continue;
        payload.push({ kind: 'symlink', target: installPath, file, absolutePath, executable: false, template: false, size: 0, linkTarget, ...own });
      } else if (stat.isFile()) {
        if (!(await readable(absolutePath, file, problems))) continue;
        const template = entry.endsWith(TEMPLATE_SUFFIX);
        const target = template ? installPath.slice(0, -TEMPLATE_SUFFIX.length) : installPath;
        const elf = await readElf(absolutePath);
        payload.push({
          kind: 'file',
          target,
          file,
          absolutePath,
          executable: (stat.mode & 0o111) !== 0,
          template,
          size: stat.size,
          ...(elf ? { elf } : {}),
          ...own,
        });
      } else {
        problems.error(file, `is a ${specialKind(stat)}, a special file: only regular files, folders and symlinks can be packaged (create it at run time, e.g. from the unit)`);
      }
    }
  };
  await walk(folder);
  for (const entry of payload) {
    const long = overlongComponent(entry.target);
    // Reported once, at the entry whose own name is too long (not again for everything inside it).
    if (long !== undefined && entry.target.endsWith(`/${long}`)) {
      problems.error(entry.file, `name is ${Buffer.byteLength(long, 'utf8')} bytes: dpkg can unpack names of at most ${MAX_NAME_COMPONENT_BYTES} bytes (it writes <name>.dpkg-new first, and a name may have 255): shorten it`);
    }
  }
  const seen = new Map<string, string>();
  for (const entry of payload) {
    const previous = seen.get(entry.target);
    if (previous) problems.error(entry.file, `installs to ${entry.target}, as ${previous} does: keep one`);
    seen.set(entry.target, entry.file);
  }
  return payload;
}

function specialKind(stat: Stats): string {
  if (stat.isFIFO()) return 'fifo (named pipe)';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice()) return 'character device';
  if (stat.isBlockDevice()) return 'block device';
  return 'special file';
}

/** A payload symlink must stay inside the payload tree: relative targets resolved, absolute ones checked later. */
function checkSymlink(root: string, absolutePath: string, linkTarget: string, file: string, problems: ProblemList): boolean {
  if (CONTROL_CHARACTER.test(linkTarget) || linkTarget === '') {
    problems.error(file, `symlink target "${printable(linkTarget)}" is empty or holds a control character`);
    return false;
  }
  if (path.posix.isAbsolute(linkTarget)) return true; // checked against the package's own paths in resolve
  const resolved = path.resolve(path.dirname(absolutePath), linkTarget);
  if (!isInside(root, resolved)) {
    const where = isInside(path.dirname(root), resolved) ? `${path.basename(root)}/` : 'the daemon folder';
    problems.error(file, `symlink to "${linkTarget}" escapes ${where}: on the robot it would point outside the package; point it at a file the package installs`);
    return false;
  }
  return true;
}
