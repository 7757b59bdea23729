// `npm run bench:repo` (also the last part of `npm run bench`): `debforge repo` side by side with
// apt-ftparchive, aptly and reprepro on the same N tiny .debs (1000 and 10 000 by default), each
// doing a full publish into a new repository and then adding one package. The packages are N
// distinct tiny daemons built with the library's build() (plain profile, one unit each); the one
// added is a new version of the first. Timings are for people to read: no test asserts any of them.
//
//   npx tsc -p tsconfig.json && node build/bench/repo.js
//   BENCH_REPO_COUNTS=1000       package counts to run, comma-separated (default 1000,10000)
//   BENCH_RUNS=N                 runs per row (default 3 at <= 1000 packages, else 1)
//   BENCH_OUT=FILE               where to write the report (default BENCHMARKS.md: the section
//                                between the repository-bench markers is replaced, or appended)
//
// What each row does, all unsigned so that gpg's time is not counted:
// - apt-ftparchive: `packages` over the .debs (no pool), then gzip -9, xz -6 and `release`: one
//   architecture's indexes and a Release. "+1" runs the same again over N + 1 files; "+1 (--db)"
//   uses apt-ftparchive's own cache database, filled by a first run, as debforge uses its cache.
// - cp -r: the same files laid out as a pool (one folder per package), copied with one cp: what
//   placing them costs by itself, which debforge, aptly and reprepro pay and apt-ftparchive (which
//   reads the files where they lie) does not. "+1" copies the new file into a new folder.
// - node.js floor (bench/node-floor.ts): apt-ftparchive's work plus a pool in one Node.js
//   process with no checks, staging, sync or cache: the platform's share of debforge's time. "+1"
//   runs it again over N + 1 files.
// - debforge repo: the whole publish as the CLI runs it: reads every .deb, copies it to the pool,
//   writes Packages, .gz and .xz (and by-hash copies) and Release. "+1" is given the folder of N
//   plus the new file (it remembers what it read before); "+1, the new file only" is given it alone.
// - aptly: `repo create` + `repo add` (copies into aptly's pool) + `publish repo` (links into the
//   published pool, writes the indexes; -skip-contents, as the others write no Contents); "+1" is
//   `repo add` + `publish update`.
// - reprepro: `includedeb` of every file into a new repository (Packages, .gz, .xz); "+1" is
//   `includedeb` of the new file (reprepro then drops the previous version, as it always does).
// A tool that is not installed is reported as missing, not counted.
//
// Nothing is deleted between measured runs: every run keeps its folder, and the sources the
// packages were built from stay, until the work folders of every package count are removed at the
// end. On a filesystem mounted with `discard` (ext4 can be), deleting a tree of a thousand files
// makes the file creations and mkdirs of the next few seconds 5-20x slower while the device
// trims, so a run measured right after a deletion would pay for it: the tools that create a file
// per package (debforge, aptly, reprepro, cp) far more than apt-ftparchive, which creates four.
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { build } from '../src/index.js';
import { parseStanzas } from '../src/debian/deb822.js';
import { poolDirectory } from '../src/repo/pool.js';
import { writeDaemonFolder } from '../test/support/daemon-folder.js';

