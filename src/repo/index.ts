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
 * - One run at a time per repository (lock.ts): a second run waits for the first, and plans from
 *   what the first published, so no package is lost.
 * - A robot reading mid-publish never sees a mismatch (staging.ts): everything new is written and
 *   signed in a staging folder first, then renamed into place, new pool files first, then indexes
 *   (also under by-hash/, with `Acquire-By-Hash: yes`, so a client holding the previous InRelease
 *   still finds the indexes it names), Release/Release.gpg/InRelease last. A failure before that
 *   (a wrong passphrase) leaves the repository byte for byte as it was.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { DebforgeError, printable, type Problem } from '../errors.js';
import { createCompressor } from '../write/compress/index.js';
import { readDebInfo, type DebInfo } from './deb.js';
import { lockRepository } from './lock.js';
import { openSigner, type Signer } from './sign.js';
import { Phase, Staging } from './staging.js';
import { Deb822Error, field, orderPackagesFields, parseStanzas, renderStanza, type Stanza } from './stanza.js';
import { compareDebianVersions, versionWithoutEpoch } from './version.js';
import { exists } from '../fs-exists.js';
import { makeDirectory } from '../make-directory.js';

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
  /** Seconds to wait for another run that holds the repository's lock (default DEFAULT_LOCK_WAIT_SECONDS). */
  lockWaitSeconds?: number;
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

  // A new repository folder is only created for input that would be accepted.
  if (!(await exists(outDir))) refuseProblems(await planPublish(debs, outDir, component, options));
  try {
    await makeDirectory(outDir);
  } catch (error) {
    throw new DebforgeError({ file: outDir, message: `cannot create the repository folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give --out a folder that can be written`, severity: 'error' });
  }
  const lock = await lockRepository(outDir, options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS, log);
  let signer: Signer | undefined;
  try {
    // Under the lock, the repository cannot change until this run is done: plan from what is there now.
    const plan = await planPublish(debs, outDir, component, options);
    refuseProblems(plan);
    if (options.signKey !== undefined) signer = await openSigner(options.signKey, env);
    else log(`warning: no --sign-key: ${outDir} is unsigned, and apt refuses unsigned repositories unless a robot marks it [trusted=yes]`);
    const staging = await Staging.open(outDir);
    try {
      const added: string[] = [];
      for (const [filename, deb] of plan.byPoolPath) {
        const target = path.join(outDir, filename);
        if (await exists(target)) continue;
        await staging.copy(deb.file, target, Phase.Pool);
        added.push(filename);
      }
      const suites: StagedSuite[] = [];
      for (const suitePlan of [...plan.plans.values()].sort((a, b) => (a.suite < b.suite ? -1 : 1))) {
        suites.push(await stageSuite(suitePlan, { component, outDir, signer, options, log }, staging));
      }
      if (signer !== undefined) {
        const key = await signer.exportPublicKey();
        const binaryPath = path.join(outDir, `${KEYRING_NAME}.gpg`);
        if (!(await readIfExists(binaryPath))?.equals(key.binary)) {
          await staging.write(binaryPath, key.binary, Phase.Keyring);
          await staging.write(path.join(outDir, `${KEYRING_NAME}.asc`), key.armored, Phase.Keyring);
        }
      }
      lock.assertHeld();
      await staging.commit();
      for (const filename of added) log(`added ${filename}`);
      for (const suite of suites) {
        await suite.pruneByHash();
        log(suite.summary);
      }
      return { packages: plan.results, suites: suites.map((suite) => suite.result) };
    } catch (error) {
      await staging.discard();
      throw error;
    }
  } finally {
    await signer?.close();
    await lock.release();
  }
}

/** Seconds a run waits for another run on the same repository to finish. */
export const DEFAULT_LOCK_WAIT_SECONDS = 600;

interface PublishPlan {
  plans: Map<string, SuitePlan>;
  /** Every pool file of this run, with the .deb it comes from. */
  byPoolPath: Map<string, DebInfo>;
  results: RepoPackage[];
  problems: Problem[];
}

function refuseProblems(plan: PublishPlan): void {
  if (plan.problems.length > 0) throw new DebforgeError(plan.problems);
}

