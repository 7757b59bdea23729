/** A .deb, ar or tar structure that is malformed, hostile or past a limit: the message is one line. */
export class DebFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebFormatError';
  }
}
