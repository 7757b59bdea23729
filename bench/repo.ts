// Times `debforge repo` against `apt-ftparchive packages` on the same 1000 .debs: 1000 distinct
// tiny daemons built with the library's build() (plain profile, one unit each). `BENCH_PACKAGES`
// changes the count. Timings are for reading by people only: no test asserts any of them.
//
//   npx tsc -p tsconfig.json && node build/bench/repo.js
//
// What each row does:
// - apt-ftparchive packages: reads every .deb and writes one uncompressed Packages index;
// - the same, then gzip -9, xz -6 and apt-ftparchive release: one architecture's indexes and a
//   Release, but no pool;
// - debforge repo (new): the whole publish, as the CLI runs it: reads every .deb, copies it to
//   the pool, writes Packages, .gz and .xz (and by-hash copies) under binary-all, and the Release
//   file (unsigned, so that gpg's time is not counted);
// - debforge repo (same again): the identical re-publish, which must change nothing;
// - debforge repo (+1 package): one new version into the 1000-package repository.
// Each is run BENCH_RUNS times (default 3); the table gives the fastest and the median.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { build } from '../src/index.js';
import { parseStanzas } from '../src/repo/index.js';

const COUNT = Number(process.env['BENCH_PACKAGES'] ?? 1000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'bin', 'debforge.js');
const EPOCH = 1700000000;

async function daemon(parent: string, index: number, version = '1.0.0'): Promise<string> {
  const name = `bench_daemon_${String(index).padStart(4, '0')}`;
  // One parent folder per daemon: siblings in one folder would each be read by every build.
  const dir = path.join(parent, `${index}-${version}`, name);
  await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
  await fs.writeFile(
    path.join(dir, 'package.xml'),
    `<?xml version="1.0"?>
<package format="3">
  <name>${name}</name>
  <version>${version}</version>
  <description>Benchmark daemon number ${index} for the repository indexer.</description>
  <maintainer email="bench@example.org">Bench Team</maintainer>
  <license>Apache-2.0</license>
</package>
`,
  );
  await fs.writeFile(path.join(dir, 'etc', `${name.replace(/_/g, '-')}.service.in`), `[Unit]\nDescription=Bench daemon ${index}\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n`);
  return dir;
}

function time(command: string, args: string[], options: { cwd?: string; stdout?: string } = {}): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

function summary(samples: number[]): { min: number; median: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]! };
}

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'debforge-bench-repo-'));
  try {
    const sources = path.join(work, 'src');
    const debs = path.join(work, 'debs');
    const extra = path.join(work, 'extra');
    await fs.mkdir(sources);
    process.stderr.write(`building ${COUNT} tiny packages...\n`);
    const buildStarted = performance.now();
    const dirs = await Promise.all(Array.from({ length: COUNT }, (_, i) => daemon(sources, i)));
    for (let i = 0; i < dirs.length; i += 16) {
      await Promise.all(dirs.slice(i, i + 16).map((dir) => build(dir, { outDir: debs, profile: 'plain', sourceDateEpoch: EPOCH, jobs: 1 })));
    }
    const extraDeb = (await build(await daemon(sources, 0, '1.0.1'), { outDir: extra, profile: 'plain', sourceDateEpoch: EPOCH, jobs: 1 })).path;
    const buildMs = performance.now() - buildStarted;
    const totalBytes = (await Promise.all((await fs.readdir(debs)).map(async (f) => (await fs.stat(path.join(debs, f))).size))).reduce((a, b) => a + b, 0);

    const rows: Array<[string, number[]]> = [];
    const ftparchive: number[] = [];
    let reference = '';
    for (let run = 0; run < RUNS; run++) {
      const result = time('apt-ftparchive', ['packages', 'debs'], { cwd: work });
      ftparchive.push(result.ms);
      reference = result.stdout;
    }
    rows.push(['apt-ftparchive packages (1 uncompressed index)', ftparchive]);
    const pipeline: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const script = 'apt-ftparchive packages debs > Packages && gzip -9kf Packages && xz -6kf Packages && apt-ftparchive release . > Release';
      pipeline.push(time('sh', ['-c', script], { cwd: work }).ms);
    }
    rows.push(['apt-ftparchive packages + gzip + xz + release (1 arch)', pipeline]);

    const fresh: number[] = [];
    const again: number[] = [];
    const plusOne: number[] = [];
    let repo = '';
    for (let run = 0; run < RUNS; run++) {
      repo = path.join(work, `repo-${run}`);
      fresh.push(time(process.execPath, [CLI, 'repo', debs, '--out', repo]).ms);
      again.push(time(process.execPath, [CLI, 'repo', debs, '--out', repo]).ms);
      plusOne.push(time(process.execPath, [CLI, 'repo', extraDeb, '--out', repo]).ms);
    }
    rows.push([`debforge repo, new (pool + 3 indexes + Release)`, fresh]);
    rows.push(['debforge repo, same files again (no-op)', again]);
    rows.push(['debforge repo, +1 package into the repository', plusOne]);
    const startup = Array.from({ length: RUNS }, () => time(process.execPath, [CLI, '--version']).ms);
    rows.push(['(node + debforge start-up alone)', startup]);

    // The same stanzas as apt-ftparchive, less its SHA1/SHA512: a sanity check, not a test.
    const ours = parseStanzas(await fs.readFile(path.join(repo, 'dists', 'bookworm', 'main', 'binary-all', 'Packages'), 'utf8'));
    const theirs = parseStanzas(reference);

    console.log(`${COUNT} packages, ${(totalBytes / 1024 / 1024).toFixed(1)} MiB of .debs (built in ${(buildMs / 1000).toFixed(1)} s); ${RUNS} runs each; ${os.cpus()[0]?.model ?? 'cpu'} x ${os.availableParallelism()}`);
    console.log(`Packages stanzas: debforge ${ours.length} (of ${COUNT + 1} after +1), apt-ftparchive ${theirs.length}`);
    console.log('');
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log(`${'what'.padEnd(width)}  ${'fastest'.padStart(9)}  ${'median'.padStart(9)}`);
    for (const [label, samples] of rows) {
      const { min, median } = summary(samples);
      console.log(`${label.padEnd(width)}  ${`${min.toFixed(0)} ms`.padStart(9)}  ${`${median.toFixed(0)} ms`.padStart(9)}`);
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

await main();
