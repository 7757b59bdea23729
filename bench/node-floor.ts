// A row of `npm run bench:repo`: the least a Node.js process does to publish the same .debs with a
// pool, to say what part of debforge's full-publish time is the platform's. It does apt-ftparchive's
// work (every file read and hashed, its control.tar.gz and data.tar.gz inflated and their tar headers
// walked, Packages written with gzip -9 and one xz -6 stream, a Release) plus placing each file in
// pool/main/<letter>/<package>/, and nothing else: no header is validated, nothing is staged or
// synced, no cache, no by-hash, no lock. Not a publisher: a measuring stick.
//
//   node build/bench/node-floor.js DEBS_FOLDER NEW_REPOSITORY_FOLDER
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const [debs, out] = process.argv.slice(2);
if (debs === undefined || out === undefined) throw new Error('usage: node-floor.js DEBS_FOLDER NEW_REPOSITORY_FOLDER');

/** The control file of a .deb, walking its ar members and its tar headers with no checks. */
function controlOf(deb: Buffer): string {
  let control = '';
  for (let offset = 8; offset < deb.length; ) {
    const name = deb.toString('latin1', offset, offset + 16).trim();
    const size = Number(deb.toString('latin1', offset + 48, offset + 58).trim());
    const data = deb.subarray(offset + 60, offset + 60 + size);
    offset += 60 + size + (size % 2);
    if (!name.endsWith('.tar.gz')) continue;
    const tar = gunzipSync(data);
    for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
      const entrySize = parseInt(tar.toString('latin1', at + 124, at + 136), 8);
      if (tar.toString('latin1', at, at + 10) === './control\0') control = tar.toString('utf8', at + 512, at + 512 + entrySize);
      at += 512 + Math.ceil(entrySize / 512) * 512;
    }
  }
  return control;
}

const stanzas: string[] = [];
for (const name of readdirSync(debs).sort()) {
  const deb = readFileSync(path.join(debs, name));
  const control = controlOf(deb);
  const pkg = /^Package: (.+)$/m.exec(control)?.[1] ?? name;
  const filename = `pool/main/${pkg[0]}/${pkg}/${name}`;
  mkdirSync(path.join(out, path.dirname(filename)), { recursive: true });
  writeFileSync(path.join(out, filename), deb);
  const md5 = createHash('md5').update(deb).digest('hex');
  const sha256 = createHash('sha256').update(deb).digest('hex');
  stanzas.push(`${control.trimEnd()}\nFilename: ${filename}\nSize: ${deb.length}\nMD5sum: ${md5}\nSHA256: ${sha256}\n`);
}
const packages = Buffer.from(stanzas.join('\n'));
// One xz -6 stream, as the xz command writes it, through liblzma on a thread of lzma-native's.
const lzma = ((await import('lzma-native')) as unknown as { default: { compress(input: Buffer, options: { preset: number }, done: (result: Buffer, error?: Error) => void): void } }).default;
const xz = await new Promise<Buffer>((resolve, reject) => lzma.compress(packages, { preset: 6 }, (result, error) => (error ? reject(error) : resolve(result))));
const index = path.join(out, 'dists', 'bookworm', 'main', 'binary-all');
mkdirSync(index, { recursive: true });
writeFileSync(path.join(index, 'Packages'), packages);
writeFileSync(path.join(index, 'Packages.gz'), gzipSync(packages, { level: 9 }));
writeFileSync(path.join(index, 'Packages.xz'), xz);
const hashes = ['Packages', 'Packages.gz', 'Packages.xz'].map((file) => {
  const bytes = readFileSync(path.join(index, file));
  return ` ${createHash('sha256').update(bytes).digest('hex')} ${bytes.length} main/binary-all/${file}`;
});
writeFileSync(path.join(out, 'dists', 'bookworm', 'Release'), `Suite: bookworm\nComponents: main\nArchitectures: all\nSHA256:\n${hashes.join('\n')}\n`);
