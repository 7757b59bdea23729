/**
 * Several signatures on one Release, for a key rotation: each key signs on its own (they may live
 * in different keyrings), and their OpenPGP signature packets are joined into one armored block,
 * which is what `gpg -u A -u B` writes and what gpgv and apt read: apt accepts the file when one
 * signature is good, and a signature by a key the robot does not have is no error.
 */

const BEGIN = '-----BEGIN PGP SIGNATURE-----';
const END = '-----END PGP SIGNATURE-----';

/** CRC-24 of RFC 4880 section 6.1, the armor checksum. */
function crc24(data: Buffer): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** The binary packets of the armored signature block in `text`, and where the block starts. */
function dearmor(text: string, what: string): { packets: Buffer; start: number } {
  // The last armor line of its own: a signed Release could hold the same words inside a line.
  const found = text.lastIndexOf(`\n${BEGIN}\n`);
  const start = found < 0 ? (text.startsWith(`${BEGIN}\n`) ? 0 : -1) : found + 1;
  const end = text.indexOf(`\n${END}`, start);
  if (start < 0 || end < 0) throw new Error(`${what}: gpg wrote no armored signature`);
  const lines = text.slice(start + BEGIN.length + 1, end).split('\n');
  const blank = lines.indexOf('');
  const body = lines.slice(blank + 1).filter((line) => line !== '' && !line.startsWith('='));
  return { packets: Buffer.from(body.join(''), 'base64'), start };
}

/** ASCII armor (RFC 4880 section 6.2) of `packets`, as a `PGP <type>` block. */
export function armor(packets: Buffer, type = 'SIGNATURE'): string {
  const lines = packets.toString('base64').match(/.{1,64}/g) ?? [];
  const crc = crc24(packets);
  const checksum = Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
  return `-----BEGIN PGP ${type}-----\n\n${lines.join('\n')}\n=${checksum}\n-----END PGP ${type}-----\n`;
}

/** One armored detached signature holding the signatures of every armored one given. */
export function joinDetachedSignatures(armored: readonly string[]): string {
  return armor(Buffer.concat(armored.map((text, index) => dearmor(text, `signature ${index + 1}`).packets)));
}

/**
 * One clear-signed document from several clear-signed copies of the same text: the signed text
 * (with its Hash header) of the first, and every signature. The copies must agree on the signed
 * part, which they do when every key signs with the same digest.
 */
export function joinClearSignatures(documents: readonly string[]): string {
  const parts = documents.map((text, index) => {
    const { packets, start } = dearmor(text, `clear-signed copy ${index + 1}`);
    return { head: text.slice(0, start), packets };
  });
  const head = parts[0]!.head;
  if (parts.some((part) => part.head !== head)) throw new Error('the keys clear-signed the Release differently (another digest?), so their signatures cannot share one InRelease');
  return head + armor(Buffer.concat(parts.map((part) => part.packets)));
}
