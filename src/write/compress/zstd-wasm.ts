/**
 * @bokuweb/zstd-wasm (MIT): zstd's reference C library compiled to WebAssembly, inside the npm
 * package (no download or native build at install time). Loaded on first use, so a run that
 * does not write zstd never loads it.
 */

export interface ZstdWasm {
  /** One zstd frame holding `data` (content size in its header, no checksum), at `level`. */
  compress(data: Uint8Array, level: number): Uint8Array;
}

const ZSTD_WASM = '@bokuweb/zstd-wasm';
let loading: Promise<ZstdWasm> | undefined;

export function loadZstdWasm(): Promise<ZstdWasm> {
  loading ??= (async (): Promise<ZstdWasm> => {
    let namespace: unknown;
    try {
      namespace = (await import(ZSTD_WASM)) as unknown;
    } catch (error) {
      throw new Error(`zstd compression needs the npm package "${ZSTD_WASM}", which could not be loaded (${error instanceof Error ? error.message : String(error)}); install it, or use --compression gzip`);
    }
    const mod = ((namespace as { default?: unknown }).default ?? namespace) as { init?: unknown; compress?: unknown };
    if (typeof mod.init !== 'function' || typeof mod.compress !== 'function') throw new Error(`the installed "${ZSTD_WASM}" package does not have the expected API`);
    await (mod.init as () => Promise<void>)();
    return { compress: mod.compress as ZstdWasm['compress'] };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
