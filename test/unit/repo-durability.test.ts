// Everything a publish stages is on disk before the first file is renamed into place, as the
// kernel saw it: strace records every write, fsync, syncfs and rename of the debforge process and
// its children (sync, gpg). A staged file counts as durable when, after its last write, an fsync of
// it or a syncfs(2) of the whole file system began, and returned before the first rename out of the
// staging folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { arArchive, tarArchive } from '../support/crafted-deb.js';
import { makeKey, stopGpgAgents } from '../support/repo-packages.js';
import { CLI, tempDir } from '../support/tools.js';

const STAGING = `${path.sep}.debforge-staging${path.sep}`;
/** More packages than one syncfs is used for (staging.ts uses a fsync each for 32 files or fewer). */
const PACKAGES = 40;
/** The calls that put data in a file. */
const WRITES: ReadonlySet<string> = new Set(['write', 'pwrite64', 'writev', 'pwritev', 'copy_file_range', 'sendfile']);

interface Call {
  pid: string;
  name: string;
  args: string;
  result: number;
  /** Lines of the trace where the call began and where it returned. */
  start: number;
  end: number;
}

/** The calls of a `strace -f -y` trace, complete ones and those another thread's call interrupted alike. */
function calls(trace: string): Call[] {
  const found: Call[] = [];
  const unfinished = new Map<string, { pid: string; name: string; args: string; start: number }>();
  for (const [index, line] of trace.split('\n').entries()) {
    const resumed = /^(\d+) +<\.\.\. (\w+) resumed>.*\) += (-?\d+)/.exec(line);
    if (resumed !== null) {
      const begun = unfinished.get(resumed[1]!);
      unfinished.delete(resumed[1]!);
      if (begun !== undefined) found.push({ ...begun, result: Number(resumed[3]), end: index });
      continue;
    }
    const call = /^(\d+) +(\w+)\((.*)$/.exec(line);
    if (call === null) continue;
    const [pid, name, rest] = [call[1]!, call[2]!, call[3]!];
    if (rest.endsWith(' <unfinished ...>')) unfinished.set(pid, { pid, name, args: rest, start: index });
    else found.push({ pid, name, args: rest, result: Number(/\) += (-?\d+)/.exec(rest)?.[1] ?? Number.NaN), start: index, end: index });
  }
  return found;
}

interface Durability {
  /** Staged files renamed into the repository with no durable copy before the first such rename. */
  notDurable: string[];
  bySyncfs: Set<string>;
  byFsync: Set<string>;
  /** Where each staged file was last written to, by its path. */
  written: Map<string, number>;
  syncfs: Call[];
  /** Where the debforge process started the child that ran `sync -f`, if it did. */
  syncSpawned: number | undefined;
}

