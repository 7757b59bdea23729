import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fail, printable, type ProblemList } from '../errors.js';
import { loadBoundedYaml } from './bounded-yaml.js';
import { decodeUtf8Strict, MAX_YAML_BYTES, readInputFile } from './read-input.js';
import type { LoadedRosdep, Manifest } from './types.js';

/**
 * Reads a rosdep-format YAML file (`key: {ubuntu: {focal: [pkg]}}`, `key: {debian: [pkg]}`, ...)
 * as its rules by key, as written: a regular file only (a fifo would hang the build), capped in
 * size, inside `confineTo` if given, strict UTF-8, its aliases bounded. Which rules apply is the
 * profile's matter (resolve/rosdep.ts).
 */
export async function readRosdepRules(absolutePath: string, displayName: string, options: { confineTo?: string } = {}): Promise<Record<string, unknown>> {
  const bytes = await readInputFile(absolutePath, displayName, { what: 'rosdep file', maxBytes: MAX_YAML_BYTES, ...options });
  const text = decodeUtf8Strict(bytes, displayName, 'save the rosdep file as UTF-8');
  const document = loadBoundedYaml(text, displayName);
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) fail(displayName, 'a rosdep file maps keys to per-OS package lists');
  return document as Record<string, unknown>;
}

/**
 * The daemon folder's own rosdep file: package.xml's `<rosdep>`, else rosdep.yaml when there is
 * one. Problems are reported relative to the folder.
 */
export async function readFolderRosdep(dir: string, manifest: Manifest, problems: ProblemList): Promise<LoadedRosdep | undefined> {
  const configured = manifest.debforge.rosdep;
  const relative = configured ?? 'rosdep.yaml';
  // A path from package.xml names a file of the daemon folder: relative, and not climbing out.
  const normal = path.posix.normalize(relative);
  if (path.posix.isAbsolute(relative) || normal === '..' || normal.startsWith('../')) {
    problems.error('package.xml', `<rosdep> "${printable(relative)}" leaves the daemon folder: give a path inside it, relative to package.xml`, manifest.debforge.rosdepLine);
    return undefined;
  }
  const absolute = path.join(dir, normal);
  if (configured === undefined && !(await fs.lstat(absolute).then(() => true, () => false))) return undefined;
  try {
    return { file: normal, rules: await readRosdepRules(absolute, normal, { confineTo: dir }) };
  } catch (error) {
    problems.capture(() => {
      throw error;
    });
    return undefined;
  }
}
