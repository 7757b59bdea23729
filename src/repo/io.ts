/** Small file and hash helpers shared by the repository's stages. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { DebforgeError } from '../errors.js';
import { Deb822Error, parseStanzas, type Stanza } from '../debian/deb822.js';

export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
export const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** The stanzas of an index or Release file already in the repository; a damaged one is an error naming it. */
export function parseRepositoryFile(file: string, text: string): Stanza[] {
  try {
    return parseStanzas(text);
  } catch (error) {
    if (!(error instanceof Deb822Error)) throw error;
    throw new DebforgeError({ file, line: error.line, message: `${error.reason}: this repository file is damaged; restore it or publish into a new folder`, severity: 'error' });
  }
}
