/**
 * A static APT repository that any web server can host, created or updated from .deb files:
 *
 *   pool/<component>/<prefix>/<source>/<package>_<version>_<arch>.deb
 *   dists/<suite>/<component>/binary-<arch>/Packages{,.gz,.xz}   (+ by-hash/SHA256/<sha256>)
 *   dists/<suite>/Release, Release.gpg, InRelease
 *   archive-keyring.gpg, archive-keyring.asc                     (the signing key's public half)
 *
 * Choices, all checked against apt 2.6 on a booted Debian 12:
 * - `Architecture: all` packages are listed once, in `binary-all`, and Release's Architectures
 *   says `all` (apt >= 1.1 then reads binary-all besides its own binary-<arch>), plus the
 *   architectures that arch-specific packages (or --arch) bring. A robot of any architecture
 *   finds the `all` packages, with no notice: apt 2.6 on amd64 reads an `all`-only repository
 *   silently, while listing `all` packages only under named architectures would hide them, just
 *   as silently, from a robot whose architecture is not named.
 * - Earlier versions stay listed, DEFAULT_KEEP per package and architecture unless told otherwise
 *   (retention.ts), so a robot can go back with `apt-get install pkg=<previous>`; a different
 *   file for a name/version/architecture that is already published is refused.
 * - Phasing (phasing.ts) and several signatures during a key rotation (signatures.ts).
 * - A publish reads only new or changed .deb files (cache.ts).
 * - One run at a time per repository (lock.ts): a second run waits for the first, and plans from
 *   what the first published, so no package is lost.
 * - A robot reading mid-publish never sees a mismatch (staging.ts): everything new is written and
 *   signed in a staging folder first, then renamed into place, new pool files first, then indexes
 *   (also under by-hash/, with `Acquire-By-Hash: yes`, so a client holding the previous InRelease
 *   still finds the indexes it names), Release/Release.gpg/InRelease last. A failure before that
 *   (a wrong passphrase) leaves the repository byte for byte as it was.
 */
export { publishRepository } from './publish.js';
export { phaseRepository, pruneRepository } from './maintain.js';
export { parseKeep, type Keep } from './retention.js';
export { parsePercent } from './phasing.js';
export { DEFAULT_COMPONENT, type RepoResult, type RepoRunOptions } from './types.js';
