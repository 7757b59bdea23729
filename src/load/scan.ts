import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { DebforgeError, printable, type ProblemList } from '../errors.js';
import { BLOOM_SUFFIX, bloomScript, checkBloomTemplate } from './bloom.js';
import { DEBIAN_ARCHITECTURES } from '../debian/architectures.js';
import { MAX_NAME_COMPONENT_BYTES, overlongComponent } from '../debian/names.js';
import { readElf } from './elf.js';
import { MAX_FRAGMENT_BYTES, readInputFile } from './read-input.js';
import { MAINTAINER_SCRIPTS, type Fragment, type MaintainerScript, type PayloadFile, type UnitScope, type UnitSource } from './types.js';

export const UNIT_SUFFIXES = ['.service', '.socket', '.timer', '.target', '.path', '.mount'] as const;
const TEMPLATE_SUFFIX = '.in';

/**
 * A unit name systemd accepts: a prefix of [A-Za-z0-9:_.\-] (with `\` escapes), an optional
 * `@instance` part, and a known suffix. Quotes, spaces and `$` are rejected so that a unit name
 * can never smuggle anything into a maintainer script.
 */
export const UNIT_NAME = /^[A-Za-z0-9:_.\\][A-Za-z0-9:_.\\-]*(@[A-Za-z0-9:_.\\-]*)?\.(service|socket|timer|target|path|mount)$/;
/** systemd's UNIT_NAME_MAX: longer names are refused. */
export const UNIT_NAME_MAX = 255;

export interface ScanResult {
  units: UnitSource[];
  payload: PayloadFile[];
  architectures: string[];
  fragments: Fragment[];
  lintianOverrides?: string;
}

export interface ScanOptions {
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
export const CONVENTION_FOLDERS = ['etc', 'etc/user', 'files', 'debian', 'templates'] as const;

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
    if (architecture === 'all' || !DEBIAN_ARCHITECTURES.has(architecture)) {
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
function checkPayloadTargets(payload: readonly PayloadFile[], problems: ProblemList): void {
  const common = new Map<string, PayloadFile>();
  for (const entry of payload) if (entry.architecture === undefined) common.set(entry.target, entry);
  for (const entry of payload) {
    if (entry.architecture === undefined) continue;
    const previous = common.get(entry.target);
    if (previous === undefined || (previous.kind === 'directory' && entry.kind === 'directory')) continue;
    problems.error(entry.file, `installs to ${entry.target}, as ${previous.file} does for every architecture: keep one (files-<arch>/ adds to files/, it does not replace)`);
  }
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

async function listDirectory(dir: string, relative: string, problems: ProblemList): Promise<string[] | undefined> {
  try {
    const names = await fs.readdir(path.join(dir, relative), { encoding: 'buffer' });
    const valid: string[] = [];
    for (const raw of names) {
      const name = decodeUtf8(raw);
      if (name === undefined) {
        problems.error(path.posix.join(relative, escapeBytes(raw)), 'file name is not valid UTF-8: rename it (Debian packages carry UTF-8 paths)');
        continue;
      }
      if (CONTROL_CHARACTER.test(name)) {
        problems.error(path.posix.join(relative, printable(name)), 'file name holds a line break or other control character: rename it (dpkg keeps one path per line)');
        continue;
      }
      valid.push(name);
    }
    return valid.sort(compareBytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    problems.error(relative, `cannot read folder: ${code ?? (error as Error).message}: fix its permissions`);
    return undefined;
  }
}

/** C0 control characters and DEL: never in a packaged path (dpkg's file lists are line based). */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The bytes as a string if they are valid UTF-8 (Debian packages carry UTF-8 paths). */
function decodeUtf8(raw: Buffer): string | undefined {
  const text = raw.toString('utf8');
  return Buffer.from(text, 'utf8').equals(raw) ? text : undefined;
}

/** A file name for a message: valid UTF-8 as is, every byte of an invalid sequence as \xNN. */
export function escapeBytes(raw: Buffer): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let out = '';
  let index = 0;
  while (index < raw.length) {
    const byte = raw[index]!;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length > 0 && index + length <= raw.length) {
      try {
        out += decoder.decode(raw.subarray(index, index + length));
        index += length;
        continue;
      } catch {
        // not a valid sequence: escape its first byte and go on
      }
    }
    out += `\\x${byte.toString(16).padStart(2, '0')}`;
    index += 1;
  }
  return out;
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function scanUnits(dir: string, relative: string, scope: UnitScope, problems: ProblemList, installRules: boolean): Promise<UnitSource[]> {
  const names = await listDirectory(dir, relative, problems);
  if (!names) return [];
  const units: UnitSource[] = [];
  for (const entry of names) {
    const file = path.posix.join(relative, entry);
    const absolutePath = path.join(dir, file);
    const stat = await fs.lstat(absolutePath);
    if (stat.isDirectory()) {
      if (!(scope === 'system' && entry === 'user') && !installRules) {
        problems.error(file, 'unexpected folder: unit templates go directly in etc/ (system) or etc/user/ (user)');
      }
      continue;
    }
    const template = entry.endsWith(TEMPLATE_SUFFIX);
    const name = template ? entry.slice(0, -TEMPLATE_SUFFIX.length) : entry;
    if (!UNIT_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
      if (installRules) continue;
      problems.error(file, `not a unit file: expected a name ending in ${UNIT_SUFFIXES.join(', ')} (optionally + .in); payload goes under files/`);
      continue;
    }
    const tooLong = Buffer.byteLength(name, 'utf8') > Math.min(UNIT_NAME_MAX, MAX_NAME_COMPONENT_BYTES);
    if (!UNIT_NAME.test(name) || tooLong) {
      const why = tooLong ? `is longer than ${MAX_NAME_COMPONENT_BYTES} bytes, the longest name dpkg can unpack (it adds .dpkg-new)` : 'is not a unit name systemd accepts';
      problems.error(file, `"${printable(name)}" ${why}: use only letters, digits and : _ . - (not first), and one @ for templates`);
      continue;
    }
    if (!stat.isFile()) {
      problems.error(file, 'unit file must be a regular file');
      continue;
    }
    if (!(await readable(absolutePath, file, problems))) continue;
    if (units.some((u) => u.name === name)) {
      problems.error(file, `unit ${name} is given twice (with and without .in): keep one`);
      continue;
    }
    units.push({ name, file, absolutePath, scope, template });
  }
  return units;
}

async function readable(absolutePath: string, file: string, problems: ProblemList): Promise<boolean> {
  try {
    const handle = await fs.open(absolutePath, constants.O_RDONLY);
    await handle.close();
    return true;
  } catch (error) {
    problems.error(file, `cannot read file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: fix its permissions`);
    return false;
  }
}

/** The payload under `folder` (files/ or a files-<arch>/), installed at the same path under /. */
async function scanPayload(dir: string, folder: string, architecture: string | undefined, problems: ProblemList): Promise<PayloadFile[]> {
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

function isInside(folder: string, target: string): boolean {
  const relative = path.relative(folder, target);
  return !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative));
}

export const LINTIAN_OVERRIDES = 'lintian-overrides';

/** Lintian asks that every override says why: each one must follow a comment line. */
function checkOverrides(content: string, file: string, problems: ProblemList): void {
  const lines = content.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    if (!/^[a-z0-9][a-z0-9-]*( |$)|^\S+: [a-z0-9]/.test(line)) {
      problems.error(file, `"${line}" is not a lintian override (a tag name, optionally with its context)`, index + 1);
    } else if (!(lines[index - 1] ?? '').startsWith('#')) {
      problems.error(file, 'an override needs a comment on the line above saying why it is right', index + 1);
    }
  });
}

