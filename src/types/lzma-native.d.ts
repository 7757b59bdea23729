/** The part of lzma-native's API debforge uses (the package ships no type declarations). */
declare module 'lzma-native' {
  import type { Duplex } from 'node:stream';

  export function createStream(coder: 'rawEncoder', options: { filters: { id: string; options: { preset: number } }[] }): Duplex;
  export function versionString(): string;
  export const FILTER_LZMA2: string;
}
