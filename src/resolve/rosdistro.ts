import { promises as fs, readFileSync } from 'node:fs';
import { decodeUtf8Strict, MAX_YAML_BYTES, readInputFile } from '../load/read-input.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../errors.js';
import { isMapping, loadBoundedYaml } from '../load/bounded-yaml.js';
import { rosdepRule, type RosdepRule } from './rosdep-rule.js';

/**
 * The part of a ros/rosdistro checkout debforge needs, small enough to ship: the packages each ROS
 * distribution releases (`ros-<distro>-<name>` exists only for those) and, for each OS release,
 * what rosdep's rules (`rosdep/base.yaml`, `python.yaml`, `ruby.yaml`) install for each key.
 *
 * A rule for one release is encoded as a string: apt package names joined by spaces (`""` when
 * the key needs nothing installed), `<installer>:<names>` for another installer (`pip:rospkg`), or
 * null when rosdep has no rule for that release. A key with the same rule on every release holds
 * that one value; otherwise an array in `platforms` order.
 */
export interface RosdistroIndex {
  format: 2;
  source: { repository: string; commit: string; date: string };
  /** `os:codename`, sorted. */
  platforms: string[];
  distributions: Record<string, RosDistribution>;
  rosdep: Record<string, EncodedRule | EncodedRule[]>;
}

type EncodedRule = string | null;

/** One ROS distribution as `index-v4.yaml` and its `distribution.yaml` describe it. */
interface RosDistribution {
  type: 'ros1' | 'ros2';
  /** `distribution_status`: active, end-of-life, rolling (or what a newer rosdistro says). */
  status: string;
  /** Its `release_platforms` on Debian and Ubuntu, `os:codename`, in the file's order. */
  platforms: string[];
  packages: string[];
}

interface IndexOptions {
  /** Distributions to include; default: every one not at end of life, plus `alwaysDistros`. */
  distros?: readonly string[];
  alwaysDistros?: readonly string[];
  /** `os:codename` releases to include besides the Debian and Ubuntu ones the distributions name. */
  extraPlatforms?: readonly string[];
  commit?: string;
  date?: string;
}

const ROSDEP_FILES = ['base.yaml', 'python.yaml', 'ruby.yaml'];
const SUPPORTED_OS = new Set(['debian', 'ubuntu']);

async function readYaml(file: string): Promise<unknown> {
  // A regular file only, capped in size, decoded strictly: the checkout is the user's input too.
  const bytes = await readInputFile(file, file, { what: 'rosdistro YAML file', maxBytes: MAX_YAML_BYTES });
  return loadBoundedYaml(decodeUtf8Strict(bytes, file, 'rosdistro files are UTF-8'), file);
}

/** Released package names of one `distribution.yaml`: a repository's `release.packages`, else its name. */
function releasedPackages(distribution: unknown): string[] {
  const names = new Set<string>();
  const repositories = isMapping(distribution) && isMapping(distribution['repositories']) ? distribution['repositories'] : {};
  for (const [repository, entry] of Object.entries(repositories)) {
    const release = isMapping(entry) ? entry['release'] : undefined;
    // A repository with release data but no version has not been released yet.
    if (!isMapping(release) || release['version'] === undefined || release['version'] === null) continue;
    const packages = Array.isArray(release['packages']) ? release['packages'] : [repository];
    for (const name of packages) if (typeof name === 'string') names.add(name);
  }
  return [...names].sort();
}

function encode(rule: RosdepRule | undefined): EncodedRule {
  if (rule === undefined || !rule.available) return null;
  const names = rule.packages.join(' ');
  return rule.installer === 'apt' ? names : `${rule.installer}:${names}`;
}

/** Reads a rosdistro checkout (or a copy of its files) into the compact index, deterministically. */
export async function buildRosdistroIndex(checkout: string, options: IndexOptions = {}): Promise<RosdistroIndex> {
  const index = await readYaml(path.join(checkout, 'index-v4.yaml'));
  const declared = isMapping(index) && isMapping(index['distributions']) ? index['distributions'] : {};
  const wanted = new Set(options.distros ?? Object.entries(declared).filter(([, d]) => isMapping(d) && d['distribution_status'] !== 'end-of-life').map(([name]) => name));
  // A profile's distribution an older checkout does not know yet is left out, not an error.
  for (const name of options.alwaysDistros ?? []) if (isMapping(declared[name])) wanted.add(name);

  const distributions: RosdistroIndex['distributions'] = {};
  const platforms = new Set(options.extraPlatforms ?? []);
  for (const name of [...wanted].sort()) {
    const entry = declared[name];
    if (!isMapping(entry)) fail(path.join(checkout, 'index-v4.yaml'), `names no distribution "${name}"`);
    const file = path.join(checkout, name, 'distribution.yaml');
    const distribution = await readYaml(file);
    const release = isMapping(distribution) && isMapping(distribution['release_platforms']) ? distribution['release_platforms'] : {};
    const own: string[] = [];
    for (const [os, codenames] of Object.entries(release)) {
      if (!SUPPORTED_OS.has(os) || !Array.isArray(codenames)) continue;
      for (const codename of codenames) own.push(`${os}:${String(codename)}`);
    }
    for (const platform of own) platforms.add(platform);
    const status = typeof entry['distribution_status'] === 'string' ? entry['distribution_status'] : 'unknown';
    distributions[name] = { type: entry['distribution_type'] === 'ros1' ? 'ros1' : 'ros2', status, platforms: own, packages: releasedPackages(distribution) };
  }
  const platformList = [...platforms].sort();

  const rules = new Map<string, unknown>();
  for (const file of ROSDEP_FILES) {
    const document = await readYaml(path.join(checkout, 'rosdep', file));
    if (!isMapping(document)) continue;
    // rosdep reads its sources in this order and the first definition of a key wins.
    for (const [key, value] of Object.entries(document)) if (!rules.has(key)) rules.set(key, value);
  }
  const rosdep: RosdistroIndex['rosdep'] = {};
  for (const key of [...rules.keys()].sort()) {
    const encoded = platformList.map((platform) => {
      const [os, codename] = platform.split(':') as [string, string];
      return encode(rosdepRule(rules.get(key), os, codename));
    });
    rosdep[key] = encoded.every((value) => value === encoded[0]) ? (encoded[0] ?? null) : encoded;
  }
  return {
    format: 2,
    source: { repository: 'https://github.com/ros/rosdistro', commit: options.commit ?? 'unknown', date: options.date ?? 'unknown' },
    platforms: platformList,
    distributions,
    rosdep,
  };
}

