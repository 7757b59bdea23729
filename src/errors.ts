/**
 * Every problem debforge reports about its input is a DebforgeError: it names the file (and line
 * where one is known) so the CLI can print it as one actionable line, `file:line: message`.
 */
export interface Problem {
  file: string;
  line?: number;
  message: string;
  /** A note says what debforge did with something it read differently from its source's own tool. */
  severity: 'error' | 'warning' | 'note';
}

export class DebforgeError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: Problem[] | Problem) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'DebforgeError';
    this.problems = list;
  }
}

/** Raised for command-line misuse (exit code 2), as opposed to bad input (exit code 1). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const prefix = problem.severity === 'error' ? '' : `${problem.severity}: `;
  // Whatever a message quotes from a file or a file name, a terminal shows it and never obeys it.
  return terminalSafe(`${where}: ${prefix}${problem.message}`);
}

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts escape sequences),
 * DEL, C1 controls (U+009B is a one-character CSI) and the bidirectional overrides that make text
 * read differently from what it is.
 */
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every terminal control character written as an escape (`\x1b`, `\u202e`). */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROL, (character) => {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A value quoted inside a one-line message: quotes, backslashes and control characters escaped. */
export function printable(value: string): string {
  return terminalSafe(JSON.stringify(value).slice(1, -1));
}

function problem(file: string, message: string, line?: number): Problem {
  return line === undefined ? { file, message, severity: 'error' } : { file, line, message, severity: 'error' };
}

export function fail(file: string, message: string, line?: number): never {
  throw new DebforgeError(problem(file, message, line));
}

/** Collects problems so a stage can report every mistake at once instead of only the first. */
export class ProblemList {
  readonly items: Problem[] = [];

  error(file: string, message: string, line?: number): void {
    this.items.push(problem(file, message, line));
  }

  warn(file: string, message: string, line?: number): void {
    this.items.push({ ...problem(file, message, line), severity: 'warning' });
  }

  note(file: string, message: string, line?: number): void {
    this.items.push({ ...problem(file, message, line), severity: 'note' });
  }

  /** Runs `fn`, turning a thrown DebforgeError into collected problems. */
  capture<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (error instanceof DebforgeError) {
        this.items.push(...error.problems);
        return undefined;
      }
      throw error;
    }
  }

  get errors(): Problem[] {
    return this.items.filter((p) => p.severity === 'error');
  }

  throwIfErrors(): void {
    const errors = this.errors;
    if (errors.length > 0) throw new DebforgeError(errors);
  }
}
