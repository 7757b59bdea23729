// Names close to a misspelt one, for the message that refuses it ("did you mean ...?").

/** Up to three known keys closest to `key` by edit distance, closest first, then by name. */
export function nearestKeys(key: string, known: Iterable<string>, limit = 3): string[] {
  const bound = Math.max(2, Math.floor(key.length / 3));
  const scored: [number, string][] = [];
  for (const candidate of known) {
    if (Math.abs(candidate.length - key.length) > bound) continue;
    const distance = editDistance(key, candidate, bound);
    if (distance <= bound) scored.push([distance, candidate]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return scored.slice(0, limit).map(([, name]) => name);
}

/** Levenshtein distance, giving up (returning bound + 1) once it must exceed `bound`. */
export function editDistance(a: string, b: string, bound = Infinity): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > bound) return bound + 1;
    previous = current;
  }
  return previous[b.length]!;
}
