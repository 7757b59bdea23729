import { createRequire } from 'node:module';
import type { Event, ScalarEvent } from 'js-yaml';
import { fail, printable } from '../errors.js';
import { lineOf, lineStartOffsets } from '../load/xml.js';

/**
 * One YAML document as a tree whose every node knows its line, so a mistake in the project config
 * is reported at `file:line`. Only what a configuration needs is accepted: mappings with plain
 * keys, sequences and scalars. Anchors, aliases and tags are refused (a config gains nothing from
 * them, and aliases are how a few bytes of YAML expand into gigabytes).
 */
export type YamlNode = YamlScalar | YamlSequence | YamlMapping;

interface YamlScalar {
  kind: 'scalar';
  /** The value as written (quotes and escapes decoded); `''` for an empty value. */
  text: string;
  /** Unquoted (plain) scalars are the ones YAML reads as null, booleans and numbers. */
  plain: boolean;
  line: number;
}

interface YamlSequence {
  kind: 'sequence';
  items: YamlNode[];
  line: number;
}

interface YamlEntry {
  key: string;
  keyLine: number;
  value: YamlNode;
}

export interface YamlMapping {
  kind: 'mapping';
  entries: YamlEntry[];
  line: number;
}

/** A configuration nests a few levels; anything deeper is not one. */
const MAX_DEPTH = 16;

// js-yaml's event codes (EVENT_ID), as numbers: the type-only import above loads nothing.
const DOCUMENT = 1;
const SEQUENCE = 2;
const MAPPING = 3;
const SCALAR = 4;
const ALIAS = 5;
const POP = 6;

/**
 * Parses `text` (one YAML document) into a positioned tree; undefined for a document with no
 * content (empty, or only comments). Every problem is a DebforgeError at `file:line`.
 */
export function parseYamlDocument(text: string, file: string): YamlNode | undefined {
  // require, not import: js-yaml's ESM build costs ~40 ms to load, its CommonJS build ~8 ms.
  const yaml = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
  let events: Event[];
  try {
    events = yaml.parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    fail(file, `is not valid YAML (${printable(reason)}): fix the syntax there`, mark?.line !== undefined ? mark.line + 1 : undefined);
  }
  const starts = lineStartOffsets(text);
  const lineAt = (offset: number): number => lineOf(offset, starts);
  if (events.filter((event) => event.type === DOCUMENT).length > 1) {
    fail(file, 'holds more than one YAML document (a second ---): keep the whole configuration in one', undefined);
  }
  let position = 0;
  let lastLine = 1;
  const next = (): Event => events[position++]!;

  const refuseDecorations = (event: { anchorStart: number; anchorEnd: number; tagStart: number; tagEnd: number }): void => {
    if (event.anchorStart >= 0) fail(file, `anchor "&${printable(text.slice(event.anchorStart, event.anchorEnd))}" is not allowed in the configuration: write the value out where it is used`, lineAt(event.anchorStart));
    if (event.tagStart >= 0) fail(file, `tag "${printable(text.slice(event.tagStart, event.tagEnd))}" is not allowed in the configuration: write the value without it (quote it to make it a string)`, lineAt(event.tagStart));
  };

  const scalar = (event: ScalarEvent): YamlScalar => {
    refuseDecorations(event);
    const line = event.valueStart >= 0 ? lineAt(event.valueStart) : lastLine;
    lastLine = line;
    return { kind: 'scalar', text: yaml.getScalarValue(text, event), plain: event.style === 1, line };
  };

  const node = (): YamlNode => {
    const event = next();
    switch (event.type) {
      case SCALAR:
        return scalar(event);
      case ALIAS:
        return fail(file, `alias "*${printable(text.slice(event.anchorStart, event.anchorEnd))}" is not allowed in the configuration: write the value out where it is used`, lineAt(event.anchorStart));
      case SEQUENCE: {
        refuseDecorations(event);
        const line = lineAt(event.start);
        lastLine = line;
        const items: YamlNode[] = [];
        while (events[position]?.type !== POP) items.push(node());
        position++;
        return { kind: 'sequence', items, line };
      }
      case MAPPING: {
        refuseDecorations(event);
        const line = lineAt(event.start);
        lastLine = line;
        const entries: YamlEntry[] = [];
        const seen = new Map<string, number>();
        while (events[position]?.type !== POP) {
          const keyEvent = events[position];
          if (keyEvent?.type !== SCALAR) {
            const where = keyEvent !== undefined && 'start' in keyEvent ? lineAt(keyEvent.start) : lastLine;
            fail(file, 'a key must be a plain name, not a list or a mapping', where);
          }
          position++;
          const key = scalar(keyEvent);
          const first = seen.get(key.text);
          if (first !== undefined) fail(file, `"${printable(key.text)}" appears twice in one mapping (first at line ${first}): keep one`, key.line);
          seen.set(key.text, key.line);
          entries.push({ key: key.text, keyLine: key.line, value: node() });
        }
        position++;
        return { kind: 'mapping', entries, line };
      }
      default:
        return fail(file, 'is not a YAML document debforge can read', lastLine);
    }
  };

  if (events[position]?.type !== DOCUMENT) return undefined;
  position++;
  // An empty document is one empty plain scalar; a comment-only file has no events at all.
  const root = node();
  if (root.kind === 'scalar' && root.plain && root.text === '') return undefined;
  return root;
}
