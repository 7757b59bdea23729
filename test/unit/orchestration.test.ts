// The CLI's build is the library's buildAll: a tree of daemon folders (the shipped daemons, a
// folder with two files-<arch>/ architectures and one with a payload large enough to stream)
// built for two profiles through buildAll in this process and through `debforge build` gives the
// same files, byte for byte, and the same results.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildAll, findProfile, type BuildEvent, type BuildResult } from '../../src/index.js';
import { twoArchitectureFolder } from '../support/multiarch.js';
import { seededRandomBytes } from '../support/seeded.js';
import { REPO_ROOT, copyTree, debforge, tempDir } from '../support/tools.js';

const EPOCH = 1700000000;

async function tree(): Promise<string> {
  const root = path.join(await tempDir('debforge-tree-'), 'daemons');
  await copyTree(path.join(REPO_ROOT, 'daemons'), root);
  await copyTree(await twoArchitectureFolder(), path.join(root, 'robot_driver'));
  const big = path.join(root, 'payload_daemon');
  await copyTree(path.join(REPO_ROOT, 'test', 'fixtures', 'good', 'format2_daemon'), big);
  const manifest = path.join(big, 'package.xml');
  await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace(/format2_daemon/g, 'payload_daemon'));
  const share = path.join(big, 'files', 'usr', 'share', 'payload_daemon');
  await fs.mkdir(share, { recursive: true });
  await fs.writeFile(path.join(share, 'firmware.bin'), seededRandomBytes(2 * 1024 * 1024 + 17, 'orchestration'));
  return root;
}

async function listing(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await fs.readdir(dir)).sort()) files.set(name, await fs.readFile(path.join(dir, name)));
  return files;
}

/** A result without the folder it was written to, to compare runs into two folders. */
function portable(result: BuildResult): BuildResult {
  return { ...result, path: path.basename(result.path) };
}

describe('buildAll: the library builds what the CLI builds', function () {
  this.timeout(600_000);

  for (const compression of ['gzip', 'xz'] as const) {
    it(`${compression}: a folder tree, two profiles, --jobs 2: identical files and results through buildAll and debforge build`, async () => {
      const root = await tree();
      const viaLibrary = await tempDir('debforge-lib-');
      const viaCli = await tempDir('debforge-cli-');
      const events: BuildEvent[] = [];
      const profiles = ['noetic', 'debian-bookworm'].map((name) => findProfile(name)!);
      const { results, problems } = await buildAll([root], { profiles, outDir: viaLibrary, compression, jobs: 2, sourceDateEpoch: EPOCH, onEvent: (event) => events.push(event) });
      assert.deepEqual(problems.filter((p) => p.severity === 'error'), [], 'the tree builds');

      const cli = debforge(['build', root, '--profile', 'noetic', '--profile', 'debian-bookworm', '--out', viaCli, '--compression', compression, '--jobs', '2', '--json'], {
        env: { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH) },
      });
      assert.equal(cli.code, 0, cli.stderr);

      const library = await listing(viaLibrary);
      const command = await listing(viaCli);
      assert.equal(library.size, 7 * 2 + 2, 'one package per daemon and profile, two for the folder with two architectures');
      assert.deepEqual([...command.keys()], [...library.keys()], 'the same file names');
      for (const [name, bytes] of library) assert.ok(bytes.equals(command.get(name)!), `${name} differs between buildAll and debforge build`);
      assert.deepEqual((JSON.parse(cli.stdout) as BuildResult[]).map(portable), results.map(portable), '--json gives what buildAll returns');

      // Every problem returned was told once as it was found, every package written was told too.
      assert.deepEqual(events.flatMap((e) => (e.kind === 'problem' ? [e.problem] : [])), problems);
      assert.deepEqual(events.flatMap((e) => (e.kind === 'built' ? [e.result] : [])).sort((a, b) => a.path.localeCompare(b.path)), [...results].sort((a, b) => a.path.localeCompare(b.path)));
      const progress = events.filter((e) => e.kind === 'progress');
      assert.ok(progress.length > 0, 'progress was told');
      for (const event of progress) assert.ok(event.bytes <= event.total, 'never more bytes than the total');
    });
  }
});
