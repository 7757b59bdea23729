import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { AR_HEADER_LENGTH, AR_MAGIC } from '../write/ar.js';

/**
 * Reads a .deb: the ar container (parsed here), its tar members (read with tar-stream, an
 * implementation independent of our writer, so reading back cross-checks what we wrote).
 */

export interface ArMember {
  name: string;
  mtime: number;
  uid: number;
  gid: number;
  mode: number;
  data: Buffer;
}

export interface TarItem {
  name: string;
  type: string;
  mode: number;
  size: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  linkname?: string;
  content?: Buffer;
}

export interface DebContents {
  members: ArMember[];
  control: Map<string, string>;
  controlText: string;
  scripts: Map<string, string>;
  conffiles: string[];
  md5sums: string;
  controlItems: TarItem[];
  dataItems: TarItem[];
}

export class DebFormatError extends Error {}

async function xzDecompress(data: Buffer): Promise<Buffer> {
  // Loaded only for .xz members: gzip packages never pay for the native module.
  const lzma = await import('lzma-native');
  return new Promise((resolve, reject) => {
    lzma.decompress(data, (result, error) => (error ? reject(error) : resolve(result)));
  });
}

export function parseAr(archive: Buffer): ArMember[] {
  if (!archive.subarray(0, AR_MAGIC.length).equals(AR_MAGIC)) throw new DebFormatError('not an ar archive (bad magic): is this a .deb?');
  const members: ArMember[] = [];
  let offset = AR_MAGIC.length;
  while (offset < archive.length) {
    const header = archive.subarray(offset, offset + AR_HEADER_LENGTH).toString('latin1');
    if (header.length < AR_HEADER_LENGTH || header.slice(58, 60) !== '`\n') throw new DebFormatError(`bad ar member header at byte ${offset}`);
    const size = Number.parseInt(header.slice(48, 58).trim(), 10);
    const start = offset + AR_HEADER_LENGTH;
    if (!Number.isFinite(size) || start + size > archive.length) throw new DebFormatError(`truncated ar member at byte ${offset}`);
    members.push({
      name: header.slice(0, 16).trim().replace(/\/$/, ''),
      mtime: Number.parseInt(header.slice(16, 28).trim(), 10),
      uid: Number.parseInt(header.slice(28, 34).trim(), 10),
      gid: Number.parseInt(header.slice(34, 40).trim(), 10),
      mode: Number.parseInt(header.slice(40, 48).trim(), 8),
      data: archive.subarray(start, start + size),
    });
    offset = start + size + (size % 2);
  }
  return members;
}

export async function decompress(name: string, data: Buffer): Promise<Buffer> {
  if (name.endsWith('.gz')) return gunzipSync(data);
  if (name.endsWith('.xz')) return xzDecompress(data);
  if (name.endsWith('.tar')) return data;
  throw new DebFormatError(`unsupported member compression: ${name}`);
}

export async function readTar(data: Buffer, withContents: boolean): Promise<TarItem[]> {
  const items: TarItem[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        if (withContents) chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        items.push({
          name: header.name,
          type: header.type ?? 'file',
          mode: header.mode ?? 0,
          size: header.size ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          uname: header.uname ?? '',
          gname: header.gname ?? '',
          mtime: header.mtime ? Math.round(header.mtime.getTime() / 1000) : 0,
          ...(header.linkname ? { linkname: header.linkname } : {}),
          ...(withContents && header.type === 'file' ? { content: Buffer.concat(chunks) } : {}),
        });
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([data]).pipe(extract);
  await done;
  return items;
}

export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && current) fields.set(current, `${fields.get(current)}\n${line}`);
    else {
      const colon = line.indexOf(':');
      current = line.slice(0, colon);
      fields.set(current, line.slice(colon + 1).trim());
    }
  }
  return fields;
}

const SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'];

export async function readDeb(file: string, options: { withContents?: boolean } = {}): Promise<DebContents> {
  const archive = await fs.readFile(file);
  const members = parseAr(archive);
  if (members[0]?.name !== 'debian-binary' || members[0].data.toString('ascii') !== '2.0\n') {
    throw new DebFormatError('first member must be debian-binary containing "2.0"');
  }
  const controlMember = members.find((m) => m.name.startsWith('control.tar'));
  const dataMember = members.find((m) => m.name.startsWith('data.tar'));
  if (!controlMember || !dataMember) throw new DebFormatError('missing control.tar or data.tar member');
  const controlItems = await readTar(await decompress(controlMember.name, controlMember.data), true);
  const dataItems = await readTar(await decompress(dataMember.name, dataMember.data), options.withContents ?? false);
  const controlFile = (name: string): string | undefined => controlItems.find((i) => i.name === `./${name}` || i.name === name)?.content?.toString('utf8');
  const controlText = controlFile('control') ?? '';
  const scripts = new Map<string, string>();
  for (const script of SCRIPTS) {
    const text = controlFile(script);
    if (text !== undefined) scripts.set(script, text);
  }
  return {
    members,
    control: parseControl(controlText),
    controlText,
    scripts,
    conffiles: (controlFile('conffiles') ?? '').split('\n').filter((l) => l !== ''),
    md5sums: controlFile('md5sums') ?? '',
    controlItems,
    dataItems,
  };
}
