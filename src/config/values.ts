import { printable, type ProblemList } from '../errors.js';
import { nearestKeys } from '../nearest.js';
import type { YamlMapping, YamlNode } from './yaml.js';

/**
 * Typed readers over the positioned YAML tree: each returns the value, or undefined after adding
 * one problem at the node's line that says what is wrong and what to write instead.
 */
export class ConfigReader {
  constructor(
    readonly file: string,
    readonly problems: ProblemList,
  ) {}

  error(message: string, line: number): undefined {
    this.problems.error(this.file, message, line);
    return undefined;
  }

  /** A mapping whose keys are all among `known` (any, without it); an unknown key names the nearest known one. */
  mapping(node: YamlNode, what: string, known?: readonly string[]): YamlMapping | undefined {
    if (node.kind !== 'mapping') return this.error(`${what} must be a mapping of keys to values (key: value lines, indented under it), not ${describe(node)}`, node.line);
    for (const entry of node.entries) {
      if (known === undefined || known.includes(entry.key)) continue;
      const nearest = nearestKeys(entry.key, known, 1);
      const hint = nearest.length > 0 ? `did you mean "${nearest[0]}"?` : `the keys of ${what} are ${known.join(', ')}`;
      this.error(`unknown key "${printable(entry.key)}" in ${what}; ${hint} (see docs/config.md)`, entry.keyLine);
    }
    return node;
  }

  /** A non-empty string; `true`, `false` and an empty value are not one. */
  string(node: YamlNode, what: string): string | undefined {
    if (node.kind !== 'scalar') return this.error(`${what} must be a single value, not ${describe(node)}`, node.line);
    if (node.plain && isNull(node.text)) return this.error(`${what} is empty; give a value or remove the line`, node.line);
    if (node.plain && isBoolean(node.text)) return this.error(`${what} must be text, not the boolean ${node.text}; quote it if you mean the word`, node.line);
    if (node.text.trim() === '') return this.error(`${what} is empty; give a value or remove the line`, node.line);
    return node.text;
  }

  /** One value or a list of them (`profiles: humble` or `profiles: [humble, jazzy]`), at least one, each with its line. */
  stringList(node: YamlNode, what: string): { value: string; line: number }[] | undefined {
    if (node.kind === 'mapping') return this.error(`${what} must be a value or a list of values ([a, b]), not ${describe(node)}`, node.line);
    const items = node.kind === 'scalar' ? [node] : node.items;
    if (items.length === 0) return this.error(`${what} is an empty list; name at least one or remove the line`, node.line);
    const values: { value: string; line: number }[] = [];
    for (const item of items) {
      const value = this.string(item, node.kind === 'scalar' ? what : `each of ${what}`);
      if (value !== undefined) values.push({ value, line: item.line });
    }
    return values.length === items.length ? values : undefined;
  }

  /** A whole number from `min` to `max`, written as digits. */
  integer(node: YamlNode, what: string, min: number, max: number): number | undefined {
    const text = node.kind === 'scalar' && node.plain ? node.text : undefined;
    const value = text !== undefined && /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    const shown = node.kind === 'scalar' ? `"${printable(node.text)}"` : describe(node);
    return this.error(`${what} is ${shown}; it must be a whole number from ${min} to ${max}`, node.line);
  }
}

function describe(node: YamlNode): string {
  if (node.kind === 'mapping') return 'a mapping';
  if (node.kind === 'sequence') return 'a list';
  return `"${printable(node.text)}"`;
}

/** YAML 1.2 core schema: what a plain scalar reads as null or as a boolean. */
function isNull(text: string): boolean {
  return text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL';
}

function isBoolean(text: string): boolean {
  return /^(true|True|TRUE|false|False|FALSE)$/.test(text);
}
