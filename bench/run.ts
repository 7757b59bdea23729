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
//   BENCH_COMPRESSIONS=gzip npm run bench # restrict the compressions (gzip, xz, zstd)
//   BENCH_ARM64=0                         # leave out the arm64 build of the payload (files-arm64/, --arch arm64)
//   BENCH_OUT=FILE                        # where to write the report (default BENCHMARKS.md)
//   BENCH_REPEAT=N                        # runs per row (default: 3 for gzip at <= 256 MiB, else 1)
//   BENCH_QUIET_WAIT=S                    # how long to wait for a quiet machine before each build (300)
//
// Progress goes to stderr. Each size's trees and packages are deleted before the next.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

type Compression = 'gzip' | 'xz' | 'zstd';

/** The level debforge and dpkg-deb both use by default, passed to dpkg-deb explicitly. */
const LEVEL: Record<Compression, number> = { gzip: 9, xz: 6, zstd: 3 };

interface PlanItem {
  mib: number;
  compressions: Compression[];
  /** Build the payload from files-<architecture>/ (with an executable of it), with --arch. */
  architecture?: 'arm64';
}

/** Which compressions run at which size by default: the 1 GiB row is issue 3's RSS check; the arm64 row is one folder's arm64 package. */
const DEFAULT_PLAN: readonly PlanItem[] = [
  { mib: 256, compressions: ['gzip', 'xz', 'zstd'] },
  { mib: 256, compressions: ['gzip', 'zstd'], architecture: 'arm64' },
  { mib: 1024, compressions: ['gzip'] },
  { mib: 2048, compressions: ['gzip', 'xz', 'zstd'] },
];

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ------------------------------------------------------------------ measuring

