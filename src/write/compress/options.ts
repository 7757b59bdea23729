/** Validates a compressor option; a bad value is a programming error, so it throws RangeError. */
export function checkInteger(compressor: string, name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${compressor} ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
