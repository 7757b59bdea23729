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
  return `${where}: ${prefix}${problem.message}`;
}

/** A value quoted inside a one-line message: line breaks and other control characters escaped. */
export function printable(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

export function problem(file: string, message: string, line?: number): Problem {
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
