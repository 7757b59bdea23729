/**
 * A static APT repository that any web server can host, created or updated from .deb files:
 *
 *   pool/<component>/<prefix>/<source>/<package>_<version>_<arch>.deb
 *   dists/<suite>/<component>/binary-<arch>/Packages{,.gz,.xz}   (+ by-hash/SHA256/<sha256>)
 *   dists/<suite>/Release, Release.gpg, InRelease
 *   archive-keyring.gpg, archive-keyring.asc                     (the signing key's public half)
 *
 * Choices, all checked against apt 2.6 on a booted Debian 12:
 * - `Architecture: all` packages are listed once, in `binary-all`, and Release's Architectures
 *   says `all` (apt >= 1.1 then reads binary-all besides its own binary-<arch>), plus the
 *   architectures that arch-specific packages (or --arch) bring. A robot of any architecture
 *   finds the `all` packages, with no notice: apt 2.6 on amd64 reads an `all`-only repository
 *   silently, while listing `all` packages only under named architectures would hide them, just
 *   as silently, from a robot whose architecture is not named.
 * - Publishing is append-only: earlier versions stay (robots can pin or downgrade), and a
 *   different file for a name/version/architecture that is already published is refused.
 * - A robot reading mid-publish never sees a mismatch: new pool files and indexes (also under
 *   by-hash/, with `Acquire-By-Hash: yes`, so a client holding the previous InRelease still finds
 *   the indexes it names) are written first, Release/Release.gpg/InRelease last, each to a
 *   temporary file renamed into place.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { DebforgeError, printable, type Problem } from '../errors.js';
import { createCompressor } from '../write/compress/index.js';
import { readDebInfo, type DebInfo } from './deb.js';
import { openSigner, type Signer } from './sign.js';
import { Deb822Error, field, orderPackagesFields, parseStanzas, renderStanza, type Stanza } from './stanza.js';
import { compareDebianVersions, versionWithoutEpoch } from './version.js';
import { exists } from '../fs-exists.js';

export { compareDebianVersions, parseDebianVersion } from './version.js';
export { parseStanzas, renderStanza, orderPackagesFields, type Stanza } from './stanza.js';
export { readDebInfo, type DebInfo } from './deb.js';
export { checkTag, tagVersion } from './tag.js';

export const DEFAULT_COMPONENT = 'main';
export const DEFAULT_ORIGIN = 'debforge';
export const KEYRING_NAME = 'archive-keyring';

export interface RepoOptions {
  /** Repository root (created if missing). */
  outDir: string;
  /** Suite for every package; default: the distribution in each package's changelog (the profile's codename). */
  suite?: string;
  component?: string;
  /** gpg key ID/fingerprint in the keyring, a file holding a secret key, or `env:NAME`; none: unsigned. */
  signKey?: string;
  /** Architectures to list (each with its binary-<arch> index) besides those already listed and those of the packages. */
  architectures?: readonly string[];
  /** Release Origin and Label for a new suite (an existing suite keeps its own). */
  origin?: string;
  label?: string;
  /** Publish time (default now); Date always moves past the previous Release's. */
  now?: Date;
  /** Progress and warnings, one line each. */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RepoPackage {
  package: string;
  version: string;
  architecture: string;
  suite: string;
  /** Path in the repository, as the Packages index gives it. */
  filename: string;
  sha256: string;
  /** False when the identical file was already published. */
  added: boolean;
}

export interface RepoSuite {
  suite: string;
  /** The Release file (InRelease when signed). */
  release: string;
  signed: boolean;
  /** False when nothing had to change (an identical re-publish). */
  changed: boolean;
  architectures: string[];
  components: string[];
  date: string;
  packages: number;
}

