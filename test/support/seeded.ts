import { createCipheriv, createHash } from 'node:crypto';

/** mulberry32: a small seeded 32-bit generator, so test and benchmark data are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Incompressible but reproducible bytes: an AES-128-CTR keystream under a key made from `label`. */
export function seededRandomBytes(size: number, label: string): Buffer {
  const key = createHash('sha256').update(label).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/**
 * Picks words from a seeded vocabulary of `size` lower-case words with a Zipf-like skew (a few
 * words very often, most rarely), as text, logs and source code use words.
 */
export function zipfWords(next: () => number, size: number): () => string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocabulary: string[] = [];
  for (let i = 0; i < size; i++) {
    let word = '';
    const length = 2 + (next() % 9);
    for (let j = 0; j < length; j++) word += letters[next() % 26];
    vocabulary.push(word);
  }
  return () => {
    const r = next() / 0x1_0000_0000;
    return vocabulary[Math.floor(vocabulary.length * r * r * r)]!;
  };
}
