import path from 'node:path';
import { printable, type ProblemList } from '../../errors.js';
import type { CMakeArgument, CMakeCommand, FolderEntry } from '../../load/cmake/index.js';
import type { Profile } from '../profiles.js';

/**
 * The source and build folders are stand-ins that no real path can start with (a control
 * character, which no accepted file name holds), so a rule can name only files of the daemon folder.
 */
const SOURCE_ROOT = '\u0001source';
const BINARY_ROOT = '\u0001binary';
const SOURCE_VARIABLES = ['PROJECT_SOURCE_DIR', 'CMAKE_CURRENT_SOURCE_DIR', 'CMAKE_SOURCE_DIR', 'CMAKE_CURRENT_LIST_DIR'];
const BINARY_VARIABLES = ['PROJECT_BINARY_DIR', 'CMAKE_CURRENT_BINARY_DIR', 'CMAKE_BINARY_DIR'];

/** One expanded argument of a command, with the line it was written on. */
export interface Argument {
  text: string;
  line: number;
}

interface ConfiguredFile {
  input: FolderEntry;
  /** False for COPYONLY: copied without substitution. */
  substitute: boolean;
}

/** A rule's install of one source: a file of the folder, or a configure_file output. */
export interface Installed {
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

/** What the rules read so far: variables, configure_file outputs, installs; and where to report. */
export class RuleContext {
  readonly variables: Map<string, string>;
  /** set() variables alone, for configure_file templates. */
  readonly plain = new Map<string, string>();
  readonly configured = new Map<string, ConfiguredFile>();
  readonly installed: Installed[] = [];
  readonly inventory: ReadonlyMap<string, FolderEntry>;

  constructor(
    readonly file: string,
    readonly entries: readonly FolderEntry[],
    readonly profile: Profile,
    templateVariables: ReadonlyMap<string, string>,
    private readonly problems: ProblemList,
  ) {
    this.inventory = new Map(entries.map((entry) => [entry.file, entry]));
    this.variables = new Map(templateVariables);
    for (const name of SOURCE_VARIABLES) this.variables.set(name, SOURCE_ROOT);
    for (const name of BINARY_VARIABLES) this.variables.set(name, BINARY_ROOT);
  }

  error(message: string, line: number): void {
    this.problems.error(this.file, message, line);
  }

  /**
   * `${NAME}` expanded innermost first (`${a_${b}}`), as CMake does, and once: a value is never
   * expanded again. An unknown name is an error, not an empty string.
   */
  expand(arg: CMakeArgument): string[] | undefined {
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
        const value = this.variables.get(name);
        if (value === undefined) {
          this.error(`\${${printable(name)}} is not set: debforge knows set() variables, PROJECT_NAME, the CATKIN_*_DESTINATION folders, CMAKE_INSTALL_PREFIX and the project's source and binary folders`, arg.line);
          return undefined;
        }
        buffers[buffers.length - 1] += value;
      } else {
        buffers[buffers.length - 1] += source[i];
      }
    }
    if (buffers.length > 1) {
      this.error(`"\${" is never closed with "}"`, arg.line);
      return undefined;
    }
    const text = buffers[0]!;
    if (arg.kind === 'quoted') return [text.replace(/\\;/g, ';')];
    return text
      .split(/(?<!\\);/)
      .map((item) => item.replace(/\\;/g, ';'))
      .filter((item) => item !== '');
  }

  expandAll(command: CMakeCommand): Argument[] | undefined {
    const out: Argument[] = [];
    for (const arg of command.args) {
      const values = this.expand(arg);
      if (!values) return undefined;
      for (const text of values) out.push({ text, line: arg.line });
    }
    return out;
  }

  /** A source path: relative to the daemon folder, or under the source or binary stand-in. */
  locate(text: string, line: number, relativeTo: 'source' | 'binary'): { where: 'source' | 'binary'; relative: string } | undefined {
    let where: 'source' | 'binary' = relativeTo;
    let rest = text;
    if (text.startsWith(SOURCE_ROOT)) {
      where = 'source';
      rest = text.slice(SOURCE_ROOT.length);
    } else if (text.startsWith(BINARY_ROOT)) {
      where = 'binary';
      rest = text.slice(BINARY_ROOT.length);
    } else if (text.startsWith('/')) {
      this.error(`"${printable(text)}" is outside the daemon folder: rules may install only the folder's own files`, line);
      return undefined;
    }
    const relative = path.posix.normalize(rest.replace(/^\/+/, '') || '.').replace(/\/$/, '');
    if (relative === '..' || relative.startsWith('../') || relative.includes('\u0001')) {
      this.error(`"${printable(text.replace(SOURCE_ROOT, '${PROJECT_SOURCE_DIR}').replace(BINARY_ROOT, '${PROJECT_BINARY_DIR}'))}" leads out of the daemon folder: rules may install only the folder's own files`, line);
      return undefined;
    }
    return { where, relative };
  }

  /** An install folder: absolute, or relative to the profile's prefix. */
  destination(text: string, line: number): string | undefined {
    if (text.includes('\u0001')) {
      this.error('DESTINATION names the source or build folder: give an install folder (relative to the prefix, or absolute)', line);
      return undefined;
    }
    const absolute = text.startsWith('/') ? text : `${this.profile.installPrefix}/${text}`;
    return path.posix.normalize(absolute).replace(/\/+$/, '') || '/';
  }

  /** The readable regular file a rule names (of the folder, or a configure_file output). */
  fileSource(text: string, line: number, optional: boolean): { entry: FolderEntry; template: boolean } | undefined {
    const located = this.locate(text, line, 'source');
    if (!located) return undefined;
    if (located.where === 'binary') {
      const output = this.configured.get(located.relative);
      if (output) return { entry: output.input, template: output.substitute };
      if (!optional) this.error(`"\${PROJECT_BINARY_DIR}/${printable(located.relative)}" is produced by no configure_file() above this line: debforge builds nothing else`, line);
      return undefined;
    }
    const entry = this.inventory.get(located.relative);
    if (!entry) {
      if (!optional) this.error(`"${printable(located.relative)}" does not exist in the daemon folder`, line);
      return undefined;
    }
    if (entry.kind === 'symlink' || entry.kind === 'special') {
      this.error(`"${printable(located.relative)}" is a ${entry.kind === 'symlink' ? 'symlink' : 'special file'}: install rules here copy regular files; put a symlink under files/ instead`, line);
      return undefined;
    }
    if (!entry.readable) {
      this.error(`"${printable(located.relative)}" cannot be read: fix its permissions`, line);
      return undefined;
    }
    return { entry, template: false };
  }
}

/** PERMISSIONS words: OWNER_READ ... WORLD_EXECUTE, SETUID, SETGID. */
export const PERMISSION = /^(OWNER|GROUP|WORLD)_(READ|WRITE|EXECUTE)$|^SET[UG]ID$/;
