/** Where a command writes: the process's streams, or a test's collector. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The width of the terminal stderr is, in columns; undefined when it is not a terminal (a pipe, a file, CI). */
  readonly terminalColumns?: number | undefined;
}
