// Property: any file tree a team can put under files/ (unicode and spaces in names, components
// over 100 bytes, paths over 255 bytes, sizes around the 512-byte tar block, odd sizes,
// executable bits, symlinks inside the tree, empty folders) comes back unchanged from the
// package: through our reader, through `dpkg-deb --raw-extract`, and through `dpkg --unpack`.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { build } from '../../src/pipeline/package.js';
import { readDeb } from '../../src/deb/index.js';
import { run, scratchRoot, tempDir } from '../support/tools.js';

/** Where the generated tree is installed. */
const ROOT = 'opt/prop-tree';
const RUNS = Number(process.env['DEBFORGE_PROPERTY_RUNS'] ?? 200);

interface FileSpec {
  kind: 'file';
  size: number;
  seed: number;
  executable: boolean;
}
interface LinkSpec {
  kind: 'link';
  /** Index of the entry it points at, among the tree's files and folders. */
  target: number;
  absolute: boolean;
}
interface TreeSpec {
  folders: string[][];
  files: { folder: number; name: string; spec: FileSpec }[];
  links: { folder: number; name: string; spec: LinkSpec }[];
}

/** What a path must come back as. */
type Expected = { type: 'directory'; mode: number } | { type: 'file'; mode: number; content: Buffer } | { type: 'symlink'; target: string };

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A name any Debian package may carry: UTF-8, no `/`, no control character, not a template. */
function validName(name: string): boolean {
  return (
    name !== '.' &&
    name !== '..' &&
    // No lone surrogate: the name has a UTF-8 form.
    !/\p{Cs}/u.test(name) &&
    !/[/\u0000-\u001f\u007f]/.test(name) &&
    !name.endsWith('.in') &&
    // `@NAME@` in a payload path is a template variable, substituted or refused.
    !/@[A-Za-z_][A-Za-z0-9_]*@/.test(name) &&
    byteLength(name) <= 200
  );
}

const component = fc
  .oneof(
    { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_.~+,@=#%'.split('')), minLength: 1, maxLength: 12 }) },
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }) },
    // Single components over 100 bytes: GNU long names in the tar.
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 101, maxLength: 160 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 30, maxLength: 45 }) },
  )
  .filter(validName);

const size = fc.oneof(fc.constantFrom(0, 1, 511, 512, 513, 1023, 1024, 1025, 10_240), fc.integer({ min: 0, max: 4000 }).map((n) => n | 1));

const fileSpec: fc.Arbitrary<FileSpec> = fc.record({ kind: fc.constant('file' as const), size, seed: fc.integer({ min: 1, max: 0x7fffffff }), executable: fc.boolean() });

const tree: fc.Arbitrary<TreeSpec> = fc.record({
  // Folders up to 6 deep: with long components, paths well over 255 bytes.
  folders: fc.array(fc.array(component, { minLength: 1, maxLength: 6 }), { minLength: 0, maxLength: 5 }),
  files: fc.array(fc.record({ folder: fc.nat(), name: component, spec: fileSpec }), { minLength: 1, maxLength: 10 }),
  links: fc.array(fc.record({ folder: fc.nat(), name: component, spec: fc.record({ kind: fc.constant('link' as const), target: fc.nat(), absolute: fc.boolean() }) }), { maxLength: 3 }),
});

/** Deterministic bytes for a file: no ELF magic at the start (that would make it arch-specific). */
function content(spec: FileSpec): Buffer {
  const data = Buffer.alloc(spec.size);
  let x = spec.seed;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  if (data.length > 0 && data[0] === 0x7f) data[0] = 0;
  return data;
}

/** Turns the spec into concrete relative paths; later entries that collide with earlier ones are dropped. */
function materialize(spec: TreeSpec): Map<string, Expected> {
  const expected = new Map<string, Expected>();
  const folders: string[] = [''];
  const addFolder = (parts: string[]): void => {
    let current = '';
    for (const part of parts) {
      const next = current === '' ? part : `${current}/${part}`;
      const existing = expected.get(next);
      if (existing && existing.type !== 'directory') return;
      if (!existing) {
        expected.set(next, { type: 'directory', mode: 0o755 });
        folders.push(next);
      }
      current = next;
    }
  };
  spec.folders.forEach(addFolder);
  const join = (folder: string, name: string): string => (folder === '' ? name : `${folder}/${name}`);
  for (const file of spec.files) {
    const where = join(folders[file.folder % folders.length]!, file.name);
    if (expected.has(where)) continue;
    expected.set(where, { type: 'file', mode: file.spec.executable ? 0o755 : 0o644, content: content(file.spec) });
  }
  const targets = [...expected.keys()];
  for (const link of spec.links) {
    const folder = folders[link.folder % folders.length]!;
    const where = join(folder, link.name);
    const target = targets[link.spec.target % targets.length]!;
    if (expected.has(where) || target === where) continue;
    const linkTarget = link.spec.absolute ? `/${ROOT}/${target}` : path.posix.relative(folder === '' ? '.' : folder, target) || '.';
    expected.set(where, { type: 'symlink', target: linkTarget });
  }
  return expected;
}

