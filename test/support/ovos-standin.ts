import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * A stand-in for the OVOS Python services, for tests of daemons/ovos_services: modules with the
 * real import paths whose main(ready_hook=..., stopping_hook=...) behaves as the real ones do
 * when seen from systemd. It calls ready_hook(), then blocks as ovos_utils.wait_for_exit_signal()
 * does (until KeyboardInterrupt, i.e. SIGINT), then calls stopping_hook() and returns. With
 * OVOS_STANDIN_MODE=return in its environment it returns at once after ready_hook() instead, as a
 * service that ends by itself.
 */
const SERVE = `"""Stand-in for the OVOS services (tests only): see ovos-standin.ts."""
import os
import sys
import time


def serve(name, ready_hook, stopping_hook):
    print("stand-in %s: pid %d, sys.prefix %s" % (name, os.getpid(), sys.prefix), flush=True)
    ready_hook()
    if os.environ.get("OVOS_STANDIN_MODE") == "return":
        print("stand-in %s: returning by itself" % name, flush=True)
        return
    try:
        print("stand-in %s: waiting" % name, flush=True)
        while True:
            time.sleep(100)  # as ovos_utils.wait_for_exit_signal()
    except KeyboardInterrupt:
        pass
    print("stand-in %s: stopping" % name, flush=True)
    stopping_hook()
`;

function entry(name: string): string {
  return `from ovos_standin import serve


def main(ready_hook=lambda: None, error_hook=lambda e="": None, stopping_hook=lambda: None):
    serve(${JSON.stringify(name)}, ready_hook, stopping_hook)


if __name__ == "__main__":
    main()
`;
}

/** Files of the stand-in, relative to a site-packages directory. */
const OVOS_STANDIN_FILES: Readonly<Record<string, string>> = {
  'ovos_standin.py': SERVE,
  'ovos_messagebus/__init__.py': '',
  'ovos_messagebus/__main__.py': entry('messagebus'),
  'ovos_core/__init__.py': '',
  'ovos_core/__main__.py': entry('skills'),
  'ovos_audio/__init__.py': '',
  'ovos_audio/__main__.py': entry('audio'),
  'ovos_dinkum_listener/__init__.py': '',
  'ovos_dinkum_listener/__main__.py': entry('dinkum-listener'),
  'ovos_PHAL/__init__.py': '',
  'ovos_PHAL/__main__.py': entry('phal'),
  'ovos_PHAL/admin.py': entry('admin-phal'),
};

/** Writes the stand-in into `sitePackages` (created if missing). */
export async function writeOvosStandin(sitePackages: string): Promise<void> {
  for (const [relative, content] of Object.entries(OVOS_STANDIN_FILES)) {
    const file = path.join(sitePackages, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
}