/** The index as committed: one line per distribution and per rosdep key, so diffs stay readable. */
export function serializeIndex(index: RosdistroIndex): string {
  const lines = ['{', `"format":${index.format},`, `"source":${JSON.stringify(index.source)},`, `"platforms":${JSON.stringify(index.platforms)},`, '"distributions":{'];
  const distros = Object.entries(index.distributions);
  distros.forEach(([name, value], i) => lines.push(`${JSON.stringify(name)}:${JSON.stringify(value)}${i < distros.length - 1 ? ',' : ''}`));
  lines.push('},', '"rosdep":{');
  const keys = Object.entries(index.rosdep);
  keys.forEach(([key, value], i) => lines.push(`${JSON.stringify(key)}:${JSON.stringify(value)}${i < keys.length - 1 ? ',' : ''}`));
  lines.push('}', '}', '');
  return lines.join('\n');
}

/** The rosdistro data as debforge looks keys up in it. */
export class RosdistroData {
  private readonly released = new Map<string, ReadonlySet<string>>();
  private readonly platformIndex: Map<string, number>;

  constructor(readonly index: RosdistroIndex) {
    this.platformIndex = new Map(index.platforms.map((platform, i) => [platform, i]));
  }

  hasDistribution(distro: string): boolean {
    return distro in this.index.distributions;
  }

  hasPlatform(os: string, codename: string): boolean {
    return this.platformIndex.has(`${os}:${codename}`);
  }

  releases(distro: string, name: string): boolean {
    let names = this.released.get(distro);
    if (names === undefined) {
      names = new Set(this.index.distributions[distro]?.packages ?? []);
      this.released.set(distro, names);
    }
    return names.has(name);
  }

  /** Distributions of the given type that release `name`. */
  releasedIn(name: string, type: 'ros1' | 'ros2'): string[] {
    return Object.entries(this.index.distributions)
      .filter(([distro, d]) => d.type === type && this.releases(distro, name))
      .map(([distro]) => distro);
  }

  /** rosdep's rule for `key` on `os:codename`; undefined when rosdep does not know the key. */
  rule(key: string, os: string, codename: string): RosdepRule | undefined {
    if (!Object.prototype.hasOwnProperty.call(this.index.rosdep, key)) return undefined;
    const value = this.index.rosdep[key];
    const position = this.platformIndex.get(`${os}:${codename}`);
    const encoded = Array.isArray(value) ? (position === undefined ? null : (value[position] ?? null)) : (value ?? null);
    if (encoded === null) return { available: false };
    const match = /^([a-z]+):(.*)$/.exec(encoded);
    if (match) return { available: true, installer: match[1]!, packages: match[2]!.split(' ').filter((n) => n !== '') };
    return { available: true, installer: 'apt', packages: encoded.split(' ').filter((n) => n !== '') };
  }

  rosdepKeys(): string[] {
    return Object.keys(this.index.rosdep);
  }

  /** The distribution as the index describes it, if the index has it. */
  distribution(distro: string): RosDistribution | undefined {
    return this.index.distributions[distro];
  }

  packagesOf(distro: string): readonly string[] {
    return this.index.distributions[distro]?.packages ?? [];
  }
}

/** Where the committed index lives, relative to this module (build/src/resolve/ or src/resolve/). */
const SHIPPED_INDEX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', 'rosdistro-index.json');

let shipped: RosdistroData | undefined;
const fromCheckouts = new Map<string, Promise<RosdistroData>>();

/** The index shipped with debforge (read once, on first use). */
export function shippedRosdistro(): RosdistroData {
  shipped ??= new RosdistroData(JSON.parse(readFileSync(SHIPPED_INDEX, 'utf8')) as RosdistroIndex);
  return shipped;
}

/** The index built from a rosdistro checkout the user points at (read once per run). */
export function rosdistroFromCheckout(checkout: string, profiles: readonly { os: { id: string; codename: string }; ros?: { distro: string } }[]): Promise<RosdistroData> {
  const key = path.resolve(checkout);
  let data = fromCheckouts.get(key);
  if (data === undefined) {
    data = fs
      .stat(path.join(checkout, 'index-v4.yaml'))
      .catch(() => fail(checkout, 'is not a ros/rosdistro checkout (no index-v4.yaml): give --rosdistro (or DEBFORGE_ROSDISTRO) a clone of https://github.com/ros/rosdistro'))
      .then(() => buildRosdistroIndex(checkout, {
      alwaysDistros: [...new Set(profiles.flatMap((p) => (p.ros && p.ros.distro !== 'debian' ? [p.ros.distro] : [])))],
      extraPlatforms: [...new Set(profiles.map((p) => `${p.os.id}:${p.os.codename}`))],
      }))
      .then((index) => new RosdistroData(index));
    fromCheckouts.set(key, data);
  }
  return data;
}
