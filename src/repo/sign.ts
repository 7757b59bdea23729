/**
 * Signing with the system's gpg: `InRelease` (clear-signed) and `Release.gpg` (detached, armored).
 * The key is a key ID, fingerprint or user ID in the keyring GNUPGHOME names (gpg's default
 * otherwise); or the path of a file holding a secret key, or `env:NAME` for an environment
 * variable holding an armored secret key (how CI passes a secret without writing it to disk or
 * showing it in a process list): either is imported into a throwaway keyring deleted afterwards. A passphrase, if the key has one, comes from the
 * DEBFORGE_SIGN_PASSPHRASE environment variable.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DebforgeError } from '../errors.js';
import { armor, joinClearSignatures, joinDetachedSignatures } from './signatures.js';

export interface Signer {
  /** Full fingerprints of the signing keys (more than one during a key rotation). */
  readonly fingerprints: readonly string[];
  clearsign(input: string, output: string): Promise<void>;
  detachSign(input: string, output: string): Promise<void>;
  /** The public key, binary (for a `.gpg` keyring) and armored (for `.asc`). */
  exportPublicKey(): Promise<{ binary: Buffer; armored: string }>;
  close(): Promise<void>;
}

interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function runGpg(args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<GpgResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new DebforgeError({ file: 'gpg', message: 'gpg is not installed: signing needs it (Debian: apt-get install gnupg)', severity: 'error' }) : error),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr }));
  });
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('gpg: WARNING: unsafe')).slice(-1)[0] ?? '';
}

async function isFile(candidate: string): Promise<boolean> {
  try {
    return (await fs.stat(candidate)).isFile();
  } catch {
    return false;
  }
}

