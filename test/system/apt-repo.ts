/**
 * What the tests that publish a repository with `debforge repo` and install from it on a booted
 * machine share: a signed publish, and a static file server the machine reaches at 127.0.0.1 (it
 * shares the host's network). The throwaway signing keys are test/support/repo-packages.ts's.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { debforge } from '../support/tools.js';

/** `debforge repo` of `files` into `repo`, signed with `key` (makeKey of test/support/repo-packages.ts); it must succeed. */
export function publishSigned(repo: string, key: { fingerprint: string; env: NodeJS.ProcessEnv }, files: readonly string[]): void {
  const result = debforge(['repo', ...files, '--out', repo, '--sign-key', key.fingerprint], { env: key.env });
  assert.equal(result.code, 0, result.stderr);
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
