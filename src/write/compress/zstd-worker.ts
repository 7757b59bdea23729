/**
 * A zstd thread: writes ONE frame (zstd-frame.ts), block after block in the order ZstdCompressor
 * sends them; each answer carries the bytes of the frame that block let out, in the block's
 * place. The last block ends the frame.
 */
import { serveBlocks, type BlockRequest } from './block-worker.js';
import { ZstdFrameWriter } from './zstd-frame.js';

/** The block at the start of `buffer`, which has room for what it lets out. */
export interface ZstdRequest extends BlockRequest {
  length: number;
  level: number;
  /** The last block: the frame ends with it. */
  last: boolean;
}

let frame: ZstdFrameWriter | undefined;

function compressInPlace(request: ZstdRequest): number {
  frame ??= new ZstdFrameWriter(request.level);
  const buffer = new Uint8Array(request.buffer);
  // The block is copied into the module's memory before anything is written over it.
  const written = frame.write(buffer.subarray(0, request.length), request.last, buffer);
  if (request.last) {
    frame.close();
    frame = undefined;
  }
  return written;
}

serveBlocks(compressInPlace);
