import path from 'node:path';
import { printable, type ProblemList } from '../errors.js';
import type { CatkinRules, CMakeArgument, CMakeCommand, FolderEntry } from '../load/cmake/index.js';
import { displayPath } from '../load/index.js';
import { UNIT_NAME, UNIT_SUFFIXES } from '../load/scan.js';
import type { DaemonSource, PayloadFile, UnitScope, UnitSource } from '../load/types.js';
import type { Profile } from './profiles.js';

/**
 * catkin install rules, read and not run: the CMakeLists.txt commands that place payload
 * (install, catkin_install_python, configure_file, set) evaluated for one profile. The source
 * and build folders are stand-ins that no real path can start with (a control character, which
 * no accepted file name holds), so a rule can name only files of the daemon folder.
 */
const SOURCE_ROOT = '\u0001source';
const BINARY_ROOT = '\u0001binary';
const SOURCE_VARIABLES = ['PROJECT_SOURCE_DIR', 'CMAKE_CURRENT_SOURCE_DIR', 'CMAKE_SOURCE_DIR', 'CMAKE_CURRENT_LIST_DIR'];
const BINARY_VARIABLES = ['PROJECT_BINARY_DIR', 'CMAKE_CURRENT_BINARY_DIR', 'CMAKE_BINARY_DIR'];

/** Where systemd looks for units: a unit installed into one becomes one of the package's units. */
const UNIT_DIRECTORIES: Record<string, UnitScope> = {
  '/etc/systemd/system': 'system',
  '/lib/systemd/system': 'system',
  '/usr/lib/systemd/system': 'system',
  '/etc/systemd/user': 'user',
  '/usr/lib/systemd/user': 'user',
  '/lib/systemd/user': 'user',
};

