/**
 * What the repository needs to know about one .deb: its control stanza, hashes, size, and the
 * distribution its changelog names (debforge writes the profile's codename there, which is the
 * APT suite the package belongs in).
 */
import { createGunzip, gunzipSync } from 'node:zlib';
import { DebFormatError, readDeb, type DebContents } from '../deb/reader.js';
import { ARCHITECTURE_NAME } from '../debian/architectures.js';
import { PACKAGE_NAME } from '../debian/names.js';
import { DEBIAN_VERSION } from '../debian/version.js';
import { DebforgeError } from '../errors.js';
import { Deb822Error, field, type Stanza } from '../debian/deb822.js';

export interface DebInfo {
  file: string;
  /** The control file's fields, in their order. */
  control: Stanza;
  package: string;
  version: string;
  architecture: string;
  /** Source package name (the Source field without its version, else the package name). */
  source: string;
  size: number;
  md5: string;
  sha256: string;
  /** First distribution of the changelog's top entry, if the package has a Debian changelog. */
  distribution?: string;
  /** The bytes that were hashed, when the read kept them: the pool copy is written from them. */
  bytes?: Buffer;
}

interface ReadDebInfoOptions {
  /** Asked with the size of a file read in one piece: may its bytes be kept (a budget for the whole run)? */
  keepBytes?: (size: number) => boolean;
}


export async function readDebInfo(file: string, options: ReadDebInfoOptions = {}): Promise<DebInfo> {
  const bad = (message: string): DebforgeError => new DebforgeError({ file, message, severity: 'error' });
  const changelogs = (name: string): string[] => [`./usr/share/doc/${name}/changelog.Debian.gz`, `./usr/share/doc/${name}/changelog.gz`];
  let deb: DebContents;
  let control: Stanza;
  let distribution: string | undefined;
  try {
    // One streaming pass: the whole file hashed, the control file and the changelog read, every header checked.
    deb = await readDeb(file, {
      listData: false,
      keepBytes: options.keepBytes !== undefined,
      dataFiles: (entry, fields) => changelogs(field(fields, 'Package') ?? '').includes(entry.replace(/^(?!\.\/)/, './')),
    });
    control = deb.control;
    const name = field(control, 'Package') ?? '';
    const changelog = changelogs(name)
      .map((entry) => deb.dataFiles.get(entry) ?? deb.dataFiles.get(entry.slice(2)))
      .find((data) => data !== undefined);
    if (changelog !== undefined) distribution = changelogDistribution(await gzipFirstLine(changelog));
  } catch (error) {
    if (error instanceof Deb822Error) throw bad(`control file ${error.message}: refused, as apt could read it differently from what debforge checked`);
    if (error instanceof DebFormatError) throw bad(`not a readable .deb: ${error.message}`);
    throw error;
  }
  const pkg = field(control, 'Package');
  const version = field(control, 'Version');
  const architecture = field(control, 'Architecture');
  if (pkg === undefined || !PACKAGE_NAME.test(pkg)) throw bad(`control field Package ${JSON.stringify(pkg ?? '')} is missing or not a Debian package name`);
  if (version === undefined || !DEBIAN_VERSION.test(version)) throw bad(`control field Version ${JSON.stringify(version ?? '')} is missing or not a Debian version`);
  if (architecture === undefined || !ARCHITECTURE_NAME.test(architecture)) throw bad(`control field Architecture ${JSON.stringify(architecture ?? '')} is missing or invalid`);
  const sourceField = field(control, 'Source');
  const source = sourceField !== undefined ? sourceField.split(/[\s(]/)[0]! : pkg;
  if (!PACKAGE_NAME.test(source)) throw bad(`control field Source ${JSON.stringify(sourceField)} is not a source package name`);
  return {
    file,
    control,
    package: pkg,
    version,
    architecture,
    source,
    size: deb.size,
    md5: deb.md5,
    sha256: deb.sha256,
    ...(distribution !== undefined ? { distribution } : {}),
    ...(deb.bytes !== undefined && options.keepBytes?.(deb.bytes.length) === true ? { bytes: deb.bytes } : {}),
  };
}

/** The first line of a gzipped text, decompressing no more than that needs (a changelog could be a bomb). */
async function gzipFirstLine(data: Buffer): Promise<string> {
  const FIRST_LINE_LIMIT = 64 * 1024;
  // A changelog of up to FIRST_LINE_LIMIT bytes in one call; a longer (or corrupt) one through the stream below.
  try {
    return gunzipSync(data, { maxOutputLength: FIRST_LINE_LIMIT }).toString('utf8').split('\n')[0]!;
  } catch {
    // read as a stream
  }
  const gunzip = createGunzip();
  const collected: Buffer[] = [];
  let length = 0;
  try {
    gunzip.end(data);
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      collected.push(chunk);
      length += chunk.length;
      if (chunk.includes(0x0a) || length >= FIRST_LINE_LIMIT) break;
    }
  } catch (error) {
    throw new DebFormatError(`the changelog is not valid gzip (${(error as Error).message})`);
  } finally {
    gunzip.destroy();
  }
  const text = Buffer.concat(collected).subarray(0, FIRST_LINE_LIMIT).toString('utf8');
  return text.split('\n')[0]!;
}

/** `pkg (1.0-1) focal; urgency=medium` -> `focal`. */
function changelogDistribution(text: string): string | undefined {
  const match = /^\S+ \([^)]+\) ([^;]+);/.exec(text);
  return match?.[1]?.trim().split(/\s+/)[0];
}
