/**
 * apt-get and apt-cache on a scratch root: real apt, reading a repository through file://,
 * verifying its signatures with the keyring a sources line names, with its own lists, cache and
 * dpkg status, so a test sees what a robot's apt would do without touching the machine.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { run, tempDir, type Run } from './tools.js';

export interface ScratchApt {
  root: string;
  /** Runs apt-get (or apt-cache) with the scratch configuration. */
  aptGet(args: readonly string[]): Run;
  aptCache(args: readonly string[]): Run;
  /** Points the machine at a repository: `deb [signed-by=<keyring>] file://<repo> <suite> main`. */
  setSource(repo: string, suite: string, keyring?: string): Promise<void>;
  /** Marks packages installed in the scratch dpkg status (for upgrade tests). */
  setInstalled(stanzas: readonly string[]): Promise<void>;
}

/** The W:, E: and N: lines (and Err: lines) apt printed: a clean update has none. */
export function aptComplaints(output: string): string[] {
  return output.split('\n').filter((line) => /^(?:[WEN]|Err):/.test(line));
}

/**
 * How apt says that a signature's key is in none of the keyrings it trusts: apt 2.x (Debian 12,
 * gpgv) `NO_PUBKEY <long key id>`, apt 3.0 (Debian 13, sqv) `Missing key <fingerprint>, which is
 * needed to verify signature`.
 */
export function missingKey(fingerprint: string): RegExp {
  return new RegExp(`NO_PUBKEY ${fingerprint.slice(-16)}\\b|Missing key ${fingerprint}, which is needed to verify signature`);
}

export async function scratchApt(options: { machineId?: string } = {}): Promise<ScratchApt> {
  const root = await tempDir('debforge-apt-');
  for (const dir of ['etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/sources.list.d', 'etc/apt/trusted.gpg.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/lib/dpkg']) {
    await fs.mkdir(path.join(root, dir), { recursive: true });
  }
  await fs.writeFile(path.join(root, 'var/lib/dpkg/status'), '');
  await fs.writeFile(path.join(root, 'etc/apt/sources.list'), '');
  const config = path.join(root, 'apt.conf');
  const lines = [
    `Dir "${root}/";`,
    `Dir::State::status "${root}/var/lib/dpkg/status";`,
    // Our own files are read as root: no download sandbox user, no lock on the machine's dpkg.
    'APT::Sandbox::User "root";',
    'Debug::NoLocking "true";',
    'Acquire::Languages "none";',
    // apt skips phasing inside a chroot (it asks ischroot); this root stands for a booted robot.
    'Dir::Bin::ischroot "/bin/false";',
    ...(options.machineId !== undefined ? [`APT::Machine-ID "${options.machineId}";`] : []),
  ];
  await fs.writeFile(config, `${lines.join('\n')}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, APT_CONFIG: config, LC_ALL: 'C' };
  delete env['SOURCE_DATE_EPOCH'];
  return {
    root,
    aptGet: (args) => run('apt-get', args, { env }),
    aptCache: (args) => run('apt-cache', args, { env }),
    async setSource(repo, suite, keyring) {
      const options = keyring !== undefined ? ` [signed-by=${keyring}]` : '';
      await fs.writeFile(path.join(root, 'etc/apt/sources.list'), `deb${options} file://${repo} ${suite} main\n`);
    },
    async setInstalled(stanzas) {
      await fs.writeFile(path.join(root, 'var/lib/dpkg/status'), stanzas.map((stanza) => `${stanza.trimEnd()}\n`).join('\n'));
    },
  };
}
