/** Checks of the options every repository run shares, before anything is read or written. */
import { DebforgeError, printable } from '../errors.js';
import type { Keep } from './retention.js';
import type { RepoRunOptions } from './types.js';

/** A suite or component name. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

const usage = (what: string, message: string): DebforgeError => new DebforgeError({ file: what, message, severity: 'error' });

export function checkRunOptions(options: RepoRunOptions & { keep?: Keep; phase?: number | Readonly<Record<string, number>> }): void {
  const component = options.component;
  if (component !== undefined && !NAME.test(component)) throw usage(`--component ${printable(component)}`, 'must be a name of letters, digits, ".", "_", "+" and "-"');
  if (options.suite !== undefined && !NAME.test(options.suite)) throw usage(`--suite ${printable(options.suite)}`, 'must be a name of letters, digits, ".", "_", "+" and "-"');
  if (options.keep !== undefined && options.keep !== 'all' && !(Number.isSafeInteger(options.keep) && options.keep >= 1)) throw usage(`--keep ${printable(String(options.keep))}`, 'must be a whole number of at least 1, or all');
  const phases = typeof options.phase === 'number' ? [['', options.phase] as const] : Object.entries(options.phase ?? {});
  for (const [name, percent] of phases) {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw usage(`--phase ${printable(name === '' ? String(percent) : `${name}=${percent}`)}`, 'the percentage must be a whole number from 0 to 100');
  }
  const keys = signKeys(options.signKey);
  if (keys.some((key) => key === '')) throw usage('--sign-key', 'is empty: give a key ID, a fingerprint or a key file');
}

/** The signing keys as a list (none: unsigned). */
export function signKeys(signKey: string | readonly string[] | undefined): readonly string[] {
  return signKey === undefined ? [] : typeof signKey === 'string' ? [signKey] : signKey;
}