/** What the daemon-folder contract covers besides install rules: never reported as left out. */
const CONTRACT = [/^package\.xml$/, /^CMakeLists\.txt$/, /^rosdep\.yaml$/, /^files\//, /^debian\//, /^templates\/[^/]+\.em$/, /(^|\/)\./, /^(README|LICENSE|COPYING|CHANGELOG|CONTRIBUTING)[^/]*$/i];

export interface InstalledByRules {
  payload: PayloadFile[];
  /** Units the rules install into a systemd unit folder that etc/ does not already hold. */
  units: UnitSource[];
  /** Plain variables from set(), for configure_file templates. */
  variables: Map<string, string>;
}

interface ConfiguredFile {
  input: FolderEntry;
  /** False for COPYONLY: copied without substitution. */
  substitute: boolean;
}

/** A rule's install of one source: a file of the folder, or a configure_file output. */
interface Installed {
  target: string;
  entry: FolderEntry;
  template: boolean;
  executable: boolean;
  kind: 'file' | 'directory';
  rewriteShebang?: boolean;
  line: number;
  /** The line of the install command. */
  rule: number;
}

export function evaluateInstallRules(source: DaemonSource, rules: CatkinRules, profile: Profile, templateVariables: ReadonlyMap<string, string>, problems: ProblemList): InstalledByRules {
  const file = displayPath(source.dir, rules.file);
  const inventory = new Map(rules.inventory.map((entry) => [entry.file, entry]));
  const variables = new Map(templateVariables);
  for (const name of SOURCE_VARIABLES) variables.set(name, SOURCE_ROOT);
  for (const name of BINARY_VARIABLES) variables.set(name, BINARY_ROOT);
  const plain = new Map<string, string>();
  const configured = new Map<string, ConfiguredFile>();
  const installed: Installed[] = [];
  const unitNotes: { line: number; names: string[]; from: string }[] = [];
  const error = (message: string, line: number): void => problems.error(file, message, line);

  /**
   * `${NAME}` expanded innermost first (`${a_${b}}`), as CMake does, and once: a value is never
   * expanded again. An unknown name is an error, not an empty string.
   */
  const expand = (arg: CMakeArgument): string[] | undefined => {
    if (arg.kind === 'bracket') return [arg.text];
    // One buffer per open `${`; a closing `}` looks the innermost name up into the one below.
    const buffers = [''];
    const source = arg.text;
    for (let i = 0; i < source.length; i++) {
      if (source[i] === '$' && source[i + 1] === '{') {
        buffers.push('');
        i++;
      } else if (source[i] === '}' && buffers.length > 1) {
        const name = buffers.pop()!;
        const value = variables.get(name);
        if (value === undefined) {
          error(`\${${printable(name)}} is not set: debforge knows set() variables, PROJECT_NAME, the CATKIN_*_DESTINATION folders, CMAKE_INSTALL_PREFIX and the project's source and binary folders`, arg.line);
          return undefined;
        }
        buffers[buffers.length - 1] += value;
      } else {
        buffers[buffers.length - 1] += source[i];
      }
    }
    if (buffers.length > 1) {
      error(`"\${" is never closed with "}"`, arg.line);
      return undefined;
    }
    const text = buffers[0]!;
    if (arg.kind === 'quoted') return [text.replace(/\\;/g, ';')];
    return text
      .split(/(?<!\\);/)
      .map((item) => item.replace(/\\;/g, ';'))
      .filter((item) => item !== '');
  };
  const expandAll = (command: CMakeCommand): { text: string; line: number }[] | undefined => {
    const out: { text: string; line: number }[] = [];
    for (const arg of command.args) {
      const values = expand(arg);
      if (!values) return undefined;
      for (const text of values) out.push({ text, line: arg.line });
    }
    return out;
  };

  /** A source path: relative to the daemon folder, or under the source or binary stand-in. */
  const locate = (text: string, line: number, relativeTo: 'source' | 'binary'): { where: 'source' | 'binary'; relative: string } | undefined => {
    let where: 'source' | 'binary' = relativeTo;
    let rest = text;
    if (text.startsWith(SOURCE_ROOT)) {
      where = 'source';
      rest = text.slice(SOURCE_ROOT.length);
    } else if (text.startsWith(BINARY_ROOT)) {
      where = 'binary';
      rest = text.slice(BINARY_ROOT.length);
    } else if (text.startsWith('/')) {
      error(`"${printable(text)}" is outside the daemon folder: rules may install only the folder's own files`, line);
      return undefined;
    }
    const relative = path.posix.normalize(rest.replace(/^\/+/, '') || '.').replace(/\/$/, '');
    if (relative === '..' || relative.startsWith('../') || relative.includes('\u0001')) {
      error(`"${printable(text.replace(SOURCE_ROOT, '${PROJECT_SOURCE_DIR}').replace(BINARY_ROOT, '${PROJECT_BINARY_DIR}'))}" leads out of the daemon folder: rules may install only the folder's own files`, line);
      return undefined;
    }
    return { where, relative };
  };

  const destination = (text: string, line: number): string | undefined => {
    if (text.includes('\u0001')) {
      error('DESTINATION names the source or build folder: give an install folder (relative to the prefix, or absolute)', line);
      return undefined;
    }
    const absolute = text.startsWith('/') ? text : `${profile.installPrefix}/${text}`;
    return path.posix.normalize(absolute).replace(/\/+$/, '') || '/';
  };

  const fileSource = (text: string, line: number, optional: boolean): { entry: FolderEntry; template: boolean } | undefined => {
    const located = locate(text, line, 'source');
    if (!located) return undefined;
    if (located.where === 'binary') {
      const output = configured.get(located.relative);
      if (output) return { entry: output.input, template: output.substitute };
      if (!optional) error(`"\${PROJECT_BINARY_DIR}/${printable(located.relative)}" is produced by no configure_file() above this line: debforge builds nothing else`, line);
      return undefined;
    }
    const entry = inventory.get(located.relative);
    if (!entry) {
      if (!optional) error(`"${printable(located.relative)}" does not exist in the daemon folder`, line);
      return undefined;
    }
    if (entry.kind === 'symlink' || entry.kind === 'special') {
      error(`"${printable(located.relative)}" is a ${entry.kind === 'symlink' ? 'symlink' : 'special file'}: install rules here copy regular files; put a symlink under files/ instead`, line);
      return undefined;
    }
    if (!entry.readable) {
      error(`"${printable(located.relative)}" cannot be read: fix its permissions`, line);
      return undefined;
    }
    return { entry, template: false };
  };

  for (const command of rules.commands) {
    const args = expandAll(command);
    if (!args) continue;
    const words = args.map((a) => a.text);
    switch (command.name) {
      case 'project': {
        const name = words[0];
        if (name !== source.manifest.name) {
          error(`project(${printable(name ?? '')}) must name the package as package.xml does ("${source.manifest.name}"), as catkin requires`, command.line);
        }
        break;
      }
      case 'set': {
        const [name, ...values] = words;
        if (name === undefined) break;
        if (values.includes('CACHE') || values.includes('PARENT_SCOPE') || name.startsWith('ENV{')) {
          error(`set(${printable(name)} ...) with CACHE, PARENT_SCOPE or ENV{} depends on how CMake is run: set a plain variable`, command.line);
          break;
        }
        if (values.length === 0) {
          variables.delete(name);
          plain.delete(name);
        } else {
          variables.set(name, values.join(';'));
          plain.set(name, values.join(';'));
        }
        break;
      }
      case 'configure_file': {
        const [input, output, ...options] = args;
        if (!input || !output) {
          error('configure_file() needs an input and an output file', command.line);
          break;
        }
        const known = new Set(['@ONLY', 'COPYONLY', 'ESCAPE_QUOTES', 'NEWLINE_STYLE', 'LF', 'UNIX', 'NO_SOURCE_PERMISSIONS', 'USE_SOURCE_PERMISSIONS']);
        const unknown = options.find((o) => !known.has(o.text));
        if (unknown) {
          error(`configure_file() option "${printable(unknown.text)}" is not read by debforge: use @ONLY or COPYONLY`, unknown.line);
          break;
        }
        const copyOnly = options.some((o) => o.text === 'COPYONLY');
        if (!copyOnly && !options.some((o) => o.text === '@ONLY')) {
          error('configure_file() without @ONLY also replaces ${...}, shell syntax included, which debforge does not do: add @ONLY (or COPYONLY)', command.line);
          break;
        }
        const from = fileSource(input.text, input.line, false);
        const to = locate(output.text, output.line, 'binary');
        if (!from || !to) break;
        if (to.where !== 'binary') {
          error('configure_file() output must be in the build folder (a relative name or ${PROJECT_BINARY_DIR}/...): debforge writes nothing into the daemon folder', output.line);
          break;
        }
        configured.set(to.relative, { input: from.entry, substitute: from.template || !copyOnly });
        break;
      }
      case 'install':
      case 'catkin_install_python': {
        const mode = (words[0] ?? '').toUpperCase();
        if (command.name === 'catkin_install_python' && mode !== 'PROGRAMS') {
          error('catkin_install_python() takes PROGRAMS files... DESTINATION folder', command.line);
          break;
        }
        if (mode === 'FILES' || mode === 'PROGRAMS') {
          installFiles(args.slice(1), mode, command);
        } else if (mode === 'DIRECTORY') {
          installDirectories(args.slice(1), command);
        } else {
          error(`install(${printable(words[0] ?? '')} ...) is not read by debforge: use install(FILES|PROGRAMS|DIRECTORY ... DESTINATION ...)`, command.line);
        }
        break;
      }
    }
  }

  function installFiles(args: { text: string; line: number }[], mode: 'FILES' | 'PROGRAMS', command: CMakeCommand): void {
    const KEYWORDS = new Set(['DESTINATION', 'PERMISSIONS', 'RENAME', 'OPTIONAL', 'COMPONENT', 'CONFIGURATIONS', 'EXCLUDE_FROM_ALL', 'TYPE']);
    const sources: { text: string; line: number }[] = [];
    let index = 0;
    while (index < args.length && !KEYWORDS.has(args[index]!.text)) sources.push(args[index++]!);
    let dest: string | undefined;
    let rename: string | undefined;
    let permissions: string[] | undefined;
    let optional = false;
    while (index < args.length) {
      const keyword = args[index++]!;
      const value = (): { text: string; line: number } | undefined => args[index++];
      switch (keyword.text) {
        case 'DESTINATION': {
          const given = value();
          dest = given === undefined ? undefined : destination(given.text, given.line);
          if (given === undefined) error('DESTINATION needs a folder', keyword.line);
          break;
        }
        case 'RENAME':
          rename = value()?.text;
          break;
        case 'COMPONENT':
          value();
          break;
        case 'OPTIONAL':
          optional = true;
          break;
        case 'EXCLUDE_FROM_ALL':
          break;
        case 'PERMISSIONS':
          permissions = [];
          while (index < args.length && /^(OWNER|GROUP|WORLD)_(READ|WRITE|EXECUTE)$|^SET[UG]ID$/.test(args[index]!.text)) permissions.push(args[index++]!.text);
          break;
        default:
          error(`${keyword.text} is not read by debforge in install(${mode}): give DESTINATION, and optionally RENAME, PERMISSIONS, OPTIONAL`, keyword.line);
          return;
      }
    }
    if (dest === undefined) {
      if (!args.some((a) => a.text === 'DESTINATION')) error(`install(${mode} ...) needs a DESTINATION`, command.line);
      return;
    }
    if (rename !== undefined && (sources.length !== 1 || rename.includes('/'))) {
      error('RENAME takes a file name and applies to one file only', command.line);
      return;
    }
    if (permissions?.some((p) => p.startsWith('SET'))) {
      error('SETUID and SETGID are not packaged: debforge installs payload 0755 or 0644', command.line);
      return;
    }
    const executable = permissions ? permissions.some((p) => p.endsWith('_EXECUTE')) : mode === 'PROGRAMS';
    for (const given of sources) {
      const found = fileSource(given.text, given.line, optional);
      if (!found) continue;
      if (found.entry.kind === 'directory') {
        error(`"${printable(found.entry.file)}" is a folder: install it with install(DIRECTORY ...)`, given.line);
        continue;
      }
      const located = locate(given.text, given.line, 'source')!;
      const name = rename ?? path.posix.basename(located.relative);
      installed.push({
        target: `${dest === '/' ? '' : dest}/${name}`,
        entry: found.entry,
        template: found.template,
        executable,
        kind: 'file',
        ...(command.name === 'catkin_install_python' ? { rewriteShebang: true } : {}),
        line: given.line,
        rule: command.line,
      });
    }
  }

  function installDirectories(args: { text: string; line: number }[], command: CMakeCommand): void {
    const KEYWORDS = new Set(['DESTINATION', 'USE_SOURCE_PERMISSIONS', 'FILE_PERMISSIONS', 'DIRECTORY_PERMISSIONS', 'OPTIONAL', 'MESSAGE_NEVER', 'COMPONENT', 'CONFIGURATIONS', 'EXCLUDE_FROM_ALL', 'FILES_MATCHING', 'PATTERN', 'REGEX', 'TYPE']);
    const sources: { text: string; line: number }[] = [];
    let index = 0;
    while (index < args.length && !KEYWORDS.has(args[index]!.text)) sources.push(args[index++]!);
    let dest: string | undefined;
    let sourcePermissions = false;
    let filePermissions: string[] | undefined;
    let filesMatching = false;
    let optional = false;
    const patterns: { regex: RegExp; exclude: boolean; executable?: boolean }[] = [];
    const permissionList = (): string[] => {
      const list: string[] = [];
      while (index < args.length && /^(OWNER|GROUP|WORLD)_(READ|WRITE|EXECUTE)$|^SET[UG]ID$/.test(args[index]!.text)) list.push(args[index++]!.text);
      return list;
    };
    while (index < args.length) {
      const keyword = args[index++]!;
      switch (keyword.text) {
        case 'DESTINATION': {
          const given = args[index++];
          if (given === undefined) error('DESTINATION needs a folder', keyword.line);
          else dest = destination(given.text, given.line);
          break;
        }
        case 'USE_SOURCE_PERMISSIONS':
          sourcePermissions = true;
          break;
        case 'FILE_PERMISSIONS':
          filePermissions = permissionList();
          break;
        case 'DIRECTORY_PERMISSIONS':
          permissionList();
          break;
        case 'OPTIONAL':
          optional = true;
          break;
        case 'MESSAGE_NEVER':
        case 'EXCLUDE_FROM_ALL':
          break;
        case 'COMPONENT':
          index++;
          break;
        case 'FILES_MATCHING':
          filesMatching = true;
          break;
        case 'PATTERN': {
          const glob = args[index++];
          if (glob === undefined) {
            error('PATTERN needs a pattern', keyword.line);
            return;
          }
          const pattern: { regex: RegExp; exclude: boolean; executable?: boolean } = { regex: globRegex(glob.text), exclude: false };
          while (index < args.length && (args[index]!.text === 'EXCLUDE' || args[index]!.text === 'PERMISSIONS')) {
            if (args[index++]!.text === 'EXCLUDE') pattern.exclude = true;
            else pattern.executable = permissionList().some((p) => p.endsWith('_EXECUTE'));
          }
          patterns.push(pattern);
          break;
        }
        default:
          error(`${keyword.text} is not read by debforge in install(DIRECTORY): use DESTINATION, USE_SOURCE_PERMISSIONS, FILE_PERMISSIONS, FILES_MATCHING and PATTERN [EXCLUDE]`, keyword.line);
          return;
      }
    }
    if (dest === undefined) {
      if (!args.some((a) => a.text === 'DESTINATION')) error('install(DIRECTORY ...) needs a DESTINATION', command.line);
      return;
    }
    for (const given of sources) {
      const located = locate(given.text, given.line, 'source');
      if (!located) continue;
      if (located.where === 'binary') {
        error('install(DIRECTORY) of the build folder: debforge builds nothing there but configure_file() outputs; install those with install(FILES ...)', given.line);
        continue;
      }
      const root = inventory.get(located.relative);
      if (!root || root.kind !== 'directory') {
        if (!optional) error(`"${printable(located.relative)}" is not a folder of the daemon folder`, given.line);
        continue;
      }
      // "dir/" installs the folder's contents; "dir" installs the folder itself.
      const base: string = given.text.endsWith('/') ? dest : `${dest === '/' ? '' : dest}/${path.posix.basename(located.relative)}`;
      const within = (entry: FolderEntry): string => entry.file.slice(located.relative.length + 1);
      const excluded: string[] = [];
      const chosen: Installed[] = [];
      for (const entry of rules.inventory) {
        if (!entry.file.startsWith(`${located.relative}/`)) continue;
        const relative = within(entry);
        if (excluded.some((prefix) => relative.startsWith(`${prefix}/`))) continue;
        const matching = patterns.filter((p) => p.regex.test(`/${relative}`));
        if (matching.some((p) => p.exclude)) {
          if (entry.kind === 'directory') excluded.push(relative);
          continue;
        }
        if (entry.kind === 'directory') {
          chosen.push({ target: `${base}/${relative}`, entry, template: false, executable: true, kind: 'directory', line: given.line, rule: command.line });
          continue;
        }
        if (filesMatching && matching.length === 0) continue;
        if (entry.kind === 'symlink' || entry.kind === 'special' || !entry.readable) {
          fileSource(entry.file, given.line, false);
          continue;
        }
        const patternMode = matching.find((p) => p.executable !== undefined)?.executable;
        const executable = patternMode ?? (filePermissions ? filePermissions.some((p) => p.endsWith('_EXECUTE')) : sourcePermissions ? entry.executable : false);
        chosen.push({ target: `${base}/${relative}`, entry, template: false, executable, kind: 'file', line: given.line, rule: command.line });
      }
      // With FILES_MATCHING, only folders that end up holding something are packaged.
      const files = chosen.filter((c) => c.kind === 'file');
      const kept = filesMatching ? chosen.filter((c) => c.kind === 'file' || files.some((f) => f.target.startsWith(`${c.target}/`))) : chosen;
      if (base !== dest || kept.length > 0) installed.push({ target: base, entry: root, template: false, executable: true, kind: 'directory', line: given.line, rule: command.line });
      installed.push(...kept);
    }
  }

  // Units: a rule that installs a unit into a systemd folder installs one of the package's units.
  const units: UnitSource[] = [];
  const payload: PayloadFile[] = [];
  const seen = new Map<string, number>(source.payload.map((p) => [p.target, 0]));
  for (const item of installed) {
    const folder = path.posix.dirname(item.target);
    const name = path.posix.basename(item.target);
    const scope = UNIT_DIRECTORIES[folder];
    if (scope && item.kind === 'file' && UNIT_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
      if (!UNIT_NAME.test(name)) {
        error(`"${printable(name)}" is not a unit name systemd accepts`, item.line);
        continue;
      }
      const existing = source.units.find((u) => u.name === name);
      const sameFile = source.units.find((u) => u.file === item.entry.file);
      if (sameFile && sameFile.name !== name) {
        error(`installs ${item.entry.file} as unit ${name}, but a unit in etc/ is named by its file (${sameFile.name}): rename the file to ${name}${sameFile.template ? '.in' : ''}`, item.line);
        continue;
      }
      if (existing && existing.file !== item.entry.file) {
        error(`unit ${name} comes from ${item.entry.file} here and from ${existing.file}: keep one`, item.line);
        continue;
      }
      if (!existing && !units.some((u) => u.name === name)) {
        units.push({ name, file: item.entry.file, absolutePath: item.entry.absolutePath, scope, template: item.template });
      }
      const note = unitNotes.find((n) => n.line === item.rule && n.from === folder);
      if (note) note.names.push(name);
      else unitNotes.push({ line: item.rule, names: [name], from: folder });
      continue;
    }
    if (item.kind === 'directory') {
      if (!seen.has(item.target) && !payload.some((p) => p.target === item.target)) {
        payload.push({ kind: 'directory', target: item.target, file: item.entry.file, absolutePath: item.entry.absolutePath, executable: true, template: false, size: 0 });
      }
      continue;
    }
    const previous = seen.get(item.target);
    if (previous !== undefined) {
      error(`installs ${item.target}, which ${previous === 0 ? 'files/ also installs' : `line ${previous} also installs`}: keep one`, item.line);
      continue;
    }
    seen.set(item.target, item.line);
    payload.push({
      kind: 'file',
      target: item.target,
      file: item.entry.file,
      absolutePath: item.entry.absolutePath,
      executable: item.executable,
      template: item.template,
      size: item.entry.size,
      ...(item.entry.elf ? { elf: item.entry.elf } : {}),
      ...(item.rewriteShebang ? { pythonShebang: '/usr/bin/python3' } : {}),
    });
  }
  for (const note of unitNotes) {
    const where = note.names.map((n) => (units.find((u) => u.name === n)?.scope ?? source.units.find((u) => u.name === n)?.scope) === 'user' ? profile.userUnitDir : profile.systemUnitDir);
    problems.note(
      file,
      `${note.names.join(', ')}: installed to ${[...new Set(where)].join(' and ')} (where packages put units; ${note.from} is the admin's), enabled, started and stopped by the generated maintainer scripts`,
      note.line,
    );
  }

  // Nothing silently dropped: every file no rule installs, outside the daemon-folder contract.
  const used = new Set<string>([...installed.map((i) => i.entry.file), ...source.units.map((u) => u.file)]);
  const rosdep = source.manifest.debforge.rosdep;
  const left = rules.inventory
    .filter((entry) => entry.kind !== 'directory' && !used.has(entry.file) && entry.file !== rosdep && !CONTRACT.some((pattern) => pattern.test(entry.file)))
    .map((entry) => printable(entry.file));
  if (left.length > 0) {
    problems.warn(file, `${left.length === 1 ? 'this file is' : `${left.length} files are`} in no install rule and not part of the daemon folder, so not packaged: ${left.join(', ')}; install ${left.length === 1 ? 'it' : 'them'} with install(...) or remove ${left.length === 1 ? 'it' : 'them'}`);
  }

  for (const [name, value] of plain) if (value.includes('\u0001')) plain.delete(name);
  return { payload, units, variables: plain };
}

/** CMake's PATTERN: a glob matched against the end of the path, whole names only. */
function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`/${out}$`);
}
