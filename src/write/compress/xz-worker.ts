/**
 * An xz thread: LZMA2-encodes the blocks XzCompressor sends, one at a time, each with a fresh
 * raw encoder (lzma-native frees its encoder at the end of every stream).
 *
 * Why a thread of our own rather than lzma-native's asynchronous mode: an encoder allocates
 * ~30 MiB from malloc besides its mapped 64 MiB match tree, and frees it per block. lzma-native
 * creates encoders on the calling thread, so on the main thread those chunks shared glibc's main
 * heap with everything else the build keeps alive for a while, which nibbled at the holes they
 * left: the heap crept up by tens of MiB over a build. A thread's allocations come from its own
 * arena, where little else lives between blocks, so each block's encoder takes the space of the
 * last one.
 */
import { serveBlocks, type BlockRequest } from './block-worker.js';
import { majorCollector, minorCollector } from './collect.js';
import { loadLzmaNative } from './lzma-native.js';

/** The block at the start of `buffer`, which has room for its LZMA2 bound (lzma2Bound); the LZMA2 data comes back in its place. */
export interface XzRequest extends BlockRequest {
  length: number;
  preset: number;
}

/** What the encoder is handed per call: it copies each piece before encoding it. */
const ENCODER_WRITE = 1024 * 1024;

const lzma = await loadLzmaNative();

const collectMinor = minorCollector();
const collectMajor = majorCollector();

/**
 * Where a block's LZMA2 data is gathered as the encoder emits it: allocated once, before the
 * first encoder, so it never sits among the encoder's chunks. The encoder's own output buffers
 * then live only until the next collection, which follows every piece of input.
 */
let scratch: Uint8Array | undefined;

/** Raw-LZMA2-encodes `data` (dictionary reset at its start, end marker at its end) into `into`; returns the length. */
function encode(data: Uint8Array, preset: number, into: Uint8Array): number {
  const stream = new lzma.Stream();
  stream.rawEncoder({ filters: [{ id: lzma.FILTER_LZMA2, options: { preset } }] });
  let length = 0;
  let failure: Error | undefined;
  stream.bufferHandler = (piece, _processedChunks, error) => {
    if (piece) {
      if (length + piece.length > into.length) failure ??= new Error(`LZMA2 data exceeds its bound of ${into.length} bytes`);
      else into.set(piece, length);
      length += piece.length;
    } else if (error) failure = error;
  };
  for (let offset = 0; offset < data.length && failure === undefined; offset += ENCODER_WRITE) {
    stream.code(data.subarray(offset, offset + ENCODER_WRITE), false);
    collectMinor();
  }
  if (failure === undefined) stream.code(null, false);
  if (failure !== undefined) throw failure;
  return length;
}

/** Encodes the request's block; its encoding goes in its place (the block is no longer needed). */
function encodeInPlace(request: XzRequest): number {
  if (scratch === undefined || scratch.length < request.buffer.byteLength) scratch = new Uint8Array(request.buffer.byteLength);
  const length = encode(new Uint8Array(request.buffer, 0, request.length), request.preset, scratch);
  new Uint8Array(request.buffer).set(scratch.subarray(0, length));
  return length;
}

// What is left of a block is garbage once it is answered: freed before the next block's encoder
// allocates (a full collection: a block takes seconds, a collection milliseconds).
serveBlocks(encodeInPlace, collectMajor);
