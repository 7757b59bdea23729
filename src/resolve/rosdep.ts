import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fail } from '../errors.js';
import type { Profile } from './profiles.js';

/** ROS dependency key -> Debian package names for one profile, from a rosdep-format YAML file. */
export type RosdepTable = Map<string, string[]>;

/**
 * Reads a rosdep-format YAML file (`key: {ubuntu: {focal: [pkg]}}`, `key: {debian: [pkg]}`,
 * `key: {ubuntu: {'*': {apt: {packages: [pkg]}}}}`) and keeps what applies to `profile`.
 */
export async function loadRosdepFile(absolutePath: string, displayName: string, profile: Profile): Promise<RosdepTable> {
  let text: string;
  try {
    text = await fs.readFile(absolutePath, 'utf8');
  } catch (error) {
    fail(displayName, `cannot read rosdep file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let document: unknown;
  try {
    // require, not import: js-yaml's ESM build costs ~40 ms to load, its CommonJS build ~8 ms.
    const { load } = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
    document = load(text, { filename: path.basename(absolutePath) });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    fail(displayName, `invalid YAML: ${reason}`, mark?.line === undefined ? undefined : mark.line + 1);
  }
  const table: RosdepTable = new Map();
  if (document === null || document === undefined) return table;
  if (!isRecord(document)) fail(displayName, 'a rosdep file maps keys to per-OS package lists');
  for (const [key, rules] of Object.entries(document)) {
    const packages = packagesFor(rules, profile);
    if (packages === undefined) continue;
    for (const name of packages) {
      if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9+.-]+$/.test(name)) {
        fail(displayName, `key "${key}" maps to "${String(name)}", which is not a Debian package name`);
      }
    }
    table.set(key, packages);
  }
  return table;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function packagesFor(rules: unknown, profile: Profile): string[] | undefined {
  if (!isRecord(rules)) return undefined;
  const forOs = rules[profile.os.id];
  if (forOs === undefined) return undefined;
  const direct = asPackageList(forOs);
  if (direct) return direct;
  if (!isRecord(forOs)) return undefined;
  const forRelease = forOs[profile.os.codename] ?? forOs['*'];
  return forRelease === undefined ? undefined : asPackageList(forRelease);
}

function asPackageList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(String);
  if (value === null) return [];
  if (isRecord(value)) {
    const apt = isRecord(value['apt']) ? value['apt'] : value;
    const packages = apt['packages'];
    if (packages !== undefined) return asPackageList(packages);
  }
  return undefined;
}
