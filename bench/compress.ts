// Times debforge's compressors against the real tools on mixed data: 96 MiB of random bytes
// plus 160 MiB of text-like lines, 256 MiB in all. `BENCH_MIB` scales it and keeps the same
// 3:5 split. Timings are for reading by people only: no test asserts any of them.
//
//   npx tsc -p tsconfig.json && node build/bench/compress.js
//
// BENCH_KEEP_INPUT=<file> also saves the generated input; BENCH_ONLY_GENERATE=1 stops there.
//
// The external tools read a temporary file and write to another. Ours read the same bytes
// from memory in 1 MiB chunks and only count and hash the output.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, createXz, xzLibraryVersion } from '../src/write/compress/index.js';
import { seededRandomBytes, seededText } from '../test/support/seeded.js';

const MIB = 1024 * 1024;
const TOTAL_MIB = Number(process.env['BENCH_MIB'] ?? 256);
const RANDOM_MIB = Math.round((TOTAL_MIB * 96) / 256);
const TEXT_MIB = TOTAL_MIB - RANDOM_MIB;

interface Row {
  what: string;
  seconds: number;
  bytes: number;
  sha256?: string;
}

async function runOurs(what: string, make: () => Transform, input: Buffer): Promise<Row> {
  const hash = createHash('sha256');
  let bytes = 0;
  const start = performance.now();
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < input.length; i += MIB) yield input.subarray(i, i + MIB);
      })(),
    ),
    make(),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        bytes += chunk.length;
        hash.update(chunk);
      }
    },
  );
  return { what, seconds: (performance.now() - start) / 1000, bytes, sha256: hash.digest('hex') };
}

function runTool(what: string, command: string, args: string[], inputPath: string, outputPath: string): Row | undefined {
  const input = openSync(inputPath, 'r');
  const output = openSync(outputPath, 'w');
  const start = performance.now();
  const result = spawnSync(command, args, { stdio: [input, output, 'inherit'] });
  const seconds = (performance.now() - start) / 1000;
  closeSync(input);
  closeSync(output);
  if (result.error !== undefined || result.status !== 0) {
    console.log(`(skipped ${what}: ${result.error?.message ?? `exit ${result.status}`})`);
    return undefined;
  }
  const bytes = statSync(outputPath).size;
  return { what, seconds, bytes, sha256: createHash('sha256').update(readFileSync(outputPath)).digest('hex') };
}

function table(title: string, rows: Row[], inputBytes: number): void {
  console.log(`\n${title}`);
  console.log(`${'compressor'.padEnd(36)} ${'seconds'.padStart(8)} ${'MiB/s'.padStart(7)} ${'output'.padStart(12)} ${'ratio'.padStart(7)}`);
  for (const row of rows) {
    console.log(
      `${row.what.padEnd(36)} ${row.seconds.toFixed(1).padStart(8)} ${(inputBytes / MIB / row.seconds).toFixed(1).padStart(7)} ` +
        `${String(row.bytes).padStart(12)} ${(row.bytes / inputBytes).toFixed(4).padStart(7)}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'debforge-bench-'));
  try {
    console.log(`generating ${RANDOM_MIB} MiB random + ${TEXT_MIB} MiB text-like data...`);
    const input = Buffer.concat([seededRandomBytes(RANDOM_MIB * MIB, 'debforge-bench-1'), seededText(TEXT_MIB * MIB, 2)]);
    const inputPath = join(dir, 'input');
    writeFileSync(inputPath, input);
    const keep = process.env['BENCH_KEEP_INPUT'];
    if (keep) writeFileSync(keep, input);
    if (process.env['BENCH_ONLY_GENERATE']) return;
    const outPath = join(dir, 'output');
    console.log(`cpus: ${availableParallelism()}, UV_THREADPOOL_SIZE: ${process.env['UV_THREADPOOL_SIZE'] ?? '(default 4)'}`);

    const gzipRows: Row[] = [];
    for (const jobs of [1, 2]) {
      gzipRows.push(await runOurs(`debforge gzip -9, jobs ${jobs}`, () => createGzip({ level: 9, jobs }), input));
    }
    const gzipSame = gzipRows[0]!.sha256 === gzipRows[1]!.sha256;
    for (const [what, command, args] of [
      ['gzip -9n', 'gzip', ['-9n']],
      ['pigz -9 (all cores)', 'pigz', ['-9', '-n']],
    ] as const) {
      const row = runTool(what, command, [...args], inputPath, outPath);
      if (row) gzipRows.push(row);
    }
    table(`gzip, ${TOTAL_MIB} MiB input (debforge output identical for jobs 1 and 2: ${gzipSame})`, gzipRows, input.length);

    const xzRows: Row[] = [];
    let liblzma = '';
    try {
      liblzma = await xzLibraryVersion();
      xzRows.push(await runOurs('debforge xz -6, jobs 2 (8 MiB blocks, incompressible runs stored)', () => createXz({ preset: 6, jobs: 2 }), input));
    } catch (error) {
      console.log(`(skipped debforge xz: ${error instanceof Error ? error.message : String(error)})`);
    }
    for (const [what, command, args] of [
      ['xz -6 (one thread, one block)', 'xz', ['-6', '-T1', '-c']],
      ['xz -6 -T2 (24 MiB blocks)', 'xz', ['-6', '-T2', '-c']],
      ['xz -6 -T2 --block-size=8MiB', 'xz', ['-6', '-T2', '--block-size=8MiB', '-c']],
    ] as const) {
      const row = runTool(what, command, [...args], inputPath, outPath);
      if (row) xzRows.push(row);
    }
    table(`xz, ${TOTAL_MIB} MiB input (debforge's liblzma ${liblzma || 'not loaded'})`, xzRows, input.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
