/**
 * Which files of a catkin folder the install rules may render: resolve evaluates the rules per
 * profile, but reads nothing, so load reads beforehand every file a profile could render (see
 * renderedByRules). The rules are read as written, with `${VARIABLE}` standing for any text.
 */
import path from 'node:path';
import { UNIT_SUFFIXES } from '../units.js';
import type { CMakeArgument, CMakeCommand } from './tokenize.js';
import type { FolderEntry } from './index.js';

/** What ends the list of files in install(FILES|PROGRAMS ...) and catkin_install_python(). */
const FILE_LIST_END = new Set(['DESTINATION', 'PERMISSIONS', 'RENAME', 'OPTIONAL', 'COMPONENT', 'CONFIGURATIONS', 'EXCLUDE_FROM_ALL', 'TYPE']);

/** Any base name at all. */
const ANY = /^/;

/**
 * The source and build folders (resolve/install-rules/context.ts): never a list, unless a set()
 * makes one of them one.
 */
const FOLDER_VARIABLES = ['PROJECT_SOURCE_DIR', 'CMAKE_CURRENT_SOURCE_DIR', 'CMAKE_SOURCE_DIR', 'CMAKE_CURRENT_LIST_DIR', 'PROJECT_BINARY_DIR', 'CMAKE_CURRENT_BINARY_DIR', 'CMAKE_BINARY_DIR'];

/**
 * The regular files of `inventory` whose text a profile's evaluation of `commands` may render: a
 * file named like a unit (`x.service`, `x.service.in`: any install may put it into a unit folder),
 * a configure_file() input, a catkin_install_python() program (its shebang is rewritten), and a
 * file install() renames to a unit name. Matched by base name, an over-estimate that never misses
 * one: the folder a rule names a file in is left aside.
 */
export function renderedByRules(commands: readonly CMakeCommand[], inventory: readonly FolderEntry[]): FolderEntry[] {
  const reset = new Set(commands.filter((c) => c.name === 'set').map((c) => c.args[0]?.text));
  const single = new Set(FOLDER_VARIABLES.filter((name) => !reset.has(name)));
  const named = (arg: CMakeArgument): RegExp[] => namePatterns(arg, single);
  const patterns: RegExp[] = [];
  for (const command of commands) {
    if (command.name === 'configure_file' && command.args[0] !== undefined) patterns.push(...named(command.args[0]));
    if (command.name === 'catkin_install_python') patterns.push(...fileList(command.args).flatMap(named));
    if (command.name === 'install' && renamesToUnit(command.args)) patterns.push(...fileList(command.args).flatMap(named));
  }
  const unitName = (name: string): boolean => UNIT_SUFFIXES.some((suffix) => name.endsWith(suffix) || name.endsWith(`${suffix}.in`));
  return inventory.filter((entry) => {
    if (entry.kind !== 'file') return false;
    const name = path.posix.basename(entry.file);
    return unitName(name) || patterns.some((pattern) => pattern.test(name));
  });
}

/** The files a command lists after its mode word (FILES, PROGRAMS), up to its first keyword. */
function fileList(args: readonly CMakeArgument[]): CMakeArgument[] {
  const list: CMakeArgument[] = [];
  for (const arg of args.slice(1)) {
    if (arg.kind === 'unquoted' && FILE_LIST_END.has(arg.text)) break;
    list.push(arg);
  }
  return list;
}

/** install(... RENAME name) where the name is a unit's, or a variable may make it one. */
function renamesToUnit(args: readonly CMakeArgument[]): boolean {
  const at = args.findIndex((arg) => arg.kind === 'unquoted' && arg.text === 'RENAME');
  const name = at < 0 ? undefined : args[at + 1];
  if (name === undefined) return false;
  return name.text.includes('${') || UNIT_SUFFIXES.some((suffix) => name.text.endsWith(suffix));
}

/**
 * What the base name of a file an argument names may be. Unquoted, it is a `;`-separated list,
 * and a variable in it may hold a whole list, naming any file: only the `single` variables (the
 * source and build folders) never do. A variable may hold a `/`, so only what follows the last
 * variable is sure to end the name.
 */
function namePatterns(arg: CMakeArgument, single: ReadonlySet<string>): RegExp[] {
  if (arg.kind === 'bracket') return [baseNamePattern(arg.text)];
  if (arg.kind === 'quoted') return [baseNamePattern(arg.text.replace(/\\;/g, ';'))];
  if (arg.text.includes('${') && !variableNames(arg.text).every((name) => single.has(name))) return [ANY];
  return arg.text
    .split(/(?<!\\);/)
    .filter((item) => item !== '')
    .map((item) => baseNamePattern(item.replace(/\\;/g, ';')));
}

/** The names of the outermost variables of `text` (`${a_${b}}` gives `a_${b}`). */
function variableNames(text: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      if (depth === 0) start = i + 2;
      depth++;
      i++;
    } else if (text[i] === '}' && depth > 0 && --depth === 0) {
      names.push(text.slice(start, i));
    }
  }
  return names;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The base name of `text` (a path, `${...}` any text): exact without a variable in it. */
function baseNamePattern(text: string): RegExp {
  const parts = splitVariables(text.replace(/\/+$/, ''));
  const literal = parts.length === 1 ? parts[0]! : undefined;
  if (literal !== undefined) {
    const name = path.posix.basename(literal);
    return name === '' || name === '.' || name === '..' ? ANY : new RegExp(`^${escape(name)}$`);
  }
  // Text after the last variable, up to its last `/`, is sure to end the name; before it, anything.
  const last = parts[parts.length - 1]!;
  if (last.includes('/')) return baseNamePattern(last);
  return new RegExp(`${escape(last)}$`);
}

/** `a${X}b${Y}c` -> ['a', 'b', 'c']: the literal parts between (possibly nested) variables. */
function splitVariables(text: string): string[] {
  const parts = [''];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      if (depth === 0) parts.push('');
      depth++;
      i++;
    } else if (text[i] === '}' && depth > 0) {
      depth--;
    } else if (depth === 0) {
      parts[parts.length - 1] += text[i];
    }
  }
  return parts;
}