async function scanFragments(dir: string, problems: ProblemList): Promise<{ fragments: Fragment[]; overrides?: string }> {
  const names = await listDirectory(dir, 'debian', problems);
  if (!names) return { fragments: [] };
  const fragments: Fragment[] = [];
  let overrides: string | undefined;
  for (const entry of names) {
    const file = path.posix.join('debian', entry);
    const isOverrides = entry === LINTIAN_OVERRIDES;
    const template = bloomScript(entry);
    if (!isOverrides && !template && !(MAINTAINER_SCRIPTS as readonly string[]).includes(entry)) {
      problems.error(file, `unexpected file in debian/: only ${MAINTAINER_SCRIPTS.join(', ')} fragments (or bloom's ${MAINTAINER_SCRIPTS[1]}${BLOOM_SUFFIX}-style templates) and ${LINTIAN_OVERRIDES} belong here`);
      continue;
    }
    const absolutePath = path.join(dir, file);
    const stat = await fs.lstat(absolutePath);
    if (!stat.isFile()) {
      problems.error(file, 'maintainer-script fragment must be a regular file');
      continue;
    }
    let content: string;
    try {
      // Read as a regular file of the folder only, even if something was swapped in since the lstat.
      content = (await readInputFile(absolutePath, file, { what: 'maintainer-script fragment', maxBytes: MAX_FRAGMENT_BYTES, confineTo: dir })).toString('utf8');
    } catch (error) {
      if (!(error instanceof DebforgeError)) throw error;
      problems.items.push(...error.problems);
      continue;
    }
    if (isOverrides) {
      checkOverrides(content, file, problems);
      overrides = content;
      continue;
    }
    if (template) {
      if (checkBloomTemplate(content, file, problems)) fragments.push({ script: template, file, content, bloom: true });
      continue;
    }
    fragments.push({ script: entry as MaintainerScript, file, content });
  }
  return overrides === undefined ? { fragments } : { fragments, overrides };
}


