import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/tools.js';
import { chrootSh, requireRoot, shellQuote, withOverlay, type Release } from '../system/harness.js';

/**
 * The README's quick start, as a new user meets it: a fresh Debian 13 (debootstrap's minimal
 * system, then only Debian's own nodejs, npm and git), a clone of this repository, and the two
 * lines of the quick start copied as printed, run as root in a chroot with /proc, /sys and /dev.
 * The first line must build the example package; the second must install what the tests need
 * and pass the fast suite. The clone is of the committed tree (HEAD of this checkout).
 */
const FRESH_TRIXIE: Release = {
  suite: 'trixie',
  rootfsVersion: 'trixie-quickstart-1',
  include: [],
  packages: ['nodejs', 'npm', 'git'],
};

/** The commands of the first `sh` block under "## Quick start", one per line, as printed. */
function quickStartLines(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /^## Quick start\n([\s\S]*?)^## /m.exec(readme)?.[1];
  assert.ok(section, 'README.md has a "## Quick start" section');
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(section)?.[1];
  assert.ok(block, 'the quick start has an sh block');
  return block.split('\n').filter((line) => line.trim() !== '');
}

function minutes(ms: number): string {
  return `${(ms / 60_000).toFixed(1)} min`;
}

describe('quick start on a fresh Debian 13, as printed in the README', function () {
  this.timeout(4 * 3600_000);

  it('the two lines build the example and pass the fast test suite', async () => {
    requireRoot();
    const lines = quickStartLines();
    assert.equal(lines.length, 2, `two lines:\n${lines.join('\n')}`);
    await withOverlay(async (root) => {
      const node = await chrootSh(root, 'node --version && npm --version && git --version');
      assert.equal(node.code, 0, node.stderr);
      const clone = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, path.join(root, 'root', 'debforge')], { encoding: 'utf8' });
      assert.equal(clone.status, 0, clone.stderr);

      // A host behind a proxy that signs TLS itself names that authority in NODE_EXTRA_CA_CERTS:
      // the machine trusts it too, so npm reaches its registry. Nothing else of the host comes in.
      let trust = '';
      const extraCa = process.env['NODE_EXTRA_CA_CERTS'];
      if (extraCa !== undefined && extraCa !== '') {
        copyFileSync(extraCa, path.join(root, 'etc', 'host-extra-ca.pem'));
        trust = 'export NODE_EXTRA_CA_CERTS=/etc/host-extra-ca.pem; ';
      }

      const timings: string[] = [];
      const results = [];
      for (const line of lines) {
        const started = Date.now();
        const result = await chrootSh(root, `${trust}cd /root/debforge && ${line}`, { timeoutSec: 3 * 3600 });
        timings.push(`${line}: ${minutes(Date.now() - started)}`);
        results.push(result);
        assert.equal(result.code, 0, `${line}\n${result.stdout.slice(-6000)}\n${result.stderr.slice(-6000)}`);
      }
      const [build, tests] = results as [(typeof results)[number], (typeof results)[number]];
      console.log(`      ${node.stdout.trim().split('\n').join(', ')}\n      ${timings.join('\n      ')}`);

      // The README names the package the first line writes; dpkg-deb in the machine reads it.
      const written = /writes `(dist\/[^`]+\.deb)`/.exec(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'))?.[1];
      assert.ok(written, 'the README names the package the first line writes');
      const info = await chrootSh(root, `cd /root/debforge && dpkg-deb --field ${shellQuote(written)} Package Version`);
      assert.equal(info.code, 0, info.stderr);
      assert.match(info.stdout, /^Package: ros-noetic-robot-bringup$/m);
      assert.doesNotMatch(`${build.stdout}\n${build.stderr}`, /install-scripts|allowScripts/, 'no install-scripts warning greets the user');

      const summary = `${tests.stdout}\n${tests.stderr}`;
      const passing = Number(/^\s*(\d+) passing/m.exec(summary)?.[1] ?? '0');
      assert.ok(passing > 100, summary.slice(-3000));
      assert.doesNotMatch(summary, /^\s*\d+ (failing|pending)/m, summary.slice(-6000));
    }, FRESH_TRIXIE);
  });
});
