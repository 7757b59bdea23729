import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DebforgeError, ProblemList } from '../errors.js';
import { parseManifest } from './package-xml.js';
import { scanBloomFolder } from './bloom.js';
import { CMAKE_LISTS, readCatkinRules, type CatkinRules } from './cmake/index.js';
import { renderedByRules } from './cmake/texts.js';
import { MAX_XML_BYTES, readInputFile } from './read-input.js';
import { readFolderRosdep } from './rosdep-file.js';
import { scanDaemonFolder } from './scan.js';
import { readTexts } from './texts.js';
import type { DaemonSource, LoadedRosdep, Manifest, PayloadFile, SourceText, UnitSource } from './types.js';

export * from './types.js';
export { compareBytes } from './folder.js';
export { architectureFolders } from './payload.js';

/**
 * load: reads a daemon folder into a typed DaemonSource. Problems are collected (all of them, for
 * `debforge check`) into `problems`; with no list given, the first error set is thrown.
 * File names in problems are relative to the daemon folder's parent as given (`daemons/x/...`).
 */
export async function loadDaemon(dir: string, problems = new ProblemList()): Promise<DaemonSource | undefined> {
  const manifestPath = path.join(dir, 'package.xml');
  const local = new ProblemList();
  const exists = await fs.lstat(manifestPath).then(() => true, () => false);
  if (!exists) {
    problems.error(displayPath(dir, 'package.xml'), 'no package.xml: a daemon folder needs a catkin package.xml');
    return undefined;
  }
  let xml: Buffer;
  try {
    xml = await readPackageXml(dir);
  } catch (error) {
    if (!(error instanceof DebforgeError)) throw error;
    for (const item of error.problems) problems.items.push({ ...item, file: displayPath(dir, item.file) });
    return undefined;
  }
  const manifest = parseManifest(xml, 'package.xml', local);
  const catkin = await readCatkinRules(dir, local);
  // Even an unreadable CMakeLists.txt (reported above) means etc/ is not only units.
  const installRules = catkin !== undefined || (await fs.lstat(path.join(dir, CMAKE_LISTS)).then(() => true, () => false));
  const scan = await scanDaemonFolder(dir, local, { installRules });
  // A linked templates/ is reported by the scan and never read.
  const templatesLinked = await fs.lstat(path.join(dir, 'templates')).then((stat) => stat.isSymbolicLink(), () => false);
  if (!templatesLinked) scan.fragments.push(...(await scanBloomFolder(dir, local)));
  // One fragment per script: a hand-written one and a bloom template for the same script conflict.
  scan.fragments = scan.fragments.filter((fragment, index) => {
    const first = scan.fragments.find((other) => other.script === fragment.script);
    if (first === fragment) return true;
    if (scan.fragments.indexOf(first!) < index) local.error(fragment.file, `is a second ${fragment.script} (${first!.file} is one): keep one`);
    return false;
  });
  let rosdep: LoadedRosdep | undefined;
  let texts = new Map<string, SourceText>();
  if (manifest) {
    rosdep = await readFolderRosdep(dir, manifest, local);
    texts = await renderedTexts(dir, scan, catkin, local);
  }
  for (const item of local.items) problems.items.push({ ...item, file: displayPath(dir, item.file) });
  if (!manifest) return undefined;
  return { dir, manifest, manifestBytes: xml, texts, ...(rosdep ? { rosdep } : {}), ...scan, siblings: await siblingNames(dir), ...(catkin ? { catkin } : {}) };
}

/**
 * The text of every file a later stage may render, read now so that resolve and render never
 * read the folder: the units and templates of the convention (reported now if unreadable), and
 * what the install rules may render on some profile (reported by render if one does).
 */
async function renderedTexts(dir: string, scan: { units: UnitSource[]; payload: PayloadFile[] }, catkin: CatkinRules | undefined, problems: ProblemList): Promise<Map<string, SourceText>> {
  const texts = await readTexts(
    dir,
    [
      ...scan.units.map((unit) => ({ file: unit.file, absolutePath: unit.absolutePath, what: 'unit file' })),
      ...scan.payload.filter((entry) => entry.kind === 'file' && entry.template).map((entry) => ({ file: entry.file, absolutePath: entry.absolutePath, what: 'template' })),
    ],
    problems,
  );
  if (catkin === undefined) return texts;
  const candidates = renderedByRules(catkin.commands, catkin.inventory).filter((entry) => entry.readable && !texts.has(entry.file));
  const byRules = await readTexts(dir, candidates.map((entry) => ({ file: entry.file, absolutePath: entry.absolutePath, what: 'file the install rules render' })));
  return new Map([...texts, ...byRules]);
}

/** package.xml's bytes: only a regular file inside the folder, never a fifo or device, and never more than a cap. */
function readPackageXml(dir: string): Promise<Buffer> {
  return readInputFile(path.join(dir, 'package.xml'), 'package.xml', { what: 'package.xml', maxBytes: MAX_XML_BYTES, confineTo: dir });
}

/**
 * The daemon folder's package.xml alone, read and parsed as loadDaemon does (a regular file inside
 * the folder, capped): undefined when it cannot be read or parsed; its problems go to `problems`.
 */
export async function readManifest(dir: string, problems: ProblemList): Promise<Manifest | undefined> {
  try {
    return parseManifest(await readPackageXml(dir), 'package.xml', problems);
  } catch (error) {
    if (!(error instanceof DebforgeError)) throw error;
    return undefined;
  }
}

/** The `<name>` of every daemon folder next to `dir` (read cheaply, without full validation). */
async function siblingNames(dir: string): Promise<string[]> {
  const parent = path.dirname(path.resolve(dir));
  let entries: string[];
  try {
    entries = await fs.readdir(parent);
  } catch {
    return [];
  }
  return daemonNames(entries.map((entry) => path.join(parent, entry)));
}

/** The `<name>` of each of `dirs` that holds a package.xml (read cheaply, without full validation), sorted. */
export async function daemonNames(dirs: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const dir of dirs) {
    const manifest = path.join(dir, 'package.xml');
    const xml = await readInputFile(manifest, manifest, { what: 'package.xml', maxBytes: MAX_XML_BYTES }).then(
      (bytes) => bytes.toString('utf8'),
      () => undefined,
    );
    const name = xml === undefined ? undefined : /<name>\s*([^<\s]+)\s*<\/name>/.exec(xml)?.[1];
    if (name) names.push(name);
  }
  return names.sort();
}

export function displayPath(dir: string, file: string): string {
  return path.join(dir, file);
}
