import { createRequire } from 'node:module';
import path from 'node:path';
import { fail, printable } from '../errors.js';

/**
 * At most this many values once every alias is expanded: rosdistro's own rule files hold about
 * 100 000 and use a few aliases (`python3-chainer-pip: *migrate_...`), while a few hundred bytes
 * of nested aliases stand for billions of values to whatever walks the result.
 */
const MAX_EXPANDED_YAML_VALUES = 4_000_000;

function lineOfKey(text: string, key: string): number | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`^(['"]?)${escaped}\\1[ \\t]*:`, 'm').exec(text);
  return at === null ? undefined : text.slice(0, at.index).split('\n').length;
}

/**
 * Parses a YAML file of rosdep or rosdistro data. Aliases are accepted, as rosdistro uses them,
 * but the document they stand for is bounded: js-yaml hands an alias the anchor's own object, so
 * the values are counted once per object (memoized), as a walk of the expanded tree would see them.
 */
/** A YAML mapping as js-yaml gives it: an object, neither null nor an array. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function loadBoundedYaml(text: string, displayName: string): unknown {
  // require, not import: js-yaml's ESM build costs ~40 ms to load, its CommonJS build ~8 ms.
  const { load } = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
  let document: unknown;
  try {
    document = load(text, { filename: path.basename(displayName) });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    fail(displayName, `invalid YAML: ${printable(reason)}`, mark?.line === undefined ? undefined : mark.line + 1);
  }
  const sizes = new Map<object, number>();
  const size = (value: unknown): number => {
    if (typeof value !== 'object' || value === null) return 1;
    const known = sizes.get(value);
    if (known !== undefined) {
      if (Number.isNaN(known)) fail(displayName, 'invalid YAML: an alias (*name) refers to a value that contains it');
      return known;
    }
    sizes.set(value, Number.NaN);
    let total = 1;
    for (const child of Object.values(value)) total += size(child);
    sizes.set(value, total);
    return total;
  };
  const entries: [string, unknown][] = isMapping(document) ? Object.entries(document) : [['', document]];
  let total = 0;
  for (const [key, value] of entries) {
    total += size(value);
    if (total > MAX_EXPANDED_YAML_VALUES) {
      const where = key === '' ? '' : ` (at key "${printable(key.slice(0, 80))}")`;
      fail(displayName, `YAML aliases (*name) expand to more than ${MAX_EXPANDED_YAML_VALUES} values${where}: write the rules out`, key === '' ? undefined : lineOfKey(text, key));
    }
  }
  return document;
}
