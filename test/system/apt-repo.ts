/**
 * What the tests that publish a repository with `debforge repo` and install from it on a booted
 * machine share: a throwaway signing key, and a static file server the machine reaches at
 * 127.0.0.1 (it shares the host's network).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { must, run, tempDir } from '../support/tools.js';

const gnupgHomes: string[] = [];

/** A throwaway signing key in its own GNUPGHOME; returns that home and the key's fingerprint. */
export async function makeKey(name: string): Promise<{ home: string; fingerprint: string }> {
  const home = await tempDir('debforge-gpg-');
  gnupgHomes.push(home);
  await fs.chmod(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home };
  must('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${name} <${name.toLowerCase().replace(/\W+/g, '-')}@example.org>`, 'default', 'default', 'never'], { env });
  const listing = must('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env });
  const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(listing)?.[1];
  assert.ok(fingerprint, listing);
  return { home, fingerprint };
}

/** Stops the gpg agents of every key makeKey made. */
export function stopKeyAgents(): void {
  for (const home of gnupgHomes) run('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
}

/** A static file server on 127.0.0.1 that logs every path asked for. */
export async function serve(root: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const url = decodeURIComponent((request.url ?? '/').split('?')[0]!);
    requests.push(url);
    const file = path.join(root, path.normalize(url));
    if (!file.startsWith(root + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    fs.readFile(file).then(
      (data) => response.writeHead(200, { 'Content-Length': data.length }).end(request.method === 'HEAD' ? undefined : data),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
