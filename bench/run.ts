// `npm run bench`: debforge against dpkg-deb on the same payloads, in the same run.
//
// For each payload size a daemon folder is generated (deterministically: AES-CTR random bytes
// and seeded text-like lines, 96:160 as in the issue) under files/usr/share/bench-payload/.
// debforge builds it with the CLI; the package is then staged with `dpkg-deb -R`, so dpkg-deb
// builds the IDENTICAL tree (same files, control file, md5sums) with `--root-owner-group`.
// Every build runs under /usr/bin/time -v (peak RSS = "Maximum resident set size"). The small
// example daemon's whole CLI run is timed many times (hyperfine when installed). The table is
// printed and written to BENCHMARKS.md. Timings live here, never in pass/fail tests.
//
//   npm run bench                         # everything (can take an hour on 2 cores)
//   BENCH_SIZES=256 npm run bench         # MiB sizes to run, comma-separated; "0" = small daemon only
//   BENCH_COMPRESSIONS=gzip npm run bench # restrict the compressions
//   BENCH_OUT=FILE                        # where to write the report (default BENCHMARKS.md)
//
// Progress goes to stderr. Each size's trees and packages are deleted before the next.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { xzLibraryVersion } from '../src/write/compress/index.js';
import { makePayloadDaemon } from './payload.js';

const MIB = 1024 * 1024;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO_ROOT, 'bin', 'debforge.js');
const SMALL_DAEMON = 'daemons/robot_bringup';
const EPOCH = '1700000000';

type Compression = 'gzip' | 'xz';

/** Which compressions run at which size by default: the 1 GiB row is issue 3's RSS check. */
const DEFAULT_PLAN: ReadonlyArray<{ mib: number; compressions: Compression[] }> = [
  { mib: 256, compressions: ['gzip', 'xz'] },
  { mib: 1024, compressions: ['gzip'] },
  { mib: 2048, compressions: ['gzip', 'xz'] },
];

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ------------------------------------------------------------------ measuring

interface Measured {
  seconds: number;
  peakRssMiB: number | undefined;
}

