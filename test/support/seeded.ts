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

/**
 * Incompressible but reproducible bytes: an AES-128-CTR keystream under a key made from `label`.
 * Each call of the function returned gives the next `size` bytes of that stream.
 */
export function seededRandomStream(label: string): (size: number) => Buffer {
  const key = createHash('sha256').update(label).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (size) => cipher.update(Buffer.alloc(size));
}

/** The first `size` bytes of seededRandomStream(label). */
export function seededRandomBytes(size: number, label: string): Buffer {
  return seededRandomStream(label)(size);
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

/**
 * Log, source and prose lines over a seeded Zipf-like vocabulary of 3000 words, with numbers and
 * timestamps: text that compresses as real text does, the same on every run. `fill` continues
 * where the previous call stopped (a line cut at the end of one buffer goes on in the next).
 */
export class SeededText {
  private readonly next: () => number;
  private readonly pick: () => string;
  private seconds = 0;
  private carry = Buffer.alloc(0);

  constructor(seed: number) {
    this.next = prng(seed);
    this.pick = zipfWords(this.next, 3000);
  }

  private line(): string {
    const next = this.next;
    const two = (n: number): string => String(n).padStart(2, '0');
    const kind = next() % 3;
    if (kind === 0) {
      this.seconds += next() % 5;
      const s = this.seconds;
      const stamp = `2024-05-${two(1 + ((s / 86400) % 28 | 0))} ${two((s / 3600) % 24 | 0)}:${two((s / 60) % 60 | 0)}:${two(s % 60)}`;
      const levels = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];
      return `${stamp}.${String(next() % 1000).padStart(3, '0')} ${levels[next() % levels.length]} [${this.pick()}.${this.pick()}] ${this.pick()} ${this.pick()} ${this.pick()} id=${next() % 10000} took ${next() % 1000}ms\n`;
    }
    if (kind === 1) return `${' '.repeat(2 * (next() % 4))}const ${this.pick()}_${this.pick()} = ${this.pick()}(${this.pick()}, ${next() % 256});\n`;
    const words: string[] = [];
    const count = 5 + (next() % 11);
    for (let w = 0; w < count; w++) words.push(this.pick());
    return `${words.join(' ')}.\n`;
  }

  /** Fills `out` completely. */
  fill(out: Buffer): void {
    let offset = this.carry.copy(out, 0);
    this.carry = this.carry.subarray(offset);
    while (offset < out.length) {
      const line = Buffer.from(this.line(), 'latin1');
      const n = line.copy(out, offset);
      offset += n;
      if (n < line.length) this.carry = line.subarray(n);
    }
  }
}

/** The first `size` bytes of SeededText(seed). */
export function seededText(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  new SeededText(seed).fill(out);
  return out;
}
