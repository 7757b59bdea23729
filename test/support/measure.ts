import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, tempDir } from './tools.js';

export interface MeasuredRun {
  /** The exit code; 128 + N when debforge died of signal N (as a shell reports it). */
  code: number;
  /** The signal debforge died of, if it did. */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Peak resident memory of the debforge process, as GNU time reports it (KiB). */
  peakKiB: number;
}

interface StartedRun {
  /** GNU time's pid; with `group`, also the process group holding it and debforge. */
  pid: number;
  /** The debforge process's own pid (GNU time's child), once it has started. */
  debforgePid(): Promise<number>;
  /** What debforge has written to stderr so far. */
  stderr(): string;
  done: Promise<MeasuredRun>;
}

interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** In a process group of its own (see startDebforge). */
  group?: boolean;
  /** How stdout and stderr are decoded (default utf8; latin1 keeps every byte as one character). */
  encoding?: BufferEncoding;
  /** Killed (its whole group, with `group`) past this many seconds, and `done` rejects: a hang fails the test. */
  timeoutSeconds?: number;
}

/**
 * Starts the debforge CLI under GNU time, so the peak memory measured is the child's own. With
 * `group`, in a process group of its own, which a signal can be sent to as a terminal sends
 * Ctrl-C (GNU time ignores SIGINT and SIGQUIT itself, and reports the signal debforge died of).
 */
export async function startDebforge(args: readonly string[], options: StartOptions = {}): Promise<StartedRun> {
  const report = path.join(await tempDir('debforge-time-'), 'time');
  const started = Date.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', report, process.execPath, CLI, ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  let stdout = '';
  let stderr = '';
  const encoding = options.encoding ?? 'utf8';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString(encoding)));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString(encoding)));
  let timedOut = false;
  const killer =
    options.timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          process.kill(options.group === true ? -child.pid! : child.pid!, 'SIGKILL');
        }, options.timeoutSeconds * 1000);
  const done = (async (): Promise<MeasuredRun> => {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (exitCode) => resolve(exitCode ?? 128));
    });
    clearTimeout(killer);
    const ms = Date.now() - started;
    if (timedOut) throw new Error(`debforge ${args.join(' ')} did not finish in ${options.timeoutSeconds} s: killed`);
    const { peakKiB, signal } = parseTimeReport(await fs.readFile(report, 'utf8'));
    await fs.rm(path.dirname(report), { recursive: true, force: true });
    return { code, ...(signal !== undefined ? { signal } : {}), stdout, stderr, ms, peakKiB };
  })();
  const pid = child.pid;
  if (pid === undefined) throw new Error('GNU time did not start');
  const debforgePid = async (): Promise<number> => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 5))) {
      const children = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      const first = children.trim().split(/\s+/)[0];
      if (first !== undefined && first !== '') return Number(first);
    }
    throw new Error('debforge did not start under GNU time');
  };
  return { pid, debforgePid, stderr: () => stderr, done };
}

/** GNU time writes "Command exited with non-zero status N" or "Command terminated by signal N" before the format's line. */
function parseTimeReport(text: string): { peakKiB: number; signal?: NodeJS.Signals } {
  const lines = text.trim().split('\n');
  const peakKiB = Number(lines[lines.length - 1]);
  if (!Number.isFinite(peakKiB)) throw new Error(`GNU time reported no peak memory: ${text}`);
  const signalNumber = /^Command terminated by signal (\d+)$/m.exec(text)?.[1];
  const signal = signalNumber === undefined ? undefined : (Object.entries(os.constants.signals).find(([, number]) => number === Number(signalNumber))?.[0] as NodeJS.Signals | undefined);
  return { peakKiB, ...(signal !== undefined ? { signal } : {}) };
}

/**
 * The synchronous form, for tests that measure many short runs: a run past `timeoutSeconds` is
 * killed and throws, so a hang fails the test instead of stalling the suite.
 */
export function measuredDebforgeSync(args: readonly string[], timeoutSeconds: number): MeasuredRun {
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'debforge-time-'));
  const report = path.join(reportDir, 'time');
  try {
    const started = Date.now();
    const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', report, process.execPath, CLI, ...args], {
      encoding: 'utf8',
      timeout: timeoutSeconds * 1000,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = Date.now() - started;
    if (result.error !== undefined) throw new Error(`debforge ${args.join(' ')} did not finish in ${timeoutSeconds} s (${result.error.message})`);
    const { peakKiB, signal } = parseTimeReport(readFileSync(report, 'utf8'));
    return { code: result.status ?? 128, ...(signal !== undefined ? { signal } : {}), stdout: result.stdout, stderr: result.stderr, ms, peakKiB };
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** Runs the debforge CLI to its end under GNU time (see startDebforge). */
export async function measuredDebforge(args: readonly string[], options: StartOptions = {}): Promise<MeasuredRun> {
  return (await startDebforge(args, options)).done;
}

/**
 * Every entry under a folder, with its type, mode and (for files and symlinks) its exact
 * contents' hash: two snapshots are equal when the folder is byte for byte the same. With
 * `mtimes`, also when nothing in it was written again (every entry's modification time).
 */
export async function snapshot(root: string, options: { mtimes?: boolean } = {}): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      const stat = await fs.lstat(full);
      const mode = (stat.mode & 0o7777).toString(8);
      const when = options.mtimes === true ? ` at ${stat.mtimeMs}` : '';
      if (entry.isDirectory()) {
        entries.set(relative, `dir ${mode}${when}`);
        await walk(full);
      } else if (entry.isSymbolicLink()) entries.set(relative, `symlink ${await fs.readlink(full)}${when}`);
      else if (entry.isFile()) entries.set(relative, `file ${mode} ${createHash('sha256').update(await fs.readFile(full)).digest('hex')}${when}`);
      else entries.set(relative, `other ${mode}${when}`);
    }
  };
  await walk(root);
  return entries;
}
