/**
 * Text from a package, made safe to print: control characters (C0, DEL, C1), line and paragraph
 * separators and bidirectional overrides shown as visible escapes, so a hostile name or field can
 * neither drive the terminal nor disguise itself. In one-line values (paths) tabs, newlines and
 * backslashes are escaped too, so every printed path is unambiguous.
 */
const MULTILINE_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const ONE_LINE_UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/gu;

function escape(character: string): string {
  if (character === '\\') return '\\\\';
  const code = character.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

export function visibleLine(text: string): string {
  return text.replace(ONE_LINE_UNSAFE, escape);
}

export function visibleText(text: string): string {
  return text.replace(MULTILINE_UNSAFE, escape);
}

const MESSAGE_UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** A one-line message that may quote package text already (backslashes kept as they are). */
export function visibleMessage(text: string): string {
  return text.replace(MESSAGE_UNSAFE, escape);
}

/** JSON text with the characters JSON.stringify leaves raw (DEL, C1, separators, bidi overrides) as \u escapes. */
export function visibleJson(json: string): string {
  return json.replace(/[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