const COUNTS = (process.env['BENCH_REPO_COUNTS'] ?? '1000,10000').split(',').map((c) => Number(c.trim())).filter((n) => Number.isInteger(n) && n > 0);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin', 'debforge.js');
const EPOCH = 1700000000;
const BEGIN = '<!-- repository benchmark: written by bench/repo.ts -->';
const END = '<!-- end of repository benchmark -->';

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function daemon(parent: string, index: number, version = '1.0.0'): Promise<string> {
  const name = `bench_daemon_${String(index).padStart(5, '0')}`;
  // One parent folder per daemon: siblings in one folder would each be read by every build.
  const dir = path.join(parent, `${index}-${version}`, name);
  await writeDaemonFolder(dir, {
    name,
    version,
    description: `Benchmark daemon number ${index} for the repository indexer.`,
    maintainer: { name: 'Bench Team', email: 'bench@example.org' },
    license: 'Apache-2.0',
    unitDescription: `Bench daemon ${index}`,
  });
  return dir;
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

function time(command: string, args: readonly string[], cwd?: string): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const sh = (script: string, cwd: string): number => time('sh', ['-c', script], cwd);

interface Row {
  tool: string;
  full: number[];
  plusOne: number[];
}

function fastest(samples: readonly number[]): string {
  return samples.length === 0 ? '-' : `${Math.min(...samples).toFixed(0)} ms`;
}

/** Runs `step` `runs` times, each in a fresh folder, kept until the work folder goes (see the header). */
async function measure(work: string, label: string, runs: number, step: (dir: string) => Promise<{ full: number; plusOne: number }>): Promise<{ full: number[]; plusOne: number[] }> {
  const full: number[] = [];
  const plusOne: number[] = [];
  for (let run = 0; run < runs; run++) {
    const dir = path.join(work, `${label}-${run}`);
    await fs.mkdir(dir, { recursive: true });
    const result = await step(dir);
    full.push(result.full);
    plusOne.push(result.plusOne);
  }
  return { full, plusOne };
}

/** Work folders of the counts measured so far: removed once every count is done (see the file's comment on deleting). */
const WORK_FOLDERS: string[] = [];

async function benchCount(count: number): Promise<string> {
  const runs = Number(process.env['BENCH_RUNS'] ?? (count <= 1000 ? 3 : 1));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'debforge-bench-repo-'));
  WORK_FOLDERS.push(work);
  const sources = path.join(work, 'src');
  const debs = path.join(work, 'debs');
  const extra = path.join(work, 'extra');
  progress(`building ${count} tiny packages...`);
  const buildStarted = performance.now();
  for (let i = 0; i < count; i += 16) {
    const dirs = await Promise.all(Array.from({ length: Math.min(16, count - i) }, (_, k) => daemon(sources, i + k)));
    await Promise.all(dirs.map((dir) => build(dir, { outDir: debs, profile: 'plain', sourceDateEpoch: EPOCH, jobs: 1 })));
  }
  const extraDeb = (await build(await daemon(sources, 0, '1.0.1'), { outDir: extra, profile: 'plain', sourceDateEpoch: EPOCH, jobs: 1 })).path;
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const names = (await fs.readdir(debs)).sort();
  const totalBytes = (await Promise.all(names.map(async (f) => (await fs.stat(path.join(debs, f))).size))).reduce((a, b) => a + b, 0);
  // debforge remembers files by identity and skips those written in the last 2 s: let them settle.
  await new Promise((resolve) => setTimeout(resolve, 2_100));

  const rows: Row[] = [];
  const missing: string[] = [];
  const pipeline = (list: string): string => `apt-ftparchive packages ${list} > Packages && gzip -9kf Packages && xz -6kf Packages && apt-ftparchive release . > Release`;
  const both = path.join(work, 'both');
  await fs.mkdir(both);
  for (const name of names) await fs.link(path.join(debs, name), path.join(both, name));
  await fs.link(extraDeb, path.join(both, path.basename(extraDeb)));

  progress('apt-ftparchive...');
  const ftp = await measure(work, 'ftp', runs, async (dir) => ({ full: sh(pipeline(debs), dir), plusOne: sh(pipeline(both), dir) }));
  rows.push({ tool: 'apt-ftparchive packages + gzip + xz + release', ...ftp });
  const ftpDb = await measure(work, 'ftpdb', runs, async (dir) => {
    const withDb = (list: string): string => pipeline(list).replace('apt-ftparchive packages', 'apt-ftparchive --db cache.db packages');
    return { full: sh(withDb(debs), dir), plusOne: sh(withDb(both), dir) };
  });
  rows.push({ tool: 'the same with apt-ftparchive --db (its cache)', ...ftpDb });

  // What keeping a pool costs by itself: apt-ftparchive reads the files where they lie, while
  // debforge, aptly and reprepro each place a copy in pool/<component>/<prefix>/<source>/.
  progress('placing the files in a pool with cp...');
  const layout = path.join(work, 'layout');
  for (const name of names) {
    const folder = path.join(layout, poolDirectory('main', name.split('_')[0]!));
    await fs.mkdir(folder, { recursive: true });
    await fs.link(path.join(debs, name), path.join(folder, name));
  }
  const extraFolder = poolDirectory('main', `${path.basename(extraDeb).split('_')[0]!}-plus-one`);
  const placed = await measure(work, 'cp', runs, async (dir) => ({ full: sh(`cp -r ${layout}/pool pool`, dir), plusOne: sh(`mkdir -p ${extraFolder} && cp ${extraDeb} ${extraFolder}/`, dir) }));
  rows.push({ tool: 'cp -r of the files laid out as a pool, one folder per package (no indexes, no fsync: the placing alone)', ...placed });

  // The least a Node.js process does for the same publish (bench/node-floor.ts): what of
  // debforge's time the platform takes before any of debforge's own work.
  progress('the least a Node.js process does...');
  const floorScript = path.join(ROOT, 'build', 'bench', 'node-floor.js');
  const floor = await measure(work, 'floor', runs, async (dir) => ({ full: time(process.execPath, [floorScript, debs, path.join(dir, 'repo')]), plusOne: time(process.execPath, [floorScript, both, path.join(dir, 'repo-plus-one')]) }));
  rows.push({ tool: 'node.js floor: the same work as apt-ftparchive plus a pool, nothing checked, staged or synced (bench/node-floor.ts)', ...floor });

  progress('debforge repo...');
  let reference = '';
  const ours = await measure(work, 'debforge', runs, async (dir) => {
    const repo = path.join(dir, 'repo');
    const full = time(process.execPath, [CLI, 'repo', debs, '--out', repo]);
    const plusOne = time(process.execPath, [CLI, 'repo', debs, extraDeb, '--out', repo]);
    reference = readFileSync(path.join(repo, 'dists', 'bookworm', 'main', 'binary-all', 'Packages'), 'utf8');
    return { full, plusOne };
  });
  rows.push({ tool: 'debforge repo (+1: given all N + 1 files)', ...ours });
  const alone = await measure(work, 'debforge-alone', runs, async (dir) => {
    const repo = path.join(dir, 'repo');
    return { full: time(process.execPath, [CLI, 'repo', debs, '--out', repo]), plusOne: time(process.execPath, [CLI, 'repo', extraDeb, '--out', repo]) };
  });
  rows.push({ tool: 'debforge repo (+1: given the new file only)', ...alone });

  if (has('aptly')) {
    progress('aptly...');
    const aptly = await measure(work, 'aptly', runs, async (dir) => {
      const config = path.join(dir, 'aptly.conf');
      writeFileSync(config, JSON.stringify({ rootDir: path.join(dir, 'root'), gpgDisableSign: true, gpgDisableVerify: true, architectures: ['amd64'] }));
      const aptly = (args: string): string => `aptly -config=${config} ${args} >/dev/null`;
      const full = sh(`${aptly('repo create -distribution=bookworm -component=main bench')} && ${aptly(`repo add bench ${debs}`)} && ${aptly('publish repo -skip-signing -skip-contents -distribution=bookworm bench')}`, dir);
      const plusOne = sh(`${aptly(`repo add bench ${extraDeb}`)} && ${aptly('publish update -skip-signing -skip-contents bookworm')}`, dir);
      return { full, plusOne };
    });
    rows.push({ tool: 'aptly repo add + publish', ...aptly });
  } else missing.push('aptly');

  if (has('reprepro')) {
    progress('reprepro...');
    const reprepro = await measure(work, 'reprepro', runs, async (dir) => {
      await fs.mkdir(path.join(dir, 'conf'));
      writeFileSync(path.join(dir, 'conf', 'distributions'), 'Codename: bookworm\nArchitectures: amd64\nComponents: main\nDebIndices: Packages Release . .gz .xz\n');
      const full = time('reprepro', ['-b', dir, 'includedeb', 'bookworm', ...names.map((name) => path.join(debs, name))]);
      const plusOne = time('reprepro', ['-b', dir, 'includedeb', 'bookworm', extraDeb]);
      return { full, plusOne };
    });
    rows.push({ tool: 'reprepro includedeb', ...reprepro });
  } else missing.push('reprepro');

  const startup = Array.from({ length: Math.max(3, runs) }, () => time(process.execPath, [CLI, '--version']));
  const stanzas = parseStanzas(reference).length;
  const lines = [
    `### ${count} packages`,
    '',
    `${(totalBytes / 1024 / 1024).toFixed(1)} MiB of .debs (built in ${buildSeconds.toFixed(0)} s); fastest of ${runs} run${runs === 1 ? '' : 's'} each; debforge's index lists ${stanzas} packages after +1.`,
    `Start-up of node + debforge alone (\`debforge --version\`): ${fastest(startup)}. Load average at the end: ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}.`,
    ...(missing.length > 0 ? [`Not installed, so not run: ${missing.join(', ')}.`] : []),
    '',
    '| tool | full publish | +1 package |',
    '|---|---:|---:|',
    ...rows.map((row) => `| ${row.tool} | ${fastest(row.full)} | ${fastest(row.plusOne)} |`),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const sections: string[] = [];
  try {
    for (const count of COUNTS) {
      const section = await benchCount(count);
      process.stdout.write(`${section}\n`);
      sections.push(section);
    }
  } finally {
    for (const work of WORK_FOLDERS) await fs.rm(work, { recursive: true, force: true });
  }
  const report = [
    BEGIN,
    '## APT repository: debforge repo, apt-ftparchive, aptly, reprepro',
    '',
    `Written by \`npm run bench:repo\` (bench/repo.ts) on ${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node.js ${process.version}.`,
    'Wall times of whole command runs (start-up included), unsigned. bench/repo.ts says what each row does.',
    '',
    ...sections,
    END,
  ].join('\n');
  const outFile = process.env['BENCH_OUT'] ?? path.join(ROOT, 'BENCHMARKS.md');
  let text = '';
  try {
    text = readFileSync(outFile, 'utf8');
  } catch {
    text = '';
  }
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const updated = start >= 0 && end > start ? `${text.slice(0, start)}${report}${text.slice(end + END.length)}` : `${text}${text === '' || text.endsWith('\n\n') ? '' : '\n'}${report}\n`;
  writeFileSync(outFile, updated);
  progress(`wrote ${path.relative(ROOT, outFile) || outFile}`);
}

await main();
