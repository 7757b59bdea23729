/** CRC-32 lives in src/gzip/ (render's gzip member needs it too): repo/index-xz.ts still imports it here. */
export { crc32 } from '../../gzip/crc32.js';
