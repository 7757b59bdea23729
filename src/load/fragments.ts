import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DebforgeError, type ProblemList } from '../errors.js';
import { BLOOM_SUFFIX, bloomScript, checkBloomTemplate } from './bloom.js';
import { listDirectory } from './folder.js';
import { MAX_FRAGMENT_BYTES, readInputFile } from './read-input.js';
import { MAINTAINER_SCRIPTS, type Fragment, type MaintainerScript } from './types.js';

const LINTIAN_OVERRIDES = 'lintian-overrides';

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

/** debian/: maintainer-script fragments, bloom templates of them, and lintian-overrides. */
export async function scanFragments(dir: string, problems: ProblemList): Promise<{ fragments: Fragment[]; overrides?: string }> {
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
