/**
 * Garbage collection on demand, for the compressors' hot loops and their threads.
 *
 * Compressing allocates a buffer per block and almost no JS objects, so V8 lets tens of MiB of
 * dead buffers pile up before it collects (its trigger is JS heap growth, or 64 MiB of outside
 * memory). Collecting every few MiB keeps a build's memory flat for the cost of well under 1% of
 * the time. Exposing gc() this way touches no other setting, but it is process-wide: contexts and
 * worker threads created afterwards see a `gc` global. Each thread calls it for itself (a worker
 * thread gets its own gc() from its own context).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export type Collect = () => void;
/**
 * V8's gc(): a full, synchronous collection without arguments; `{ type: 'minor' }` collects the
 * young generation only. (Node 20's V8 treats `{ type: 'major' }` as minor too: only the bare call
 * is full.)
 */
type Gc = (options?: { type: 'minor' }) => void;

let gc: Gc | null | undefined;

/** Exposes gc() (once) and returns this thread's, or null where the runtime does not allow it. */
function exposedGc(): Gc | null {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as Gc;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/** A function running a minor collection (the young generation), or a no-op where the runtime does not allow it. */
export function minorCollector(): Collect {
  const collect = exposedGc();
  return collect ? () => collect({ type: 'minor' }) : (): void => undefined;
}

/**
 * A function running a full collection, for buffers that live long enough to leave the young
 * generation (output waiting for a slow disk, what an xz thread kept through a block), or a no-op.
 */
export function majorCollector(): Collect {
  const collect = exposedGc();
  return collect ? () => collect() : (): void => undefined;
}
