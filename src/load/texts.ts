import { DebforgeError, type ProblemList } from '../errors.js';
import { readInputFile } from './read-input.js';
import type { SourceText } from './types.js';

/**
 * A unit file or template is rendered whole, in memory: far beyond any real one, and a bound on
 * what a file in the folder can make the build hold.
 */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

/**
 * The text of each file (relative to `dir`), read as every input is (a regular file inside the
 * folder, capped at MAX_TEXT_BYTES) and decoded as UTF-8 as it is rendered. With `problems`, a
 * file that cannot be read is reported now (it is rendered on every profile); else render reports
 * it, if a profile renders it.
 */
export async function readTexts(dir: string, files: readonly { file: string; absolutePath: string; what: string }[], problems?: ProblemList): Promise<Map<string, SourceText>> {
  const texts = new Map<string, SourceText>();
  for (const { file, absolutePath, what } of files) {
    if (texts.has(file)) continue;
    try {
      const bytes = await readInputFile(absolutePath, file, { what, maxBytes: MAX_TEXT_BYTES, confineTo: dir });
      texts.set(file, { text: bytes.toString('utf8') });
    } catch (error) {
      if (!(error instanceof DebforgeError)) throw error;
      problems?.items.push(...error.problems);
      texts.set(file, { unreadable: error.problems.map((p) => p.message).join('; '), reported: problems !== undefined });
    }
  }
  return texts;
}
