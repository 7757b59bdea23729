/**
 * What the repository needs to know about one .deb: its control stanza, hashes, size, and the
 * distribution its changelog names (debforge writes the profile's codename there, which is the
 * APT suite the package belongs in).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decompress, parseAr } from '../deb/reader.js';
import { DebforgeError } from '../errors.js';
import { Deb822Error, field, parseControlStanza, type Stanza } from './stanza.js';

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
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;

export async function readDebInfo(file: string): Promise<DebInfo> {
  const bad = (message: string): DebforgeError => new DebforgeError({ file, message, severity: 'error' });
  let archive: Buffer;
  try {
    archive = await fs.readFile(file);
  } catch (error) {
    throw bad(`cannot read: ${(error as Error).message}`);
  }
  let control: Stanza;
  let distribution: string | undefined;
  try {
    const members = parseAr(archive);
    if (members[0]?.name !== 'debian-binary') throw new Error('first member is not debian-binary');
    const controlMember = members.find((m) => m.name.startsWith('control.tar'));
    const dataMember = members.find((m) => m.name.startsWith('data.tar'));
    if (!controlMember || !dataMember) throw new Error('no control.tar or data.tar member');
    const controlText = extractFiles(await decompress(controlMember.name, controlMember.data), (name) => name === 'control').get('control');
    if (controlText === undefined) throw new Error('control.tar has no control file');
    control = parseControl(controlText.toString('utf8'), file);
    const name = field(control, 'Package') ?? '';
    const changelogs = extractFiles(await decompress(dataMember.name, dataMember.data), (entry) =>
      entry === `usr/share/doc/${name}/changelog.Debian.gz` || entry === `usr/share/doc/${name}/changelog.gz`,
    );
    const changelog = changelogs.get(`usr/share/doc/${name}/changelog.Debian.gz`) ?? changelogs.get(`usr/share/doc/${name}/changelog.gz`);
    if (changelog !== undefined) distribution = changelogDistribution(gunzipSync(changelog).toString('utf8'));
  } catch (error) {
    if (error instanceof DebforgeError) throw error;
    throw bad(`not a readable .deb: ${(error as Error).message}`);
  }
  const pkg = field(control, 'Package');
  const version = field(control, 'Version');
  const architecture = field(control, 'Architecture');
  if (pkg === undefined || !PACKAGE_NAME.test(pkg)) throw bad(`control field Package ${JSON.stringify(pkg ?? '')} is missing or not a Debian package name`);
  if (version === undefined || !VERSION.test(version)) throw bad(`control field Version ${JSON.stringify(version ?? '')} is missing or not a Debian version`);
  if (architecture === undefined || !ARCHITECTURE.test(architecture)) throw bad(`control field Architecture ${JSON.stringify(architecture ?? '')} is missing or invalid`);
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
    size: archive.length,
    md5: createHash('md5').update(archive).digest('hex'),
    sha256: createHash('sha256').update(archive).digest('hex'),
    ...(distribution !== undefined ? { distribution } : {}),
  };
}

/** The control stanza, or an error naming the line: a package whose control data two readers could read differently is refused. */
function parseControl(text: string, file: string): Stanza {
  try {
    return parseControlStanza(text);
  } catch (error) {
    if (!(error instanceof Deb822Error)) throw error;
    const message = `control file ${error.message}: refused, as apt could read it differently from what debforge checked`;
    throw new DebforgeError({ file, message, severity: 'error' });
  }
}

/** `pkg (1.0-1) focal; urgency=medium` -> `focal`. */
export function changelogDistribution(text: string): string | undefined {
  const match = /^\S+ \([^)]+\) ([^;]+);/.exec(text);
  return match?.[1]?.trim().split(/\s+/)[0];
}

/**
 * Contents of the regular files of a tar archive whose names (without a leading `./`) pass
 * `wanted`. A small synchronous reader (v7, ustar prefixes, GNU long names: what dpkg accepts)
 * is enough to find two files, and works on the buffer the archive is already in.
 */
export function extractFiles(data: Buffer, wanted: (name: string) => boolean): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const text = (start: number, length: number): string => {
    const raw = data.subarray(start, start + length);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
  };
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const sizeField = header.subarray(124, 136);
    // Sizes of 8 GiB and more are base-256 (high bit set); a package index never needs those files.
    const size = (sizeField[0]! & 0x80) !== 0 ? Number.POSITIVE_INFINITY : Number.parseInt(text(offset + 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || offset + 512 + size > data.length) throw new Error(`truncated or unreadable tar member at byte ${offset}`);
    const type = String.fromCharCode(header[156]!);
    const body = data.subarray(offset + 512, offset + 512 + size);
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0+$/, '');
    } else {
      const prefix = text(offset + 257, 6) === 'ustar' ? text(offset + 345, 155) : '';
      const name = (longName ?? (prefix !== '' ? `${prefix}/${text(offset, 100)}` : text(offset, 100))).replace(/^\.?\//, '');
      longName = undefined;
      if ((type === '0' || type === '\0') && wanted(name)) found.set(name, Buffer.from(body));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return found;
}
