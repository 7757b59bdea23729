import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fail } from '../errors.js';
import type { Profile } from './profiles.js';
import { rosdepRule, type RosdepRule } from './rosdep-rule.js';

/** ROS dependency key -> what rosdep installs for it on one profile's OS release, from a rosdep-format YAML file. */
export type RosdepTable = Map<string, RosdepRule>;

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
    const rule = rosdepRule(rules, profile.os.id, profile.os.codename);
    if (rule === undefined) continue;
    for (const name of rule.available && rule.installer === 'apt' ? rule.packages : []) {
      if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9+.-]+$/.test(name)) {
        fail(displayName, `key "${key}" maps to "${String(name)}", which is not a Debian package name`);
      }
    }
    table.set(key, rule);
  }
  return table;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
