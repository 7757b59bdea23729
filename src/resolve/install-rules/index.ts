import path from 'node:path';
import { printable, type ProblemList } from '../../errors.js';
import type { CatkinRules } from '../../load/cmake/index.js';
import { displayPath } from '../../load/index.js';
import { UNIT_NAME, UNIT_SUFFIXES } from '../../load/units.js';
import type { DaemonSource, PayloadFile, UnitScope, UnitSource } from '../../load/types.js';
import type { Profile } from '../profiles.js';
import { RuleContext } from './context.js';
import { installDirectories } from './directories.js';
import { installFiles } from './files.js';

/**
 * catkin install rules, read and not run: the CMakeLists.txt commands that place payload
 * (install, catkin_install_python, configure_file, set) evaluated for one profile.
 */

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

interface InstalledByRules {
  payload: PayloadFile[];
  /** Units the rules install into a systemd unit folder that etc/ does not already hold. */
  units: UnitSource[];
  /** Plain variables from set(), for configure_file templates. */
  variables: Map<string, string>;
}

export function evaluateInstallRules(source: DaemonSource, rules: CatkinRules, profile: Profile, templateVariables: ReadonlyMap<string, string>, problems: ProblemList): InstalledByRules {
  const file = displayPath(source.dir, rules.file);
  const context = new RuleContext(file, rules.inventory, profile, templateVariables, problems);
  const { variables, plain, configured, installed } = context;
  const unitNotes: { line: number; names: string[]; from: string }[] = [];
  const error = (message: string, line: number): void => context.error(message, line);

  for (const command of rules.commands) {
    const args = context.expandAll(command);
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
        const from = context.fileSource(input.text, input.line, false);
        const to = context.locate(output.text, output.line, 'binary');
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
          installFiles(context, args.slice(1), mode, command);
        } else if (mode === 'DIRECTORY') {
          installDirectories(context, args.slice(1), command);
        } else {
          error(`install(${printable(words[0] ?? '')} ...) is not read by debforge: use install(FILES|PROGRAMS|DIRECTORY ... DESTINATION ...)`, command.line);
        }
        break;
      }
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