export interface RepoResult {
  packages: RepoPackage[];
  suites: RepoSuite[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
const INDEX_NAMES = ['Packages', 'Packages.gz', 'Packages.xz'] as const;
/** A one-line Release value: printable, no leading or trailing space (deb822 would drop it), at most 200 characters. */
const RELEASE_TEXT = /^[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029](?:[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{0,198}[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029])?$/;

/** The stanzas of an index or Release file already in the repository; a damaged one is an error naming it. */
function parseRepositoryFile(file: string, text: string): Stanza[] {
  try {
    return parseStanzas(text);
  } catch (error) {
    if (!(error instanceof Deb822Error)) throw error;
    throw new DebforgeError({ file, line: error.line, message: `${error.reason}: this repository file is damaged; restore it or publish into a new folder`, severity: 'error' });
  }
}

/** `pool/<component>/<prefix>/<source>/`: the prefix is `lib` + one letter for lib* sources, as Debian does. */
export function poolDirectory(component: string, source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
  return `pool/${component}/${prefix}/${source}`;
}

export function poolPath(component: string, deb: Pick<DebInfo, 'source' | 'package' | 'version' | 'architecture'>): string {
  return `${poolDirectory(component, deb.source)}/${deb.package}_${versionWithoutEpoch(deb.version)}_${deb.architecture}.deb`;
}

/** The Packages stanza of a .deb: its control fields plus where it is and its hashes, in apt-ftparchive's order. */
export function packagesStanza(deb: DebInfo, filename: string): Stanza {
  const own = new Set(['filename', 'size', 'md5sum', 'sha1', 'sha256', 'sha512']);
  return orderPackagesFields([
    ...deb.control.filter(([name]) => !own.has(name.toLowerCase())),
    ['Filename', filename],
    ['Size', String(deb.size)],
    ['MD5sum', deb.md5],
    ['SHA256', deb.sha256],
  ]);
}

/** RFC 1123 date in UTC, as Debian's Release files have it. */
export function releaseDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, 'UTC');
}

interface Entry {
  key: string;
  package: string;
  version: string;
  architecture: string;
  filename: string;
  sha256: string;
  stanza: Stanza;
}

function entryKey(pkg: string, version: string, architecture: string): string {
  return `${pkg}\u0000${version}\u0000${architecture}`;
}

function entryFromStanza(stanza: Stanza): Entry | undefined {
  const pkg = field(stanza, 'Package');
  const version = field(stanza, 'Version');
  const architecture = field(stanza, 'Architecture');
  const filename = field(stanza, 'Filename');
  const sha256 = field(stanza, 'SHA256');
  if (!pkg || !version || !architecture || !filename || !sha256) return undefined;
  return { key: entryKey(pkg, version, architecture), package: pkg, version, architecture, filename, sha256, stanza };
}

function compareEntries(a: Entry, b: Entry): number {
  if (a.package !== b.package) return a.package < b.package ? -1 : 1;
  const byVersion = compareDebianVersions(a.version, b.version);
  if (byVersion !== 0) return byVersion;
  return a.architecture < b.architecture ? -1 : a.architecture > b.architecture ? 1 : 0;
}

export function renderPackages(entries: Iterable<{ stanza: Stanza }>): string {
  let text = '';
  for (const entry of entries) text += `${renderStanza(entry.stanza)}\n`;
  return text;
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes a file so that readers see the old contents or the new, never a part. */
export async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = temporaryName(file);
  try {
    await fs.writeFile(temporary, data);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

async function copyAtomic(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  const temporary = temporaryName(to);
  try {
    await fs.copyFile(from, temporary);
    await fs.chmod(temporary, 0o644);
    await fs.rename(temporary, to);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

function xz(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const compressor = createCompressor('xz', { jobs: 1 });
    const chunks: Buffer[] = [];
    compressor.on('data', (chunk: Buffer) => chunks.push(chunk));
    compressor.on('end', () => resolve(Buffer.concat(chunks)));
    compressor.on('error', reject);
    compressor.end(data);
  });
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** Every .deb named, or found (recursively, in name order) under a folder named; never inside the repository itself. */
async function collectDebs(inputs: readonly string[], outDir: string): Promise<string[]> {
  const found: string[] = [];
  const inside = (candidate: string): boolean => {
    const relative = path.relative(outDir, path.resolve(candidate));
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!inside(full)) await walk(full);
      } else if (entry.isFile() && entry.name.endsWith('.deb')) found.push(full);
    }
  };
  for (const input of inputs) {
    let stat;
    try {
      stat = await fs.stat(input);
    } catch {
      throw new DebforgeError({ file: input, message: 'no such file or folder: give .deb files or folders holding them', severity: 'error' });
    }
    if (stat.isDirectory()) {
      const before = found.length;
      if (!inside(input)) await walk(input);
      if (found.length === before) throw new DebforgeError({ file: input, message: 'holds no .deb files', severity: 'error' });
    } else found.push(input);
  }
  return [...new Set(found)];
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface ReleaseInfo {
  origin?: string;
  label?: string;
  date?: number;
  architectures: string[];
  sha256: Set<string>;
  /** The Release text without its Date line, to tell whether anything changed. */
  body: string;
}

function parseRelease(file: string, text: string): ReleaseInfo {
  const stanza = parseRepositoryFile(file, text)[0] ?? [];
  const date = Date.parse(field(stanza, 'Date') ?? '');
  const origin = field(stanza, 'Origin');
  const label = field(stanza, 'Label');
  const hashes = (field(stanza, 'SHA256') ?? '').split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((h) => /^[0-9a-f]{64}$/.test(h));
  return {
    ...(origin !== undefined ? { origin } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(Number.isFinite(date) ? { date } : {}),
    architectures: (field(stanza, 'Architectures') ?? '').split(/\s+/).filter((a) => a !== ''),
    sha256: new Set(hashes),
    body: text.replace(/^Date: .*\n/m, ''),
  };
}

interface SuitePlan {
  suite: string;
  dir: string;
  release?: ReleaseInfo;
  existing: Map<string, Entry>;
  incoming: Map<string, Entry>;
}

/** Creates or updates the repository; throws a DebforgeError (and writes nothing) if any input is refused. */
export async function publishRepository(inputs: readonly string[], options: RepoOptions): Promise<RepoResult> {
  const outDir = path.resolve(options.outDir);
  const component = options.component ?? DEFAULT_COMPONENT;
  const log = options.log ?? ((): void => undefined);
  const env = options.env ?? process.env;
  const usage = (what: string, message: string): DebforgeError => new DebforgeError({ file: what, message, severity: 'error' });
  if (!NAME.test(component)) throw usage(`--component ${printable(component)}`, 'must be a name of letters, digits, ".", "_", "+" and "-"');
  if (options.suite !== undefined && !NAME.test(options.suite)) throw usage(`--suite ${printable(options.suite)}`, 'must be a name of letters, digits, ".", "_", "+" and "-"');
  for (const arch of options.architectures ?? []) {
    if (!ARCHITECTURE.test(arch) || arch === 'all') throw usage(`--arch ${printable(arch)}`, 'must be a Debian architecture such as amd64 or arm64');
  }
  for (const [option, value] of [['--origin', options.origin], ['--label', options.label]] as const) {
    if (value !== undefined && !RELEASE_TEXT.test(value)) {
      throw usage(`${option} ${printable(value)}`, 'must be one line of 1 to 200 printable characters, without control characters or surrounding spaces (it goes into Release)');
    }
  }

  const files = await collectDebs(inputs, outDir);
  // Two packages read at a time: each read holds a decompressor (up to ~80 MiB for xz), and
  // reading is bound by the CPU anyway, so memory stays bounded whatever the number of packages.
  const debs = await mapLimit(files, 2, readDebInfo);

  // Plan everything and refuse before writing anything.
  const problems: Problem[] = [];
  const plans = new Map<string, SuitePlan>();
  const byPoolPath = new Map<string, DebInfo>();
  const results: RepoPackage[] = [];
  for (const deb of debs) {
    const suite = options.suite ?? deb.distribution;
    if (suite === undefined || !NAME.test(suite)) {
      problems.push({ file: deb.file, message: `cannot tell which suite ${deb.package} belongs in (no distribution in its changelog): give --suite`, severity: 'error' });
      continue;
    }
    let plan = plans.get(suite);
    if (plan === undefined) {
      const dir = path.join(outDir, 'dists', suite);
      const releaseText = await readIfExists(path.join(dir, 'Release'));
      plan = { suite, dir, existing: await readEntries(path.join(dir, component)), incoming: new Map() };
      if (releaseText !== undefined) plan.release = parseRelease(path.join(dir, 'Release'), releaseText.toString('utf8'));
      plans.set(suite, plan);
    }
    const filename = poolPath(component, deb);
    const key = entryKey(deb.package, deb.version, deb.architecture);
    const refuse = (why: string): void => {
      problems.push({ file: deb.file, message: `${deb.package} ${deb.version} (${deb.architecture}) ${why}; a published package is immutable: publish a new version (for example with build --revision)`, severity: 'error' });
    };
    const twin = byPoolPath.get(filename);
    if (twin !== undefined && twin.sha256 !== deb.sha256) {
      refuse(`is given twice with different contents (${twin.file})`);
      continue;
    }
    byPoolPath.set(filename, deb);
    const published = plan.existing.get(key);
    if (published !== undefined && (published.sha256 !== deb.sha256 || published.filename !== filename)) {
      refuse(`is already in ${suite} as a different file (${published.filename}, sha256 ${published.sha256})`);
      continue;
    }
    // A pool file no index names (another suite's, or left by an interrupted publish) is checked too.
    const onDisk = published === undefined ? await readIfExists(path.join(outDir, filename)) : undefined;
    if (onDisk !== undefined && sha256(onDisk) !== deb.sha256) {
      refuse(`is already published as ${filename} with different contents`);
      continue;
    }
    const added = published === undefined;
    if (!plan.incoming.has(key)) {
      plan.incoming.set(key, { key, package: deb.package, version: deb.version, architecture: deb.architecture, filename, sha256: deb.sha256, stanza: packagesStanza(deb, filename) });
      results.push({ package: deb.package, version: deb.version, architecture: deb.architecture, suite, filename, sha256: deb.sha256, added });
    }
  }
  for (const plan of plans.values()) {
    const origin = options.origin;
    const label = options.label;
    if (plan.release?.origin !== undefined && origin !== undefined && origin !== plan.release.origin) {
      problems.push({ file: `--origin ${origin}`, message: `${plan.suite} already has Origin "${plan.release.origin}": apt on robots refuses a repository whose Origin changes`, severity: 'error' });
    }
    if (plan.release?.label !== undefined && label !== undefined && label !== plan.release.label) {
      problems.push({ file: `--label ${label}`, message: `${plan.suite} already has Label "${plan.release.label}": apt on robots refuses a repository whose Label changes`, severity: 'error' });
    }
  }
  if (problems.length > 0) throw new DebforgeError(problems);

  let signer: Signer | undefined;
  if (options.signKey !== undefined) signer = await openSigner(options.signKey, env);
  else log(`warning: no --sign-key: ${outDir} is unsigned, and apt refuses unsigned repositories unless a robot marks it [trusted=yes]`);
  try {
    // 1. Pool files.
    const copied = await mapLimit([...byPoolPath], 16, async ([filename, deb]) => {
      const target = path.join(outDir, filename);
      if (await exists(target)) return undefined;
      await copyAtomic(deb.file, target);
      return filename;
    });
    for (const filename of copied) if (filename !== undefined) log(`added ${filename}`);
    // 2. Indexes, then 3. Release files, suite by suite.
    const suites: RepoSuite[] = [];
    for (const plan of [...plans.values()].sort((a, b) => (a.suite < b.suite ? -1 : 1))) {
      suites.push(await publishSuite(plan, { component, outDir, signer, options, log }));
    }
    if (signer !== undefined) {
      const key = await signer.exportPublicKey();
      const binaryPath = path.join(outDir, `${KEYRING_NAME}.gpg`);
      if (!(await readIfExists(binaryPath))?.equals(key.binary)) {
        await writeAtomic(binaryPath, key.binary);
        await writeAtomic(path.join(outDir, `${KEYRING_NAME}.asc`), key.armored);
      }
    }
    return { packages: results, suites };
  } finally {
    await signer?.close();
  }
}

/** The entries of every binary-<arch>/Packages of one component, `all` packages once. */
async function readEntries(componentDir: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  let dirs: string[];
  try {
    dirs = (await fs.readdir(componentDir)).filter((name) => name.startsWith('binary-')).sort();
  } catch {
    return entries;
  }
  for (const dir of dirs) {
    const file = path.join(componentDir, dir, 'Packages');
    const text = await readIfExists(file);
    if (text === undefined) continue;
    for (const stanza of parseRepositoryFile(file, text.toString('utf8'))) {
      const entry = entryFromStanza(stanza);
      if (entry !== undefined && !entries.has(entry.key)) entries.set(entry.key, entry);
    }
  }
  return entries;
}

interface SuiteContext {
  component: string;
  outDir: string;
  signer: Signer | undefined;
  options: RepoOptions;
  log: (line: string) => void;
}

async function publishSuite(plan: SuitePlan, context: SuiteContext): Promise<RepoSuite> {
  const { component, signer, options, log } = context;
  const entries = new Map(plan.existing);
  for (const [key, entry] of plan.incoming) entries.set(key, entry);
  const sorted = [...entries.values()].sort(compareEntries);

  const architectures = new Set<string>([...(plan.release?.architectures ?? []), ...(options.architectures ?? [])]);
  for (const entry of sorted) architectures.add(entry.architecture);
  // `all` first, as Debian's Release files have it; then the real architectures.
  const archList = [...architectures].sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a < b ? -1 : a > b ? 1 : 0));

  // Indexes: rewritten only where their contents change; identical ones share one compression.
  const compressed = new Map<string, Array<[name: string, data: Buffer]>>();
  let indexesChanged = false;
  for (const arch of archList) {
    const dir = path.join(plan.dir, component, `binary-${arch}`);
    const plain = Buffer.from(renderPackages(sorted.filter((e) => e.architecture === arch)));
    const current = await readIfExists(path.join(dir, 'Packages'));
    if (current?.equals(plain) && (await exists(path.join(dir, 'Packages.gz'))) && (await exists(path.join(dir, 'Packages.xz')))) continue;
    indexesChanged = true;
    const plainHash = sha256(plain);
    let variants = compressed.get(plainHash);
    if (variants === undefined) {
      variants = [
        ['Packages', plain],
        ['Packages.gz', gzipSync(plain, { level: zlibConstants.Z_BEST_COMPRESSION })],
        ['Packages.xz', await xz(plain)],
      ];
      compressed.set(plainHash, variants);
    }
    for (const [, data] of variants) await writeAtomic(path.join(dir, 'by-hash', 'SHA256', sha256(data)), data);
    for (const [name, data] of variants) await writeAtomic(path.join(dir, name), data);
  }

  // Release: every index of every component of the suite, uncompressed Packages included.
  const indexFiles: string[] = [];
  const components: string[] = [];
  for (const comp of (await fs.readdir(plan.dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const archDirs = (await fs.readdir(path.join(plan.dir, comp), { withFileTypes: true })).filter((e) => e.isDirectory() && e.name.startsWith('binary-')).map((e) => e.name).sort();
    if (archDirs.length === 0) continue;
    components.push(comp);
    for (const archDir of archDirs) {
      for (const name of INDEX_NAMES) if (await exists(path.join(plan.dir, comp, archDir, name))) indexFiles.push(`${comp}/${archDir}/${name}`);
    }
  }
  const md5Lines: string[] = [];
  const shaLines: string[] = [];
  const hashes = new Set<string>();
  for (const file of indexFiles) {
    const data = await fs.readFile(path.join(plan.dir, file));
    const sha = sha256(data);
    hashes.add(sha);
    // Acquire-By-Hash promises every listed index under by-hash/ too (an older repository may lack some).
    const byHash = path.join(plan.dir, path.dirname(file), 'by-hash', 'SHA256', sha);
    if (!(await exists(byHash))) await writeAtomic(byHash, data);
    md5Lines.push(` ${md5(data)} ${String(data.length).padStart(8)} ${file}`);
    shaLines.push(` ${sha} ${String(data.length).padStart(8)} ${file}`);
  }
  const origin = plan.release?.origin ?? options.origin ?? DEFAULT_ORIGIN;
  const label = plan.release?.label ?? options.label ?? origin;
  const head = [`Origin: ${origin}`, `Label: ${label}`, `Suite: ${plan.suite}`, `Codename: ${plan.suite}`];
  const tail = [
    `Architectures: ${archList.join(' ')}`,
    `Components: ${components.join(' ')}`,
    'Acquire-By-Hash: yes',
    'MD5Sum:',
    ...md5Lines,
    'SHA256:',
    ...shaLines,
  ];
  const body = `${[...head, ...tail].join('\n')}\n`;
  const releasePath = path.join(plan.dir, 'Release');
  const inReleasePath = path.join(plan.dir, 'InRelease');
  const detachedPath = path.join(plan.dir, 'Release.gpg');
  const signed = signer !== undefined;
  const sameSigning = signed === (await exists(inReleasePath)) && signed === (await exists(detachedPath));
  const previousDate = plan.release?.date;
  if (!indexesChanged && plan.release !== undefined && plan.release.body === body && sameSigning && previousDate !== undefined) {
    log(`${plan.suite}: unchanged`);
    return { suite: plan.suite, release: signed ? inReleasePath : releasePath, signed, changed: false, architectures: archList, components, date: releaseDate(new Date(previousDate)), packages: sorted.length };
  }

  // Date is the publish time and always moves forward: apt ignores a Release older than the one it has.
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const seconds = previousDate !== undefined ? Math.max(nowSeconds, Math.floor(previousDate / 1000) + 1) : nowSeconds;
  const date = releaseDate(new Date(seconds * 1000));
  const text = `${[...head, `Date: ${date}`, ...tail].join('\n')}\n`;

  if (signer !== undefined) {
    const releaseTemporary = temporaryName(releasePath);
    const detachedTemporary = temporaryName(detachedPath);
    const inReleaseTemporary = temporaryName(inReleasePath);
    try {
      await fs.writeFile(releaseTemporary, text);
      await signer.detachSign(releaseTemporary, detachedTemporary);
      await signer.clearsign(releaseTemporary, inReleaseTemporary);
      await fs.rename(releaseTemporary, releasePath);
      await fs.rename(detachedTemporary, detachedPath);
      await fs.rename(inReleaseTemporary, inReleasePath);
    } finally {
      for (const temporary of [releaseTemporary, detachedTemporary, inReleaseTemporary]) await fs.rm(temporary, { force: true });
    }
  } else {
    // A stale signature would vouch for the previous Release: drop InRelease first, Release.gpg after.
    await fs.rm(inReleasePath, { force: true });
    await writeAtomic(releasePath, text);
    await fs.rm(detachedPath, { force: true });
  }

  // by-hash keeps what the previous and the new Release name; older generations go.
  const keep = new Set([...hashes, ...(plan.release?.sha256 ?? [])]);
  for (const file of indexFiles.filter((f) => f.endsWith('/Packages'))) {
    const byHash = path.join(plan.dir, path.dirname(file), 'by-hash', 'SHA256');
    let names: string[];
    try {
      names = await fs.readdir(byHash);
    } catch {
      continue;
    }
    for (const name of names) if (/^[0-9a-f]{64}$/.test(name) && !keep.has(name)) await fs.rm(path.join(byHash, name), { force: true });
  }
  log(`${plan.suite}: ${signed ? `signed with ${signer!.fingerprint}` : 'unsigned'}, ${sorted.length} package${sorted.length === 1 ? '' : 's'}, Date ${date}`);
  return { suite: plan.suite, release: signed ? inReleasePath : releasePath, signed, changed: true, architectures: archList, components, date, packages: sorted.length };
}
