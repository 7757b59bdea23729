/**
 * One `repo` run at a time per repository folder: an exclusive flock(2) on the folder itself,
 * held by a small `flock` child (util-linux) for as long as its stdin stays open. The kernel drops
 * the lock when the holder's last descriptor closes, so a run that is killed, even by SIGKILL,
 * never leaves a stale lock behind (the child's stdin closes with us), and nothing is written
 * into the repository to hold it. Node has no flock of its own.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DebforgeError } from '../errors.js';

export interface RepositoryLock {
  /** Throws unless the lock is still held (its holder could have been killed from outside). */
  assertHeld(): void;
  release(): Promise<void>;
}

/** flock's exit code when --wait runs out (chosen with --conflict-exit-code). */
const TIMED_OUT = 75;
/** How long to wait quietly before saying that another run holds the lock. */
const QUIET_MS = 1_000;

export async function lockRepository(dir: string, waitSeconds: number, log: (line: string) => void): Promise<RepositoryLock> {
  const fail = (message: string): DebforgeError => new DebforgeError({ file: dir, message, severity: 'error' });
  const child: ChildProcessWithoutNullStreams = spawn(
    'flock',
    ['--exclusive', '--wait', String(waitSeconds), '--conflict-exit-code', String(TIMED_OUT), dir, 'sh', '-c', 'echo locked && exec cat >/dev/null'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : 1))));
  let held = false;
  let lost = false;
  await new Promise<void>((resolve, reject) => {
    const quiet = setTimeout(() => log(`waiting for another debforge repo run that is updating ${dir} (at most ${waitSeconds} s)`), QUIET_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', () => {
      clearTimeout(quiet);
      held = true;
      resolve();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(quiet);
      reject(error.code === 'ENOENT' ? fail('flock is not installed: repo needs it to lock the repository (Debian: apt-get install util-linux)') : error);
    });
    void exited.then((code) => {
      clearTimeout(quiet);
      if (held) {
        lost = true;
        return;
      }
      if (code === TIMED_OUT) reject(fail(`another debforge repo run kept it locked for ${waitSeconds} s; nothing was changed: run again when that run has finished (or give a longer --lock-wait)`));
      else reject(fail(`cannot lock the repository folder: ${stderr.trim().split('\n').pop() ?? `flock exited ${code}`}`));
    });
  });
  return {
    assertHeld() {
      if (lost) throw fail('the repository lock was lost (its flock process was killed); nothing more was changed: run again');
    },
    async release() {
      child.stdin.end();
      await exited;
    },
  };
}