async function writeDaemon(dir: string, expected: Map<string, Expected>): Promise<void> {
  await fs.mkdir(dir);
  await fs.writeFile(
    path.join(dir, 'package.xml'),
    '<package format="3"><name>prop_tree</name><version>1.0.0</version><description>Generated file tree for the round-trip property.</description>' +
      '<maintainer email="robotics@example.org">Robotics Team</maintainer><license>MIT</license></package>\n',
  );
  const base = path.join(dir, 'files', ROOT);
  await fs.mkdir(base, { recursive: true });
  // Sorted, so every folder exists before what it holds.
  for (const [relative, entry] of [...expected].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const full = path.join(base, relative);
    if (entry.type === 'directory') await fs.mkdir(full, { recursive: true });
    else if (entry.type === 'file') {
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, entry.content);
      await fs.chmod(full, entry.mode);
    } else {
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.symlink(entry.target, full);
    }
  }
}

/** Reads a tree back from disk below `base`, in the same shape as `Expected`. */
async function readTree(base: string): Promise<Map<string, Expected>> {
  const found = new Map<string, Expected>();
  const walk = async (relative: string): Promise<void> => {
    for (const name of await fs.readdir(path.join(base, relative))) {
      const rel = relative === '' ? name : `${relative}/${name}`;
      const full = path.join(base, rel);
      const stat = await fs.lstat(full);
      if (stat.isSymbolicLink()) found.set(rel, { type: 'symlink', target: await fs.readlink(full) });
      else if (stat.isDirectory()) {
        found.set(rel, { type: 'directory', mode: stat.mode & 0o7777 });
        await walk(rel);
      } else found.set(rel, { type: 'file', mode: stat.mode & 0o7777, content: await fs.readFile(full) });
    }
  };
  await walk('');
  return found;
}

/** The tree as our reader (its own parser, with the writer's header codec) sees data.tar; dpkg-deb and dpkg are the oracles. */
async function readPackageTree(deb: string): Promise<Map<string, Expected>> {
  const found = new Map<string, Expected>();
  const prefix = `./${ROOT}/`;
  for (const item of (await readDeb(deb, { withContents: true })).dataItems) {
    if (!item.name.startsWith(prefix) || item.name === prefix) continue;
    const rel = item.name.slice(prefix.length).replace(/\/$/, '');
    if (item.type === 'directory') found.set(rel, { type: 'directory', mode: item.mode & 0o7777 });
    else if (item.type === 'symlink') found.set(rel, { type: 'symlink', target: item.linkname ?? '' });
    else found.set(rel, { type: 'file', mode: item.mode & 0o7777, content: item.content ?? Buffer.alloc(0) });
  }
  return found;
}

function sameTree(actual: Map<string, Expected>, expected: Map<string, Expected>, label: string): void {
  const show = (map: Map<string, Expected>): Record<string, string> =>
    Object.fromEntries(
      [...map].map(([k, v]) => [k, v.type === 'file' ? `file ${v.mode.toString(8)} ${v.content.length} ${v.content.toString('base64').slice(0, 24)}` : v.type === 'directory' ? `dir ${v.mode.toString(8)}` : `link -> ${v.target}`]),
    );
  assert.deepEqual(show(actual), show(expected), label);
  for (const [name, entry] of expected) {
    if (entry.type === 'file') assert.ok((actual.get(name) as { content: Buffer }).content.equals(entry.content), `${label}: content of ${name}`);
  }
}

describe('property: any file tree round-trips through the package', function () {
  this.timeout(600_000);

  it(`${RUNS} random trees: our reader, dpkg-deb --raw-extract and dpkg --unpack give back the same tree`, async () => {
    let deepest = 0;
    let longestComponent = 0;
    let links = 0;
    await fc.assert(
      fc.asyncProperty(tree, async (spec) => {
        const expected = materialize(spec);
        const work = await tempDir('debforge-prop-');
        try {
          const daemon = path.join(work, 'prop_tree');
          await writeDaemon(daemon, expected);
          const built = await build(daemon, { outDir: path.join(work, 'out'), profile: 'plain', compression: 'gzip', jobs: 1, sourceDateEpoch: 1_700_000_000 });

          sameTree(await readPackageTree(built.path), expected, 'our reader');

          const extracted = path.join(work, 'extracted');
          const raw = run('dpkg-deb', ['--raw-extract', built.path, extracted]);
          assert.equal(raw.code, 0, `dpkg-deb --raw-extract: ${raw.stderr}`);
          sameTree(await readTree(path.join(extracted, ROOT)), expected, 'dpkg-deb --raw-extract');

          const root = await scratchRoot();
          try {
            // As the shared helper does, plus --force-unsafe-io: no fsync per file in a scratch root.
            const unpacked = run('dpkg', ['--root', root, '--force-not-root', '--force-depends', '--force-unsafe-io', '--log=/dev/null', '--unpack', built.path]);
            assert.equal(unpacked.code, 0, `dpkg --unpack: ${unpacked.stderr}`);
            sameTree(await readTree(path.join(root, ROOT)), expected, 'dpkg --unpack');
          } finally {
            await fs.rm(root, { recursive: true, force: true });
          }
          for (const [name, entry] of expected) {
            deepest = Math.max(deepest, byteLength(`/${ROOT}/${name}`));
            longestComponent = Math.max(longestComponent, ...name.split('/').map(byteLength));
            if (entry.type === 'symlink') links++;
          }
        } finally {
          await fs.rm(work, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS },
    );
    // The generator really reached what the property is about.
    assert.ok(deepest > 255, `deepest path ${deepest} bytes`);
    assert.ok(longestComponent > 100, `longest component ${longestComponent} bytes`);
    assert.ok(links > 0, 'symlinks were generated');
  });
});
