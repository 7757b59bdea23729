/**
 * zstd's reference C library compiled to WebAssembly, as the npm package @oneidentity/zstd-js
 * (MIT; zstd 1.4.7) ships it: inside the package, so nothing is downloaded or built at install
 * time, and the same code on every machine, so the same bytes. The package's JavaScript offers
 * only whole-buffer calls, but its module exports zstd's streaming API (ZSTD_compressStream2),
 * which is what compresses a member as one frame in bounded memory. So the module is taken from
 * the package's single-file build (a base64 data URI) and instantiated here, with the three host
 * functions an Emscripten module of this kind imports. Loaded on first use by each thread that
 * writes a zstd frame (zstd-frame.ts), so a run that writes no zstd never loads it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The exports of the module that debforge calls (zstd's C API; sizes and pointers are 32-bit). */
export interface ZstdWasm {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  ZSTD_createCStream(): number;
  ZSTD_freeCStream(context: number): number;
  ZSTD_CCtx_setParameter(context: number, parameter: number, value: number): number;
  /** dst/dstCapacity/&dstPos, src/srcSize/&srcPos, end directive; returns an error code or a hint (0: all flushed). */
  ZSTD_compressStream2_simpleArgs(context: number, dst: number, dstCapacity: number, dstPos: number, src: number, srcSize: number, srcPos: number, end: number): number;
  ZSTD_isError(code: number): number;
  ZSTD_getErrorName(code: number): number;
}

const PACKAGE = '@oneidentity/zstd-js';
const BUNDLE = `${PACKAGE}/wasm/index.cjs.js`;
const WASM_PAGE = 64 * 1024;
const NEEDED: readonly (keyof ZstdWasm)[] = [
  'memory',
  'malloc',
  'free',
  'ZSTD_createCStream',
  'ZSTD_freeCStream',
  'ZSTD_CCtx_setParameter',
  'ZSTD_compressStream2_simpleArgs',
  'ZSTD_isError',
  'ZSTD_getErrorName',
];

let loaded: ZstdWasm | undefined;

function unavailable(reason: string): Error {
  return new Error(`zstd compression needs the npm package "${PACKAGE}" 1.0.3 (${reason}); install it, or use --compression gzip or xz`);
}

/** The module's bytes, from the package's single-file build. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  let source: string;
  try {
    source = readFileSync(createRequire(import.meta.url).resolve(BUNDLE), 'utf8');
  } catch (error) {
    throw unavailable(`it could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const base64 = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(source)?.[1];
  if (base64 === undefined) throw unavailable(`${BUNDLE} holds no WebAssembly module`);
  const bytes = Buffer.from(base64, 'base64');
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
}

/** Instantiates the module (once per thread, synchronously: about 600 KiB of code to compile). */
export function loadZstdWasm(): ZstdWasm {
  if (loaded !== undefined) return loaded;
  let memory: WebAssembly.Memory | undefined;
  const env = {
    // Emscripten's heap growth: true once memory holds `size` bytes.
    emscripten_resize_heap: (size: number): number => {
      const wanted = size >>> 0;
      const have = memory!.buffer.byteLength;
      if (wanted <= have) return 1;
      try {
        memory!.grow(Math.ceil((wanted - have) / WASM_PAGE));
        return 1;
      } catch {
        return 0;
      }
    },
    emscripten_memcpy_big: (to: number, from: number, length: number): void => {
      new Uint8Array(memory!.buffer).copyWithin(to, from, from + length);
    },
    setTempRet0: (): void => undefined,
  };
  let exports: WebAssembly.Exports;
  try {
    exports = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), { env }).exports;
  } catch (error) {
    throw unavailable(`its WebAssembly module did not load: ${error instanceof Error ? error.message : String(error)}`);
  }
  const missing = NEEDED.filter((name) => exports[name] === undefined);
  if (missing.length > 0) throw unavailable(`its module lacks ${missing.join(', ')}`);
  memory = exports['memory'] as WebAssembly.Memory;
  for (const init of ['emscripten_stack_init', '__wasm_call_ctors']) (exports[init] as (() => void) | undefined)?.();
  loaded = exports as unknown as ZstdWasm;
  return loaded;
}
