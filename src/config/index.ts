import path from 'node:path';
import { ProblemList } from '../errors.js';
import { decodeUtf8Strict, readInputFile } from '../load/read-input.js';
import { readProjectConfig, type ProjectConfig } from './schema.js';
import { parseYamlDocument } from './yaml.js';

export type { ProjectConfig } from './schema.js';
export { findProjectConfig } from './find.js';

/** A project config is a screenful of settings: 64 KiB is far beyond any real one. */
const MAX_CONFIG_BYTES = 64 * 1024;

/**
 * Reads and checks a project config: a regular UTF-8 file of at most 64 KiB, one YAML document
 * without anchors, aliases or tags, every key known and every value of its type. Every problem is
 * thrown at once, each at `file:line`.
 */
export async function loadProjectConfig(file: string): Promise<ProjectConfig> {
  const absolute = path.resolve(file);
  const relative = path.relative(process.cwd(), absolute);
  const display = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
  const bytes = await readInputFile(absolute, display, { what: 'project config', maxBytes: MAX_CONFIG_BYTES });
  const document = parseYamlDocument(decodeUtf8Strict(bytes, display, 'save the project config as UTF-8'), display);
  const problems = new ProblemList();
  const config = await readProjectConfig(document, display, path.dirname(absolute), problems);
  problems.throwIfErrors();
  return config;
}

/** The settings of `config` a build takes where its options leave them unset. */
export function configDefaults(config: ProjectConfig): Pick<ProjectConfig, 'revision' | 'maintainer' | 'compression' | 'architectures' | 'healthCheck'> {
  const { revision, maintainer, compression, architectures, healthCheck } = config;
  return {
    ...(revision !== undefined ? { revision } : {}),
    ...(maintainer !== undefined ? { maintainer } : {}),
    ...(compression !== undefined ? { compression } : {}),
    ...(architectures !== undefined ? { architectures } : {}),
    ...(healthCheck !== undefined ? { healthCheck } : {}),
  };
}
