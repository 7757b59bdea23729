import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CLI, tempDir } from './tools.js';

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Peak resident memory of the debforge process, as GNU time reports it (KiB). */
  peakKiB: number;
}

/** Runs the debforge CLI under GNU time, so the peak memory measured is the child's own. */
export async function measuredDebforge(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<MeasuredRun> {
  const report = path.join(await tempDir('debforge-time-'), 'time');
  const started = Date.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', report, process.execPath, CLI, ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode ?? 128));
  });
  const ms = Date.now() - started;
  // GNU time writes "Command exited with non-zero status N" before the format's line.
  const lines = (await fs.readFile(report, 'utf8')).trim().split('\n');
  const peakKiB = Number(lines[lines.length - 1]);
  await fs.rm(path.dirname(report), { recursive: true, force: true });
  return { code, stdout, stderr, ms, peakKiB };
}

/**
 * Every entry under a folder, with its type, mode and (for files and symlinks) its exact
 * contents' hash: two snapshots are equal when the folder is byte for byte the same.
 */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      const stat = await fs.lstat(full);
      const mode = (stat.mode & 0o7777).toString(8);
      if (entry.isDirectory()) {
        entries.set(relative, `dir ${mode}`);
        await walk(full);
      } else if (entry.isSymbolicLink()) entries.set(relative, `symlink ${await fs.readlink(full)}`);
      else if (entry.isFile()) entries.set(relative, `file ${mode} ${createHash('sha256').update(await fs.readFile(full)).digest('hex')}`);
      else entries.set(relative, `other ${mode}`);
    }
  };
  await walk(root);
  return entries;
}