async function openSigner(key: string, env: NodeJS.ProcessEnv = process.env): Promise<Signer> {
  const fail = (message: string): never => {
    throw new DebforgeError({ file: `--sign-key ${key}`, message, severity: 'error' });
  };
  let gpgEnv: NodeJS.ProcessEnv = { ...env };
  let throwaway: string | undefined;
  let keyId = key;
  const cleanup = async (): Promise<void> => {
    if (throwaway === undefined) return;
    // Stop the agent this keyring started, then delete the keyring with the secret key in it.
    await new Promise<void>((resolve) => {
      const child = spawn('gpgconf', ['--kill', 'all'], { env: gpgEnv, stdio: 'ignore' });
      child.on('error', () => resolve());
      child.on('close', () => resolve());
    });
    await fs.rm(throwaway, { recursive: true, force: true });
    throwaway = undefined;
  };
  try {
    const variable = key.startsWith('env:') ? key.slice(4) : undefined;
    const keyText = variable !== undefined ? env[variable] : undefined;
    if (variable !== undefined && (keyText === undefined || keyText.trim() === '')) fail(`the environment variable ${variable} is empty or not set: it must hold an armored secret key`);
    if (keyText !== undefined || (await isFile(key))) {
      throwaway = await fs.mkdtemp(path.join(os.tmpdir(), 'debforge-gpg-'));
      await fs.chmod(throwaway, 0o700);
      gpgEnv = { ...env, GNUPGHOME: throwaway };
      const imported = keyText !== undefined ? await runGpg(['--batch', '--import'], gpgEnv, keyText) : await runGpg(['--batch', '--import', path.resolve(key)], gpgEnv);
      if (imported.code !== 0) fail(`gpg cannot import the key: ${firstLine(imported.stderr)}`);
      keyId = '';
    }
    const listArgs = ['--batch', '--with-colons', '--list-secret-keys', ...(keyId === '' ? [] : ['--', keyId])];
    const listed = await runGpg(listArgs, gpgEnv);
    const lines = listed.stdout.toString('utf8').split('\n');
    const secIndex = lines.findIndex((line) => line.startsWith('sec:'));
    const fpr = lines.slice(secIndex + 1).find((line) => line.startsWith('fpr:'))?.split(':')[9];
    if (listed.code !== 0 || secIndex < 0 || fpr === undefined || fpr === '') {
      const where = throwaway !== undefined ? 'holds no secret key' : `no secret key "${key}" in the gpg keyring${env['GNUPGHOME'] ? ` (GNUPGHOME=${env['GNUPGHOME']})` : ''}`;
      fail(where);
    }
    const fingerprint = fpr!;
    const passphrase = env['DEBFORGE_SIGN_PASSPHRASE'];
    const signArgs = [
      '--batch',
      '--yes',
      '--pinentry-mode',
      'loopback',
      ...(passphrase !== undefined ? ['--passphrase-fd', '0'] : []),
      '--local-user',
      `${fingerprint}!`,
      '--digest-algo',
      'SHA512',
    ];
    const sign = async (mode: string[], input: string, output: string): Promise<void> => {
      const result = await runGpg([...signArgs, ...mode, '--output', output, input], gpgEnv, passphrase);
      if (result.code !== 0) fail(`gpg could not sign ${input}: ${firstLine(result.stderr)}`);
    };
    return {
      fingerprints: [fingerprint],
      clearsign: (input, output) => sign(['--clearsign'], input, output),
      detachSign: (input, output) => sign(['--armor', '--detach-sign'], input, output),
      async exportPublicKey() {
        const binary = await runGpg(['--batch', '--export', '--', fingerprint], gpgEnv);
        const armored = await runGpg(['--batch', '--armor', '--export', '--', fingerprint], gpgEnv);
        if (binary.code !== 0 || armored.code !== 0 || binary.stdout.length === 0) fail(`gpg cannot export the public key: ${firstLine(binary.stderr + armored.stderr)}`);
        return { binary: binary.stdout, armored: armored.stdout.toString('utf8') };
      },
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * One signer for every key given: a single key signs as gpg does; several (a key rotation
 * window) each sign the Release on their own, and their signatures are joined into one
 * InRelease and one Release.gpg, so robots that trust any one of the keys accept the repository.
 * The public halves are exported together.
 */
export async function openSigners(keys: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Signer> {
  if (keys.length === 1) return openSigner(keys[0]!, env);
  const signers: Signer[] = [];
  const closeAll = async (): Promise<void> => {
    for (const signer of signers) await signer.close();
  };
  try {
    for (const key of keys) {
      const signer = await openSigner(key, env);
      signers.push(signer);
      const twin = signers.slice(0, -1).findIndex((other) => other.fingerprints[0] === signer.fingerprints[0]);
      if (twin >= 0) throw new DebforgeError({ file: `--sign-key ${key}`, message: `is the same key as --sign-key ${keys[twin]!} (${signer.fingerprints[0]!}): give each key once`, severity: 'error' });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const each = async (output: string, sign: (signer: Signer, file: string) => Promise<void>): Promise<string[]> => {
    const texts: string[] = [];
    for (const [index, signer] of signers.entries()) {
      const file = `${output}.${index}`;
      await sign(signer, file);
      texts.push(await fs.readFile(file, 'utf8'));
      await fs.rm(file, { force: true });
    }
    return texts;
  };
  const join = (output: string, joiner: () => string): Promise<void> => {
    let text: string;
    try {
      text = joiner();
    } catch (error) {
      throw new DebforgeError({ file: path.basename(output), message: (error as Error).message, severity: 'error' });
    }
    return fs.writeFile(output, text);
  };
  return {
    fingerprints: signers.flatMap((signer) => signer.fingerprints),
    async clearsign(input, output) {
      const documents = await each(output, (signer, file) => signer.clearsign(input, file));
      await join(output, () => joinClearSignatures(documents));
    },
    async detachSign(input, output) {
      const signatures = await each(output, (signer, file) => signer.detachSign(input, file));
      await join(output, () => joinDetachedSignatures(signatures));
    },
    async exportPublicKey() {
      const binary = Buffer.concat(await Promise.all(signers.map(async (signer) => (await signer.exportPublicKey()).binary)));
      return { binary, armored: armor(binary, 'PUBLIC KEY BLOCK') };
    },
    close: closeAll,
  };
}
