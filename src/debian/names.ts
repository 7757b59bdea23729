/** Debian's names for packages and where they file them, and dpkg's limit on the paths it unpacks. */

/**
 * A binary or source package name (Debian Policy 5.6.1, 5.6.7): lower case letters, digits and
 * `+ - .`, at least two characters, starting with a letter or digit.
 */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** A Section value: an optional `area/` (contrib/, non-free/...) and a section name. */
export const SECTION = /^([a-z0-9-]+\/)?[a-z0-9][a-z0-9+.-]*$/;

/** The Priority values dpkg and the archive know (`extra` is deprecated, still accepted). */
export const PRIORITIES: ReadonlySet<string> = new Set(['required', 'important', 'standard', 'optional', 'extra']);

/**
 * The longest file or folder name dpkg can unpack: it writes each file as `<name>.dpkg-new`
 * first, and a name may have 255 bytes on Linux file systems.
 */
export const MAX_NAME_COMPONENT_BYTES = 255 - '.dpkg-new'.length;

/** The first component of an absolute install path longer than dpkg can unpack, if any. */
export function overlongComponent(installPath: string): string | undefined {
  return installPath.split('/').find((part) => Buffer.byteLength(part, 'utf8') > MAX_NAME_COMPONENT_BYTES);
}