/** Runs a command under /usr/bin/time -v; wall time from here, peak RSS from time's report. */
function timed(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Measured {
  const report = path.join(os.tmpdir(), `debforge-bench-time-${process.pid}.txt`);
  const haveTime = statSafe('/usr/bin/time') !== undefined;
  const [cmd, argv] = haveTime ? ['/usr/bin/time', ['-v', '-o', report, command, ...args]] : [command, [...args]];
  const start = performance.now();
  const result = spawnSync(cmd, argv, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * MIB });
  const seconds = (performance.now() - start) / 1000;
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr?.toString().trim()}`);
  }
  let peakRssMiB: number | undefined;
  if (haveTime) {
    const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(report, 'utf8'));
    if (match) peakRssMiB = Number(match[1]) / 1024;
    rmSync(report, { force: true });
  }
  return { seconds, peakRssMiB };
}

function statSafe(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function must(command: string, args: readonly string[], cwd = REPO_ROOT): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * MIB });
  if (result.error || result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

const ENV: NodeJS.ProcessEnv = { ...process.env, SOURCE_DATE_EPOCH: EPOCH };

interface Row {
  payload: string;
  compression: Compression;
  ours: Measured;
  theirs: Measured;
  oursBytes: number;
  theirsBytes: number;
}

/** Builds one payload with debforge and, on the tree staged from our package, with dpkg-deb. */
function compareBuild(work: string, daemon: string, label: string, compression: Compression): Row {
  const outOurs = path.join(work, `out-ours-${compression}`);
  mkdirSync(outOurs, { recursive: true });
  progress(`${label} ${compression}: debforge build`);
  const ours = timed(process.execPath, [CLI, 'build', daemon, '--out', outOurs, '--compression', compression], { env: ENV });
  const deb = path.join(outOurs, must('ls', [outOurs]).trim().split('\n')[0]!);
  const oursBytes = statSync(deb).size;
  progress(`${label} ${compression}: debforge ${ours.seconds.toFixed(1)} s, ${fmtMiB(ours.peakRssMiB)} peak RSS; staging with dpkg-deb -R`);

  const stage = path.join(work, `stage-${compression}`);
  must('dpkg-deb', ['-R', deb, stage]);
  const theirsDeb = path.join(work, `dpkg-deb-${compression}.deb`);
  progress(`${label} ${compression}: dpkg-deb --build -Z${compression}`);
  const theirs = timed('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', stage, theirsDeb], { env: ENV });
  const theirsBytes = statSync(theirsDeb).size;
  progress(`${label} ${compression}: dpkg-deb ${theirs.seconds.toFixed(1)} s, ${fmtMiB(theirs.peakRssMiB)} peak RSS`);
  rmSync(stage, { recursive: true, force: true });
  rmSync(theirsDeb, { force: true });
  rmSync(outOurs, { recursive: true, force: true });
  return { payload: label, compression, ours, theirs, oursBytes, theirsBytes };
}

interface SmallDaemon {
  method: string;
  defaultMs: number;
  epochMs: number;
  dpkgDebMs: number;
  peakRssMiB: number | undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall time (ms) of `runs` runs of a command (after warm-up runs), with hyperfine if present. */
function medianMs(command: string, args: readonly string[], env: NodeJS.ProcessEnv, runs: number, useHyperfine: boolean): number {
  if (useHyperfine) {
    const json = path.join(os.tmpdir(), `debforge-bench-hyperfine-${process.pid}.json`);
    // -N: no shell in between; the arguments hold no spaces.
    must('hyperfine', ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', json, [command, ...args].join(' ')]);
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ times: number[] }> };
    rmSync(json, { force: true });
    return median(parsed.results[0]!.times) * 1000;
  }
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { cwd: REPO_ROOT, env, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
    if (i >= 3) times.push(performance.now() - start);
  }
  return median(times);
}

function smallDaemon(work: string): SmallDaemon {
  const runs = 20;
  const useHyperfine = spawnSync('hyperfine', ['--version'], { stdio: 'ignore' }).status === 0;
  const out = path.join(work, 'small');
  const args = [CLI, 'build', SMALL_DAEMON, '--out', out];
  progress(`small daemon: ${runs} runs each ${useHyperfine ? 'with hyperfine' : 'in a loop'}`);
  const withoutEpoch: NodeJS.ProcessEnv = { ...process.env };
  delete withoutEpoch['SOURCE_DATE_EPOCH'];
  // hyperfine passes its own environment on: run it with the one wanted.
  const run = (env: NodeJS.ProcessEnv): number => {
    const saved = process.env['SOURCE_DATE_EPOCH'];
    if (env['SOURCE_DATE_EPOCH'] === undefined) delete process.env['SOURCE_DATE_EPOCH'];
    else process.env['SOURCE_DATE_EPOCH'] = env['SOURCE_DATE_EPOCH'];
    try {
      return medianMs(process.execPath, args, env, runs, useHyperfine);
    } finally {
      if (saved === undefined) delete process.env['SOURCE_DATE_EPOCH'];
      else process.env['SOURCE_DATE_EPOCH'] = saved;
    }
  };
  const defaultMs = run(withoutEpoch);
  const epochMs = run(ENV);
  const peak = timed(process.execPath, args, { env: withoutEpoch }).peakRssMiB;
  const deb = path.join(out, must('ls', [out]).trim().split('\n')[0]!);
  const stage = path.join(work, 'small-stage');
  must('dpkg-deb', ['-R', deb, stage]);
  const dpkgDebMs = medianMs('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, path.join(work, 'small-dpkg-deb.deb')], ENV, runs, useHyperfine);
  rmSync(stage, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  return { method: useHyperfine ? `hyperfine, median of ${runs} runs after 3 warm-up runs` : `median of ${runs} runs after 3 warm-up runs`, defaultMs, epochMs, dpkgDebMs, peakRssMiB: peak };
}

// ------------------------------------------------------------------ report

function fmtMiB(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(0)} MiB`;
}

function fmtBytes(bytes: number): string {
  return `${(bytes / MIB).toFixed(2)} MiB`;
}

interface Verdict {
  text: string;
  met: boolean;
}

/** The issue's targets for a row (2-core machine): times and sizes at 256 MiB, peak RSS at 1-2 GiB. */
function targets(row: Row): Verdict[] {
  const out: Verdict[] = [];
  const timeRatio = row.ours.seconds / row.theirs.seconds;
  const sizeRatio = row.oursBytes / row.theirsBytes;
  if (row.payload === '256 MiB') {
    const [t, s] = row.compression === 'gzip' ? [0.55, 1.01] : [1.0, 1.02];
    out.push({ text: `time <= ${t.toFixed(2)}x`, met: timeRatio <= t });
    out.push({ text: `size <= ${s.toFixed(2)}x`, met: sizeRatio <= s });
  }
  if (row.payload !== '256 MiB' && row.ours.peakRssMiB !== undefined) {
    const limit = row.compression === 'gzip' ? 128 : 400;
    out.push({ text: `RSS < ${limit} MiB`, met: row.ours.peakRssMiB < limit });
  }
  return out;
}

