/**
 * Spotting incompressible input (already-compressed models, images, audio, encrypted blobs)
 * before a compressor spends its full search on it.
 *
 * Deflate at level 9 and LZMA2 at preset 6 end up storing such data as it is, but only after
 * the whole match search: about a third of the compressor's time on a typical robot payload
 * (models next to maps). Here a few small samples of the block are deflated at level 1: if
 * none of them gets smaller, the block is stored without searching. The first sample is tried
 * alone (it settles most compressible blocks at once), the others together: each deflate call
 * costs far more to set up than to run on a few KiB, so one call for the rest halves the cost
 * of judging an incompressible block, and a sample of text among them still shrinks the whole.
 *
 * The decision depends only on the block's bytes, so the output stays reproducible. A block
 * judged wrongly (incompressible samples, compressible elsewhere) costs size, never
 * correctness; samples every 16 KiB keep that to blocks that mix data kinds.
 */
import zlib from 'node:zlib';

/** Bytes per sample: big enough that deflate gains on any text or code, small enough to be cheap. */
const SAMPLE = 1024;
/** One sample per this many bytes of block. */
const SAMPLE_SPACING = 16 * 1024;

/** True when `sample` gets smaller under deflate level 1. */
function shrinks(sample: Uint8Array): boolean {
  return zlib.deflateRawSync(sample, { level: 1 }).length < sample.length;
}

/** True when no sample of `block` gets smaller under deflate level 1 (blocks under 1 KiB are never judged incompressible). */
export function looksIncompressible(block: Uint8Array): boolean {
  if (block.length < SAMPLE) return false;
  if (shrinks(block.subarray(0, SAMPLE))) return false;
  const samples = Math.max(1, Math.floor(block.length / SAMPLE_SPACING));
  if (samples === 1) return true;
  // Spread the samples evenly from the first byte to the last possible sample start.
  const step = Math.floor((block.length - SAMPLE) / (samples - 1));
  const rest = Buffer.allocUnsafe((samples - 1) * SAMPLE);
  for (let i = 1; i < samples; i++) rest.set(block.subarray(i * step, i * step + SAMPLE), (i - 1) * SAMPLE);
  return !shrinks(rest);
}
