/**
 * CMake's command syntax (cmake-language(7)), read without running anything: a file is a list of
 * `name(arguments)` invocations; arguments are quoted ("..."), unquoted, or bracket ([=[...]=]);
 * `#` starts a line comment, `#[[...]]` a bracket comment. Variables are not expanded here.
 */

type ArgumentKind = 'quoted' | 'unquoted' | 'bracket';

export interface CMakeArgument {
  /** The text with escapes resolved (quoted, unquoted) or verbatim (bracket). */
  text: string;
  kind: ArgumentKind;
  line: number;
}

export interface CMakeCommand {
  /** Lower case: CMake command names are case-insensitive. */
  name: string;
  args: CMakeArgument[];
  line: number;
}

export class CMakeSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
    this.name = 'CMakeSyntaxError';
  }
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const BRACKET_OPEN = /\[(=*)\[/y;
/** The escapes CMake resolves; `\;` stays as is so that it keeps a list separator literal. */
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', ';': '\\;' };

export function tokenizeCMake(text: string): CMakeCommand[] {
  const source = text.replace(/\r\n/g, '\n');
  const commands: CMakeCommand[] = [];
  let index = 0;
  let line = 1;

  const advance = (count: number): void => {
    for (let i = 0; i < count; i++) if (source[index + i] === '\n') line++;
    index += count;
  };

  const startsBracket = (): boolean => {
    BRACKET_OPEN.lastIndex = index;
    return BRACKET_OPEN.test(source);
  };

  /** A bracket (argument or comment) starting at index; returns its content. */
  const bracket = (): string | undefined => {
    BRACKET_OPEN.lastIndex = index;
    const open = BRACKET_OPEN.exec(source);
    if (!open) return undefined;
    const close = `]${open[1]}]`;
    const start = index + open[0].length;
    const end = source.indexOf(close, start);
    if (end < 0) throw new CMakeSyntaxError(`bracket "${open[0]}" is never closed with "${close}"`, line);
    let content = source.slice(start, end);
    // A newline right after the opening bracket is not part of the content.
    if (content.startsWith('\n')) content = content.slice(1);
    advance(end + close.length - index);
    return content;
  };

  const skipSpaceAndComments = (): void => {
    while (index < source.length) {
      const char = source[index]!;
      if (char === ' ' || char === '\t' || char === '\n') {
        advance(1);
      } else if (char === '#') {
        advance(1);
        if (bracket() !== undefined) continue;
        while (index < source.length && source[index] !== '\n') advance(1);
      } else {
        return;
      }
    }
  };

  const escape = (): string => {
    const next = source[index + 1];
    if (next === undefined) throw new CMakeSyntaxError('a backslash ends the file', line);
    advance(2);
    if (next in ESCAPES) return ESCAPES[next]!;
    if (/[A-Za-z0-9]/.test(next)) throw new CMakeSyntaxError(`"\\${next}" is not a CMake escape`, line);
    return next;
  };

  while (true) {
    skipSpaceAndComments();
    if (index >= source.length) break;
    IDENTIFIER.lastIndex = index;
    const name = IDENTIFIER.exec(source);
    if (!name) throw new CMakeSyntaxError(`expected a command name, found "${source[index]}"`, line);
    const commandLine = line;
    advance(name[0].length);
    while (source[index] === ' ' || source[index] === '\t') advance(1);
    if (source[index] !== '(') throw new CMakeSyntaxError(`"${name[0]}" must be followed by "("`, line);
    advance(1);
    const args: CMakeArgument[] = [];
    // Unquoted parentheses nest; they become arguments of their own, as CMake passes them on.
    let depth = 0;
    while (true) {
      skipSpaceAndComments();
      if (index >= source.length) throw new CMakeSyntaxError(`${name[0]}( is never closed`, commandLine);
      const char = source[index]!;
      const argLine = line;
      if (char === ')') {
        advance(1);
        if (depth === 0) break;
        depth--;
        args.push({ text: ')', kind: 'unquoted', line: argLine });
      } else if (char === '(') {
        advance(1);
        depth++;
        args.push({ text: '(', kind: 'unquoted', line: argLine });
      } else if (char === '"') {
        advance(1);
        let value = '';
        while (true) {
          const c = source[index];
          if (c === undefined) throw new CMakeSyntaxError('a quoted argument is never closed', argLine);
          if (c === '"') {
            advance(1);
            break;
          }
          if (c === '\\') {
            // A backslash at the end of a line continues the line inside a quoted argument.
            if (source[index + 1] === '\n') {
              advance(2);
              continue;
            }
            value += escape();
            continue;
          }
          value += c;
          advance(1);
        }
        args.push({ text: value, kind: 'quoted', line: argLine });
      } else if (char === '[' && startsBracket()) {
        args.push({ text: bracket()!, kind: 'bracket', line: argLine });
      } else {
        let value = '';
        while (index < source.length) {
          const c = source[index]!;
          if (c === ' ' || c === '\t' || c === '\n' || c === '(' || c === ')' || c === '#' || c === '"') break;
          if (c === '\\') {
            value += escape();
            continue;
          }
          value += c;
          advance(1);
        }
        args.push({ text: value, kind: 'unquoted', line: argLine });
      }
    }
    commands.push({ name: name[0].toLowerCase(), args, line: commandLine });
  }
  return commands;
}