function markdown(rows: Row[], small: SmallDaemon | undefined, info: Record<string, string>): string {
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push('Written by `npm run bench` (bench/run.ts). debforge builds a generated daemon folder with its CLI;');
  lines.push('dpkg-deb builds the identical tree, staged from debforge\'s own package with `dpkg-deb -R`');
  lines.push('(same files, control file and md5sums), with `dpkg-deb --root-owner-group -Z<gzip|xz> --build`.');
  lines.push('Payloads are 3/8 random bytes and 5/8 text-like lines (96 + 160 MiB at 256 MiB) in 32 MiB files.');
  lines.push('Every build runs once under `/usr/bin/time -v`: wall time, and peak RSS from "Maximum resident set size".');
  lines.push('debforge runs with its defaults: `--jobs` = cores, gzip -9 in 128 KiB blocks, xz preset 6 in 24 MiB blocks;');
  lines.push('its time includes computing md5sums, writing, fsync and hashing the package (sha256).');
  lines.push('These are one-off figures from a shared machine, for people to read: no test asserts any timing.', '');
  lines.push('| | |', '|---|---|');
  for (const [key, value] of Object.entries(info)) lines.push(`| ${key} | ${value} |`);
  lines.push('');
  if (rows.length > 0) {
    lines.push('## Large payloads', '');
    lines.push('| payload | compression | debforge | dpkg-deb | time ratio | debforge peak RSS | dpkg-deb peak RSS | debforge size | dpkg-deb size | size ratio | targets (issue) |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const row of rows) {
      const verdicts = targets(row).map((v) => `${v.text}: ${v.met ? 'met' : '**missed**'}`).join('; ');
      lines.push(
        `| ${row.payload} | ${row.compression} | ${row.ours.seconds.toFixed(1)} s | ${row.theirs.seconds.toFixed(1)} s | ${(row.ours.seconds / row.theirs.seconds).toFixed(2)}x | ` +
          `${fmtMiB(row.ours.peakRssMiB)} | ${fmtMiB(row.theirs.peakRssMiB)} | ${fmtBytes(row.oursBytes)} | ${fmtBytes(row.theirsBytes)} | ` +
          `${(row.oursBytes / row.theirsBytes).toFixed(4)}x | ${verdicts || '-'} |`,
      );
    }
    lines.push('');
  }
  if (small) {
    lines.push(`## Small daemon (\`${SMALL_DAEMON}\`), whole CLI run`, '');
    lines.push(`\`debforge build ${SMALL_DAEMON} --out <tmp>\`, ${small.method}.`, '');
    lines.push('| run | median wall time | target (issue) |', '|---|---:|---|');
    lines.push(`| debforge, default (SOURCE_DATE_EPOCH unset: last git commit) | ${small.defaultMs.toFixed(0)} ms | < 150 ms: ${small.defaultMs < 150 ? 'met' : '**missed**'} |`);
    lines.push(`| debforge, SOURCE_DATE_EPOCH set | ${small.epochMs.toFixed(0)} ms | < 150 ms: ${small.epochMs < 150 ? 'met' : '**missed**'} |`);
    lines.push(`| dpkg-deb --build -Zgzip of the same staged tree (for scale) | ${small.dpkgDebMs.toFixed(0)} ms | |`);
    lines.push('', `Peak RSS of one debforge run: ${fmtMiB(small.peakRssMiB)}.`, '');
  }
  return `${lines.join('\n')}\n`;
}

function plan(): Array<{ mib: number; compressions: Compression[] }> {
  const compressions = (process.env['BENCH_COMPRESSIONS'] ?? 'gzip,xz').split(',').map((c) => c.trim()).filter((c): c is Compression => c === 'gzip' || c === 'xz');
  const sizesEnv = process.env['BENCH_SIZES'];
  const sizes = sizesEnv === undefined ? DEFAULT_PLAN.map((p) => p.mib) : sizesEnv.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  return sizes.map((mib) => {
    const defaults = DEFAULT_PLAN.find((p) => p.mib === mib)?.compressions ?? ['gzip', 'xz'];
    return { mib, compressions: defaults.filter((c) => compressions.includes(c)) };
  });
}

function loadAverage(): string {
  return os.loadavg().map((n) => n.toFixed(2)).join(' ');
}

async function main(): Promise<void> {
  const started = new Date();
  const info: Record<string, string> = {
    date: started.toISOString().slice(0, 10),
    cores: `${os.availableParallelism()} (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    memory: `${(os.totalmem() / 1024 / MIB).toFixed(0)} GiB`,
    'Node.js': process.version,
    'dpkg-deb': must('dpkg-deb', ['--version']).split('\n')[0]!.replace(/^.*version /, '').replace(/\.$/, ''),
    "debforge's liblzma (lzma-native)": await xzLibraryVersion(),
    'load average at start (1, 5, 15 min)': loadAverage(),
  };
  const rows: Row[] = [];
  const root = mkdtempSync(path.join(os.tmpdir(), 'debforge-bench-'));
  try {
    for (const { mib, compressions } of plan()) {
      if (compressions.length === 0) continue;
      const label = mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
      const work = path.join(root, `size-${mib}`);
      const daemon = path.join(work, 'bench_payload');
      progress(`${label}: generating the payload`);
      makePayloadDaemon(daemon, mib);
      try {
        for (const compression of compressions) rows.push(compareBuild(work, daemon, label, compression));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    const small = smallDaemon(root);
    info['load average at end (1, 5, 15 min)'] = loadAverage();
    const report = markdown(rows, small, info);
    process.stdout.write(report);
    const outFile = process.env['BENCH_OUT'] ?? path.join(REPO_ROOT, 'BENCHMARKS.md');
    writeFileSync(outFile, report);
    progress(`wrote ${path.relative(REPO_ROOT, outFile) || outFile}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