/** What a publish would change, and every reason to refuse it; reads the repository, writes nothing. */
async function planPublish(debs: readonly DebInfo[], outDir: string, component: string, options: RepoOptions): Promise<PublishPlan> {
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
  return { plans, byPoolPath, results, problems };
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

interface StagedSuite {
  result: RepoSuite;
  /** The progress line for the suite, logged once it is in place. */
  summary: string;
  /** Drops by-hash files neither the previous nor the new Release names (after the commit). */
  pruneByHash(): Promise<void>;
}

/** Stages a suite's changed indexes and its new Release files (signed); nothing in the repository is touched. */
async function stageSuite(plan: SuitePlan, context: SuiteContext, staging: Staging): Promise<StagedSuite> {
  const { component, signer, options } = context;
  const entries = new Map(plan.existing);
  for (const [key, entry] of plan.incoming) entries.set(key, entry);
  const sorted = [...entries.values()].sort(compareEntries);

  const architectures = new Set<string>([...(plan.release?.architectures ?? []), ...(options.architectures ?? [])]);
  for (const entry of sorted) architectures.add(entry.architecture);
  // `all` first, as Debian's Release files have it; then the real architectures.
  const archList = [...architectures].sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a < b ? -1 : a > b ? 1 : 0));

  // Indexes: rewritten only where their contents change; identical ones share one compression.
  // `fresh` holds what this publish writes, by path relative to the suite's folder.
  const fresh = new Map<string, Buffer>();
  const compressed = new Map<string, Array<[name: string, data: Buffer]>>();
  let indexesChanged = false;
  for (const arch of archList) {
    const relativeDir = path.join(component, `binary-${arch}`);
    const dir = path.join(plan.dir, relativeDir);
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
    for (const [name, data] of variants) {
      fresh.set(path.join(relativeDir, name), data);
      await staging.write(path.join(dir, name), data, Phase.Index);
    }
  }

  // Release: every index of every component of the suite, uncompressed Packages included, as
  // they will be once this publish is in place.
  const indexFiles = new Set<string>(fresh.keys());
  const componentNames = new Set<string>([...fresh.keys()].map((file) => file.split(path.sep)[0]!));
  const suiteEntries = await fs.readdir(plan.dir, { withFileTypes: true }).catch(() => []);
  for (const comp of suiteEntries.filter((e) => e.isDirectory()).map((e) => e.name)) {
    const archDirs = (await fs.readdir(path.join(plan.dir, comp), { withFileTypes: true })).filter((e) => e.isDirectory() && e.name.startsWith('binary-')).map((e) => e.name);
    for (const archDir of archDirs) {
      for (const name of INDEX_NAMES) {
        if (!(await exists(path.join(plan.dir, comp, archDir, name)))) continue;
        indexFiles.add(path.join(comp, archDir, name));
        componentNames.add(comp);
      }
    }
  }
  const components = [...componentNames].sort();
  const md5Lines: string[] = [];
  const shaLines: string[] = [];
  const hashes = new Set<string>();
  for (const file of [...indexFiles].sort()) {
    const data = fresh.get(file) ?? (await fs.readFile(path.join(plan.dir, file)));
    const sha = sha256(data);
    hashes.add(sha);
    // Acquire-By-Hash promises every listed index under by-hash/ too (an older repository may lack some).
    const byHash = path.join(plan.dir, path.dirname(file), 'by-hash', 'SHA256', sha);
    if (!(await exists(byHash)) && !staging.has(byHash)) await staging.write(byHash, data, Phase.ByHash);
    const name = file.split(path.sep).join('/');
    md5Lines.push(` ${md5(data)} ${String(data.length).padStart(8)} ${name}`);
    shaLines.push(` ${sha} ${String(data.length).padStart(8)} ${name}`);
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
  const nothingToPrune = async (): Promise<void> => undefined;
  if (!indexesChanged && plan.release !== undefined && plan.release.body === body && sameSigning && previousDate !== undefined) {
    const result = { suite: plan.suite, release: signed ? inReleasePath : releasePath, signed, changed: false, architectures: archList, components, date: releaseDate(new Date(previousDate)), packages: sorted.length };
    return { result, summary: `${plan.suite}: unchanged`, pruneByHash: nothingToPrune };
  }

  // Date is the publish time and always moves forward: apt ignores a Release older than the one it has.
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const seconds = previousDate !== undefined ? Math.max(nowSeconds, Math.floor(previousDate / 1000) + 1) : nowSeconds;
  const date = releaseDate(new Date(seconds * 1000));
  const text = `${[...head, `Date: ${date}`, ...tail].join('\n')}\n`;

  if (signer !== undefined) {
    // Signed in the staging folder: a signature that fails (a wrong passphrase) changes nothing.
    const stagedRelease = await staging.write(releasePath, text, Phase.Release);
    await signer.detachSign(stagedRelease, staging.reserve(detachedPath, Phase.Release));
    await signer.clearsign(stagedRelease, staging.reserve(inReleasePath, Phase.Release));
  } else {
    // A stale signature would vouch for the previous Release: drop InRelease first, Release.gpg after.
    staging.remove(inReleasePath, Phase.Release);
    await staging.write(releasePath, text, Phase.Release);
    staging.remove(detachedPath, Phase.Release);
  }

  // by-hash keeps what the previous and the new Release name; older generations go.
  const keep = new Set([...hashes, ...(plan.release?.sha256 ?? [])]);
  const byHashDirs = [...indexFiles].filter((f) => f.endsWith(`${path.sep}Packages`)).map((file) => path.join(plan.dir, path.dirname(file), 'by-hash', 'SHA256'));
  const pruneByHash = async (): Promise<void> => {
    for (const byHash of byHashDirs) {
      let names: string[];
      try {
        names = await fs.readdir(byHash);
      } catch {
        continue;
      }
      for (const name of names) if (/^[0-9a-f]{64}$/.test(name) && !keep.has(name)) await fs.rm(path.join(byHash, name), { force: true });
    }
  };
  const summary = `${plan.suite}: ${signed ? `signed with ${signer!.fingerprint}` : 'unsigned'}, ${sorted.length} package${sorted.length === 1 ? '' : 's'}, Date ${date}`;
  return { result: { suite: plan.suite, release: signed ? inReleasePath : releasePath, signed, changed: true, architectures: archList, components, date, packages: sorted.length }, summary, pruneByHash };
}
