#!/usr/bin/env node
// Regenerates data/rosdistro-index.json (and data/rosdistro-LICENSE) from a ros/rosdistro
// checkout: `npm run build && node scripts/rosdistro-index.mjs <rosdistro> [--out FILE]
// [--commit SHA] [--date YYYY-MM-DD] [--distro NAME]... [--check]`. The commit and date default
// to the checkout's git HEAD. Same input, same bytes. --check writes nothing: it exits 1 unless
// the index at --out (default the shipped one) and its licence are what the checkout gives.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildRosdistroIndex, serializeIndex } from '../build/src/resolve/rosdistro.js';
import { PROFILES } from '../build/src/resolve/profiles.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, commit: { type: 'string' }, date: { type: 'string' }, distro: { type: 'string', multiple: true }, check: { type: 'boolean' } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: node scripts/rosdistro-index.mjs <rosdistro checkout> [--out FILE] [--commit SHA] [--date YYYY-MM-DD] [--distro NAME]... [--check]\n');
  process.exit(2);
}
const checkout = positionals[0];
const git = (...args) => {
  try {
    return execFileSync('git', ['-C', checkout, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const out = values.out ?? path.join(root, 'data', 'rosdistro-index.json');
const index = await buildRosdistroIndex(checkout, {
  ...(values.distro ? { distros: values.distro } : {}),
  // The distributions and OS releases debforge's profiles target are always in.
  alwaysDistros: PROFILES.flatMap((p) => (p.ros && p.ros.distro !== 'debian' ? [p.ros.distro] : [])),
  extraPlatforms: PROFILES.map((p) => `${p.os.id}:${p.os.codename}`),
  commit: values.commit ?? git('rev-parse', 'HEAD') ?? 'unknown',
  date: values.date ?? git('log', '-1', '--format=%cs') ?? 'unknown',
});
const text = serializeIndex(index);
const licence = await fs.readFile(path.join(checkout, 'LICENSE'));
const licenceFile = path.join(path.dirname(out), 'rosdistro-LICENSE');
if (values.check) {
  const current = await fs.readFile(out, 'utf8').catch(() => undefined);
  const currentLicence = await fs.readFile(licenceFile).catch(() => undefined);
  const stale = [...(current === text ? [] : [out]), ...(currentLicence !== undefined && currentLicence.equals(licence) ? [] : [licenceFile])];
  if (stale.length > 0) {
    process.stderr.write(`${stale.join(', ')}: not what ${checkout} gives; regenerate with npm run rosdistro-index -- ${checkout}\n`);
    process.exit(1);
  }
  process.stderr.write(`${out}: what ${checkout} gives (${index.source.commit})\n`);
  process.exit(0);
}
await fs.writeFile(out, text);
await fs.writeFile(licenceFile, licence);
process.stderr.write(`${out}: ${text.length} bytes, ${Object.keys(index.distributions).join(' ')}; ${index.platforms.join(' ')}; ${Object.keys(index.rosdep).length} rosdep keys\n`);
