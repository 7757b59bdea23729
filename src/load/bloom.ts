import { promises as fs } from 'node:fs';
import path from 'node:path';
import { printable, type ProblemList } from '../errors.js';
import { MAINTAINER_SCRIPTS, type Fragment, type MaintainerScript } from './types.js';

/**
 * bloom's maintainer-script templates (`debian/<script>.em`, `templates/<script>.em`): empy
 * files in which bloom substitutes a few names of the package. Only those substitutions are
 * accepted; any other empy markup would run Python at release time, and is an error at its line.
 */
export const BLOOM_SUFFIX = '.em';
const BLOOM_NAMES = ['Name', 'Package', 'Version', 'InstallationPrefix'] as const;
export type BloomName = (typeof BLOOM_NAMES)[number];

/** `@(Name)`, `@@` (a literal @), or any other use of @, which is an empy construct. */
const MARKUP = /@(\((\w+)\)|@)?/g;

/** Checks a template; returns the problems' count so the caller can skip a bad one. */
export function checkBloomTemplate(content: string, file: string, problems: ProblemList): boolean {
  let ok = true;
  content.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(MARKUP)) {
      if (match[1] === '@') continue;
      const name = match[2];
      if (name !== undefined && (BLOOM_NAMES as readonly string[]).includes(name)) continue;
      const shown = printable(line.slice(match.index, match.index + 24).split(/\s/)[0] ?? '@');
      problems.error(
        file,
        `"${shown}" is empy markup debforge does not run: a maintainer-script template may use only ${BLOOM_NAMES.map((n) => `@(${n})`).join(', ')} and @@ for a literal @`,
        index + 1,
      );
      ok = false;
    }
  });
  return ok;
}

/** The template with bloom's substitutions made (checked beforehand by checkBloomTemplate). */
export function expandBloomTemplate(content: string, values: Readonly<Record<BloomName, string>>): string {
  return content.replace(MARKUP, (match, _group: string | undefined, name: string | undefined) => {
    if (match === '@@') return '@';
    return name !== undefined && name in values ? values[name as BloomName] : match;
  });
}

/** Which maintainer script a template file is for, if any. */
export function bloomScript(entry: string): MaintainerScript | undefined {
  if (!entry.endsWith(BLOOM_SUFFIX)) return undefined;
  const script = entry.slice(0, -BLOOM_SUFFIX.length);
  return (MAINTAINER_SCRIPTS as readonly string[]).includes(script) ? (script as MaintainerScript) : undefined;
}

/**
 * The maintainer-script templates of `templates/` (bloom's other templates there, such as
 * control.em or rules.em, are reported: debforge writes those files itself).
 */
export async function scanBloomFolder(dir: string, problems: ProblemList): Promise<Fragment[]> {
  let names: string[];
  try {
    names = (await fs.readdir(path.join(dir, 'templates'))).sort();
  } catch {
    return [];
  }
  const fragments: Fragment[] = [];
  const ignored: string[] = [];
  for (const entry of names) {
    const file = `templates/${entry}`;
    const script = bloomScript(entry);
    if (!script) {
      ignored.push(printable(entry));
      continue;
    }
    const stat = await fs.lstat(path.join(dir, file));
    if (!stat.isFile()) {
      problems.error(file, 'maintainer-script template must be a regular file');
      continue;
    }
    let content: string;
    try {
      content = await fs.readFile(path.join(dir, file), 'utf8');
    } catch (error) {
      problems.error(file, `cannot read file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: fix its permissions`);
      continue;
    }
    if (checkBloomTemplate(content, file, problems)) fragments.push({ script, file, content, bloom: true });
  }
  if (ignored.length > 0) {
    problems.warn('templates', `not read: ${ignored.join(', ')}; only ${MAINTAINER_SCRIPTS.map((s) => `${s}${BLOOM_SUFFIX}`).join(', ')} are used (debforge writes control, rules and changelog itself)`);
  }
  return fragments;
}