interface Measured {
  seconds: number;
  /** user + system seconds of the build and its children. */
  cpuSeconds: number | undefined;
  peakRssMiB: number | undefined;
  /** Cores' worth of CPU that other processes used during the run (the machine may be shared). */
  otherCores: number | undefined;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** Busy CPU ticks of the whole machine, from /proc/stat (undefined where there is none). */
function busyTicks(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return user + nice + system + irq + softirq + steal;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Waits (up to BENCH_QUIET_WAIT seconds, default 300) until other processes use less than a
 * quarter of a core over 3 s, so that a shared machine distorts the timings as little as it can.
 */
function waitForQuiet(what: string): void {
  const deadline = performance.now() + Number(process.env['BENCH_QUIET_WAIT'] ?? 300) * 1000;
  let told = false;
  for (;;) {
    const before = busyTicks();
    if (before === undefined) return;
    sleep(3000);
    const cores = ((busyTicks() ?? before) - before) / CLOCK_TICKS / 3;
    if (cores < 0.25) return;
    if (performance.now() > deadline) {
      progress(`${what}: the machine is still busy (${cores.toFixed(2)} cores in use); measuring anyway`);
      return;
    }
    if (!told) progress(`${what}: waiting for a quiet machine (${cores.toFixed(2)} cores in use by others)`);
    told = true;
  }
}

/** Runs a command under /usr/bin/time -v; wall time from here, CPU time and peak RSS from time's report. */
function timed(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Measured {
  const report = path.join(os.tmpdir(), `debforge-bench-time-${process.pid}.txt`);
  const haveTime = statSafe('/usr/bin/time') !== undefined;
  const [cmd, argv] = haveTime ? ['/usr/bin/time', ['-v', '-o', report, command, ...args]] : [command, [...args]];
  const busyBefore = busyTicks();
  const start = performance.now();
  const result = spawnSync(cmd, argv, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * MIB });
  const seconds = (performance.now() - start) / 1000;
  const busyAfter = busyTicks();
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr?.toString().trim()}`);
  }
  let peakRssMiB: number | undefined;
  let cpuSeconds: number | undefined;
  if (haveTime) {
    const text = readFileSync(report, 'utf8');
    const number = (label: string): number | undefined => {
      const match = new RegExp(`${label}: ([0-9.]+)`).exec(text);
      return match ? Number(match[1]) : undefined;
    };
    const rssKiB = number('Maximum resident set size \\(kbytes\\)');
    if (rssKiB !== undefined) peakRssMiB = rssKiB / 1024;
    const user = number('User time \\(seconds\\)');
    const system = number('System time \\(seconds\\)');
    if (user !== undefined && system !== undefined) cpuSeconds = user + system;
    rmSync(report, { force: true });
  }
  const otherCores =
    busyBefore !== undefined && busyAfter !== undefined && cpuSeconds !== undefined
      ? Math.max(0, ((busyAfter - busyBefore) / CLOCK_TICKS - cpuSeconds) / seconds)
      : undefined;
  return { seconds, cpuSeconds, peakRssMiB, otherCores };
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
  runs: number;
  /** The fastest run of each, its peak RSS the highest of all runs. */
  ours: Measured;
  theirs: Measured;
  oursBytes: number;
  theirsBytes: number;
  /** sha256 of debforge's package: the same inputs and SOURCE_DATE_EPOCH must always give it. */
  oursSha256: string;
}

/** The fastest of several runs, with the highest peak RSS seen in any of them. */
function best(runs: Measured[]): Measured {
  const fastest = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const rss = runs.map((r) => r.peakRssMiB).filter((v): v is number => v !== undefined);
  return { ...fastest, peakRssMiB: rss.length > 0 ? Math.max(...rss) : undefined };
}

/**
 * Builds one payload with debforge and, on the tree staged from our package, with dpkg-deb,
 * `runs` times each, alternating.
 */
function compareBuild(work: string, daemon: string, label: string, compression: Compression, runs: number, architecture?: string): Row {
  const outOurs = path.join(work, `out-ours-${compression}`);
  const stage = path.join(work, `stage-${compression}`);
  const theirsDeb = path.join(work, `dpkg-deb-${compression}.deb`);
  mkdirSync(outOurs, { recursive: true });
  const ours: Measured[] = [];
  const theirs: Measured[] = [];
  let deb = '';
  try {
    for (let run = 1; run <= runs; run++) {
      const of = runs > 1 ? ` (run ${run} of ${runs})` : '';
      waitForQuiet(`${label} ${compression}`);
      progress(`${label} ${compression}: debforge build${of}`);
      const mine = timed(process.execPath, [CLI, 'build', daemon, '--out', outOurs, '--compression', compression, ...(architecture ? ['--arch', architecture] : [])], { env: ENV });
      ours.push(mine);
      progress(`${label} ${compression}: debforge ${mine.seconds.toFixed(1)} s, ${fmtMiB(mine.peakRssMiB)} peak RSS, others used ${fmtCores(mine.otherCores)}`);
      if (run === 1) {
        deb = path.join(outOurs, must('ls', [outOurs]).trim().split('\n')[0]!);
        must('dpkg-deb', ['-R', deb, stage]);
      }
      waitForQuiet(`${label} ${compression}`);
      progress(`${label} ${compression}: dpkg-deb --build -Z${compression}${of}`);
      rmSync(theirsDeb, { force: true });
      const other = timed('dpkg-deb', ['--root-owner-group', `-Z${compression}`, `-z${LEVEL[compression]}`, '--build', stage, theirsDeb], { env: ENV });
      theirs.push(other);
      progress(`${label} ${compression}: dpkg-deb ${other.seconds.toFixed(1)} s, ${fmtMiB(other.peakRssMiB)} peak RSS, others used ${fmtCores(other.otherCores)}`);
    }
    const oursSha256 = must('sha256sum', [deb]).split(' ')[0]!;
    return { payload: label, compression, runs, ours: best(ours), theirs: best(theirs), oursBytes: statSync(deb).size, theirsBytes: statSync(theirsDeb).size, oursSha256 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(theirsDeb, { force: true });
    rmSync(outOurs, { recursive: true, force: true });
  }
}

interface Timing {
  medianMs: number;
  minMs: number;
}

interface SmallDaemon {
  method: string;
  default: Timing;
  epoch: Timing;
  dpkgDeb: Timing;
  peakRssMiB: number | undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and fastest wall time (ms) of `runs` runs of a command after 3 warm-up runs, with hyperfine if present. */
function timeRuns(command: string, args: readonly string[], env: NodeJS.ProcessEnv, runs: number, useHyperfine: boolean): Timing {
  let times: number[] = [];
  if (useHyperfine) {
    const json = path.join(os.tmpdir(), `debforge-bench-hyperfine-${process.pid}.json`);
    // -N: no shell in between (the arguments hold no spaces). hyperfine passes its environment on.
    const result = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', json, [command, ...args].join(' ')], { cwd: REPO_ROOT, env, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`hyperfine ${command} ${args.join(' ')} failed`);
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ times: number[] }> };
    rmSync(json, { force: true });
    times = parsed.results[0]!.times.map((t) => t * 1000);
  } else {
    for (let i = 0; i < runs + 3; i++) {
      const start = performance.now();
      const result = spawnSync(command, args, { cwd: REPO_ROOT, env, stdio: 'ignore' });
      if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
      if (i >= 3) times.push(performance.now() - start);
    }
  }
  return { medianMs: median(times), minMs: Math.min(...times) };
}

function smallDaemon(work: string): SmallDaemon {
  const runs = 20;
  const useHyperfine = spawnSync('hyperfine', ['--version'], { stdio: 'ignore' }).status === 0;
  const out = path.join(work, 'small');
  const args = [CLI, 'build', SMALL_DAEMON, '--out', out];
  const withoutEpoch: NodeJS.ProcessEnv = { ...process.env };
  delete withoutEpoch['SOURCE_DATE_EPOCH'];
  waitForQuiet('small daemon');
  progress(`small daemon: ${runs} runs each ${useHyperfine ? 'with hyperfine' : 'in a loop'}`);
  const defaultTiming = timeRuns(process.execPath, args, withoutEpoch, runs, useHyperfine);
  waitForQuiet('small daemon');
  const epochTiming = timeRuns(process.execPath, args, ENV, runs, useHyperfine);
  const peak = timed(process.execPath, args, { env: withoutEpoch }).peakRssMiB;
  const deb = path.join(out, must('ls', [out]).trim().split('\n')[0]!);
  const stage = path.join(work, 'small-stage');
  must('dpkg-deb', ['-R', deb, stage]);
  const dpkgDeb = timeRuns('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, path.join(work, 'small-dpkg-deb.deb')], ENV, runs, useHyperfine);
  rmSync(stage, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  progress(`small daemon: median ${defaultTiming.medianMs.toFixed(0)} ms (SOURCE_DATE_EPOCH unset), ${epochTiming.medianMs.toFixed(0)} ms (set)`);
  return {
    method: useHyperfine ? `hyperfine, ${runs} runs after 3 warm-up runs` : `${runs} runs after 3 warm-up runs`,
    default: defaultTiming,
    epoch: epochTiming,
    dpkgDeb,
    peakRssMiB: peak,
  };
}

// ------------------------------------------------------------------ report

function fmtMiB(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(0)} MiB`;
}

function fmtCores(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(2)} cores`;
}

function fmtSeconds(m: Measured): string {
  return `${m.seconds.toFixed(1)} s${m.cpuSeconds === undefined ? '' : ` (${m.cpuSeconds.toFixed(1)})`}`;
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
  if (row.compression === 'zstd' || row.payload.includes('arm64')) return out;
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
  lines.push("dpkg-deb builds the identical tree, staged from debforge's own package with `dpkg-deb -R`");
  lines.push('(same files, control file and md5sums), with `dpkg-deb --root-owner-group -Z<gzip|xz|zstd> -z<level> --build` at the level');
  lines.push('debforge uses (gzip 9, xz 6, zstd 3: the defaults of both). The arm64 rows put the payload and an arm64 executable in');
  lines.push('files-arm64/ and build with `--arch arm64` (no emulation: the package is assembled, not compiled).');
  lines.push('Payloads are 3/8 random bytes and 5/8 text-like lines (96 + 160 MiB at 256 MiB) in 32 MiB files.');
  lines.push('Every build runs under `/usr/bin/time -v`: wall time (CPU time, user + system, in brackets), and');
  lines.push('peak RSS from "Maximum resident set size". Where a row had several runs (alternating), the fastest');
  lines.push('of each tool is shown, with the highest peak RSS of any run. Before each build the bench waits for');
  lines.push('the machine to be quiet; "others" is the CPU other processes still used during the build.');
  lines.push('debforge runs with its defaults: `--jobs` = cores, gzip -9 in 128 KiB blocks, xz preset 6 in blocks of at most 8 MiB (incompressible data stored in both),');
  lines.push('zstd level 3 as one frame, streamed on one thread (zstd compiled to WebAssembly);');
  lines.push('its time includes computing md5sums, writing, fsync and hashing the package (sha256).');
  lines.push('These are figures from one machine, for people to read: no test asserts any timing.', '');
  lines.push('| | |', '|---|---|');
  for (const [key, value] of Object.entries(info)) lines.push(`| ${key} | ${value} |`);
  lines.push('');
  if (rows.length > 0) {
    lines.push('## Large payloads', '');
    lines.push('| payload | compression | runs | debforge | dpkg-deb | time ratio | debforge peak RSS | dpkg-deb peak RSS | debforge size | dpkg-deb size | size ratio | others (debforge / dpkg-deb run) | targets (issue) |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
    for (const row of rows) {
      const verdicts = targets(row).map((v) => `${v.text}: ${v.met ? 'met' : '**missed**'}`).join('; ');
      lines.push(
        `| ${row.payload} | ${row.compression} | ${row.runs} | ${fmtSeconds(row.ours)} | ${fmtSeconds(row.theirs)} | ${(row.ours.seconds / row.theirs.seconds).toFixed(2)}x | ` +
          `${fmtMiB(row.ours.peakRssMiB)} | ${fmtMiB(row.theirs.peakRssMiB)} | ${fmtBytes(row.oursBytes)} | ${fmtBytes(row.theirsBytes)} | ` +
          `${(row.oursBytes / row.theirsBytes).toFixed(4)}x | ${fmtCores(row.ours.otherCores)} / ${fmtCores(row.theirs.otherCores)} | ${verdicts || '-'} |`,
      );
    }
    lines.push('', "sha256 of debforge's packages (the generated payloads are the same on every run, so a change of code that is meant to leave the output alone must leave these alone):", '');
    for (const row of rows) lines.push(`- ${row.payload} ${row.compression}: ${row.oursSha256}`);
    lines.push('');
  }
  if (small) {
    lines.push(`## Small daemon (\`${SMALL_DAEMON}\`), whole CLI run`, '');
    lines.push(`\`debforge build ${SMALL_DAEMON} --out <tmp>\`, ${small.method}.`, '');
    lines.push('| run | median | fastest | target (issue) |', '|---|---:|---:|---|');
    const verdict = (t: Timing): string => `< 150 ms: ${t.medianMs < 150 ? 'met' : '**missed**'}`;
    lines.push(`| debforge, default (SOURCE_DATE_EPOCH unset: last git commit) | ${small.default.medianMs.toFixed(0)} ms | ${small.default.minMs.toFixed(0)} ms | ${verdict(small.default)} |`);
    lines.push(`| debforge, SOURCE_DATE_EPOCH set | ${small.epoch.medianMs.toFixed(0)} ms | ${small.epoch.minMs.toFixed(0)} ms | ${verdict(small.epoch)} |`);
    lines.push(`| dpkg-deb --build -Zgzip of the same staged tree (for scale) | ${small.dpkgDeb.medianMs.toFixed(0)} ms | ${small.dpkgDeb.minMs.toFixed(0)} ms | |`);
    lines.push('', `Peak RSS of one debforge run: ${fmtMiB(small.peakRssMiB)}.`, '');
  }
  return `${lines.join('\n')}\n`;
}

