/** Packages and signing keys for the repository tests: real builds of a fixture daemon, throwaway gpg keys. */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/index.js';
import { FIXTURES, copyTree, must, run, tempDir } from './tools.js';

export const EPOCH = 1700000000;

/** Builds the repo_demo fixture at a version (and build date, which changes the bytes) with a profile. */
export async function demo(out: string, options: { version?: string; profile?: string; epoch?: number; name?: string; arch?: string } = {}): Promise<string> {
  const name = options.name ?? 'repo_demo';
  const dir = path.join(await tempDir(), name);
  await copyTree(path.join(FIXTURES, 'repo', 'repo_demo'), dir);
  const manifest = path.join(dir, 'package.xml');
  let xml = await fs.readFile(manifest, 'utf8');
  xml = xml.replace(/<version>[^<]+<\/version>/, `<version>${options.version ?? '1.0.0'}</version>`).replace('<name>repo_demo</name>', `<name>${name}</name>`);
  if (options.arch !== undefined) xml = xml.replace('</package>', `  <export><debforge><architecture>${options.arch}</architecture></debforge></export>\n</package>`);
  await fs.writeFile(manifest, xml);
  if (name !== 'repo_demo') {
    const unit = path.join(dir, 'etc', `${name.replace(/_/g, '-')}.service.in`);
    await fs.rename(path.join(dir, 'etc', 'repo-demo.service.in'), unit);
    await fs.writeFile(unit, (await fs.readFile(unit, 'utf8')).replaceAll('@repo_demo_VERSION@', `@${name}_VERSION@`));
  }
  return (await build(dir, { outDir: out, profile: options.profile ?? 'plain', sourceDateEpoch: options.epoch ?? EPOCH })).path;
}

const gnupgHomes: string[] = [];

/** Stops the gpg-agent each throwaway keyring started (call from an after hook). */
export function stopGpgAgents(): void {
  for (const home of gnupgHomes.splice(0)) run('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
}

/** A throwaway key in its own GNUPGHOME. */
export async function makeKey(name: string): Promise<{ home: string; fingerprint: string; env: NodeJS.ProcessEnv }> {
  const home = await tempDir('debforge-gpg-');
  gnupgHomes.push(home);
  await fs.chmod(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home };
  must('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${name} <test@example.org>`, 'default', 'default', 'never'], { env });
  const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(must('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env }))?.[1];
  assert.ok(fingerprint);
  return { home, fingerprint, env };
}