function durability(trace: string): Durability {
  const all = calls(trace);
  const fdPath = (args: string): string | undefined => /^\d+<([^>]*)>/.exec(args)?.[1];
  const written = new Map<string, number>();
  const fsyncs = new Map<string, Call[]>();
  const syncfs: Call[] = [];
  const movedOut: string[] = [];
  let firstRename = Number.POSITIVE_INFINITY;
  for (const call of all) {
    if (WRITES.has(call.name)) {
      // Any file among the call's descriptors (copy_file_range names its source too, never a staged file).
      for (const match of call.args.matchAll(/\d+<([^>]*)>/g)) if (match[1]!.includes(STAGING)) written.set(match[1]!, call.end);
    } else if ((call.name === 'fsync' || call.name === 'fdatasync') && call.result === 0) {
      const file = fdPath(call.args);
      if (file !== undefined) fsyncs.set(file, [...(fsyncs.get(file) ?? []), call]);
    } else if (call.name === 'syncfs' && call.result === 0) syncfs.push(call);
    else if (call.name.startsWith('rename') && call.result === 0) {
      const [from, to] = [...call.args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
      if (from === undefined || to === undefined || !from.includes(STAGING)) continue;
      if (to.includes(STAGING)) {
        // A writer's own temporary file renamed within the staging folder: its history moves with it.
        const at = written.get(from);
        if (at !== undefined) written.set(to, at);
        fsyncs.set(to, fsyncs.get(from) ?? []);
        continue;
      }
      movedOut.push(from);
      firstRename = Math.min(firstRename, call.start);
    }
  }
  assert.ok(movedOut.length > 0, 'the trace shows files renamed out of the staging folder');
  const syncChild = all.find((call) => call.name === 'execve' && call.result === 0 && /^"[^"]*\/sync"/.test(call.args))?.pid;
  const syncSpawned = all.find((call) => /^(?:clone3?|vfork|fork)$/.test(call.name) && String(call.result) === syncChild)?.start;
  const result: Durability = { notDurable: [], bySyncfs: new Set(), byFsync: new Set(), written, syncfs, syncSpawned };
  for (const file of movedOut) {
    const writtenAt = written.get(file);
    if (writtenAt === undefined) {
      result.notDurable.push(`${file} (never seen written)`);
      continue;
    }
    const inTime = (call: Call): boolean => call.start > writtenAt && call.end < firstRename;
    if ((fsyncs.get(file) ?? []).some(inTime)) result.byFsync.add(file);
    else if (syncfs.some(inTime)) result.bySyncfs.add(file);
    else result.notDurable.push(file);
  }
  return result;
}

/** `PACKAGES` small distinct packages, crafted in memory. */
async function packages(): Promise<string> {
  const dir = await tempDir();
  for (let i = 0; i < PACKAGES; i++) {
    const name = `durable-${String(i).padStart(3, '0')}`;
    const control = `Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Test <test@example.org>\nDescription: test package ${i}\n`;
    const deb = arArchive([
      ['debian-binary', Buffer.from('2.0\n')],
      ['control.tar', tarArchive([{ name: './', type: '5' }, { name: './control', content: Buffer.from(control) }])],
      ['data.tar', tarArchive([{ name: './', type: '5' }])],
    ]);
    await fs.writeFile(path.join(dir, `${name}_1.0-1_all.deb`), deb);
  }
  return dir;
}

/** Runs `debforge repo` under strace; returns the trace. */
async function tracedPublish(args: readonly string[], env: NodeJS.ProcessEnv, setEnv: Record<string, string> = {}): Promise<string> {
  const trace = path.join(await tempDir(), 'trace');
  // -s 0: the data written is not wanted, only which file it went to (paths are printed whole).
  const traced = ['trace=write,pwrite64,writev,pwritev,copy_file_range,sendfile,fsync,fdatasync,syncfs,rename,renameat,renameat2,clone,clone3,vfork,fork,execve'];
  const result = spawnSync('strace', ['-f', '-y', '-qq', '-s', '0', '-o', trace, '-e', ...traced, ...Object.entries(setEnv).flatMap(([name, value]) => ['-E', `${name}=${value}`]), process.execPath, CLI, 'repo', ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, result.stderr);
  return fs.readFile(trace, 'utf8');
}

describe('repo: everything staged is on disk before anything is renamed into place', function () {
  this.timeout(180_000);
  after(stopGpgAgents);

  it('a signed publish of many packages: the pool files by a syncfs started before the Release was staged, the indexes and signatures after them', async () => {
    const key = await makeKey('Durability');
    const repo = path.join(await tempDir(), 'apt');
    const trace = await tracedPublish([await packages(), '--out', repo, '--suite', 'stable', '--sign-key', key.fingerprint], key.env);
    const seen = durability(trace);
    assert.deepEqual(seen.notDurable, [], 'every staged file is durable before the first rename');
    const staged = (name: string): string[] => [...seen.bySyncfs, ...seen.byFsync].filter((file) => path.basename(file).replace(/^\d+-/, '') === name);
    const pool = [...seen.bySyncfs, ...seen.byFsync].filter((file) => file.endsWith('.deb'));
    assert.equal(pool.length, PACKAGES);
    for (const name of ['Packages', 'Packages.xz', 'Release', 'InRelease', 'Release.gpg']) assert.equal(staged(name).length, 1, `${name} is staged and durable`);
    // The overlap: the pool files were sent to disk before the Release was made.
    for (const file of pool) assert.ok(seen.bySyncfs.has(file), `${file} is covered by a syncfs`);
    assert.ok(seen.syncSpawned !== undefined, 'sync -f was run');
    assert.ok(seen.syncSpawned < seen.written.get(staged('Release')[0]!)!, 'sync -f was started before the Release was staged');
  });

  it('where sync -f fails, a fsync of every staged file', async () => {
    const repo = path.join(await tempDir(), 'apt');
    // A sync(1) first on the PATH that refuses to work.
    const failing = await tempDir();
    await fs.writeFile(path.join(failing, 'sync'), '#!/bin/sh\necho "sync: refused" >&2\nexit 1\n', { mode: 0o755 });
    const trace = await tracedPublish([await packages(), '--out', repo, '--suite', 'stable'], process.env, { PATH: `${failing}:${process.env['PATH'] ?? ''}` });
    const seen = durability(trace);
    assert.deepEqual(seen.notDurable, [], 'every staged file is durable before the first rename');
    assert.equal(seen.syncfs.length, 0, 'no syncfs');
    assert.ok([...seen.byFsync].filter((file) => file.endsWith('.deb')).length === PACKAGES, 'each pool file fsynced');
    assert.ok(await fs.stat(path.join(repo, 'dists', 'stable', 'Release')));
  });
});