function plan(): PlanItem[] {
  const compressions = (process.env['BENCH_COMPRESSIONS'] ?? 'gzip,xz,zstd').split(',').map((c) => c.trim()).filter((c): c is Compression => c === 'gzip' || c === 'xz' || c === 'zstd');
  const sizesEnv = process.env['BENCH_SIZES'];
  const sizes = sizesEnv === undefined ? [...new Set(DEFAULT_PLAN.map((p) => p.mib))] : sizesEnv.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  const architectures = process.env['BENCH_ARM64'] === '0' ? [undefined] : [undefined, 'arm64' as const];
  return sizes.flatMap((mib) =>
    architectures.flatMap((architecture) => {
      const item = DEFAULT_PLAN.find((p) => p.mib === mib && p.architecture === architecture);
      if (item === undefined && architecture !== undefined) return [];
      const defaults = item?.compressions ?? ['gzip', 'xz', 'zstd'];
      return [{ mib, compressions: defaults.filter((c) => compressions.includes(c)), ...(architecture ? { architecture } : {}) }];
    }),
  );
}

/** The npm package whose WebAssembly build of zstd debforge runs, with its version. */
function zstdPackage(): string {
  const name = '@oneidentity/zstd-js';
  const manifest = JSON.parse(readFileSync(createRequire(import.meta.url).resolve(`${name}/package.json`), 'utf8')) as { version: string };
  return `${name} ${manifest.version} (zstd 1.4.7)`;
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
    "debforge's zstd (WebAssembly)": zstdPackage(),
    'load average at start (1, 5, 15 min)': loadAverage(),
  };
  const rows: Row[] = [];
  const root = mkdtempSync(path.join(os.tmpdir(), 'debforge-bench-'));
  try {
    for (const { mib, compressions, architecture } of plan()) {
      if (compressions.length === 0) continue;
      const label = `${mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`}${architecture ? ` (${architecture})` : ''}`;
      const work = path.join(root, `size-${mib}${architecture ? `-${architecture}` : ''}`);
      const daemon = path.join(work, 'bench_payload');
      progress(`${label}: generating the payload`);
      makePayloadDaemon(daemon, mib, architecture);
      try {
        for (const compression of compressions) {
          // The tightest ratio (gzip at 256 MiB) gets the fastest of 3 runs; the long ones run once.
          const runs = Number(process.env['BENCH_REPEAT'] ?? (mib <= 256 && compression === 'gzip' && architecture === undefined ? 3 : 1));
          rows.push(compareBuild(work, daemon, label, compression, Math.max(1, runs), architecture));
        }
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
