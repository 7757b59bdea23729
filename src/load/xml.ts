import { createRequire } from 'node:module';
import { fail } from '../errors.js';
import { decodeUtf8Strict, lineAtByte } from './read-input.js';

// fast-xml-parser through its single-file CommonJS bundle: loading the package's ESM source (a
// graph of ~40 modules) costs ~40 ms at every start, the bundle ~7 ms. Same version, same code.
const { XMLParser, XMLValidator } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');

/** A parsed XML element with the line it starts on, so every later problem can point at it. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside the element, whitespace as written. */
  text: string;
  /** All text inside the element, nested markup included, in document order. */
  innerText: string;
  line: number;
}

type OrderedNode = Record<string, unknown>;

const ATTRIBUTES_KEY = ':@';
const TEXT_KEY = '#text';
const BLOCK_ELEMENTS = new Set(['p', 'div', 'ul', 'ol', 'dl', 'pre', 'table', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const LINE_ELEMENTS = new Set(['br', 'li', 'tr', 'dt', 'dd']);

const CDATA_KEY = '#cdata';

/** IANA names of the encodings an XML declaration may give, by what decodes them. */
const UTF8_NAMES = new Set(['utf-8', 'utf8']);
const LATIN1_NAMES = new Set(['iso-8859-1', 'iso_8859-1', 'iso_8859-1:1987', 'latin1', 'l1', 'ibm819', 'cp819', 'csisolatin1']);
const ASCII_NAMES = new Set(['us-ascii', 'ascii', 'iso646-us', 'csascii']);

/**
 * Characters XML text must not hold (XML 1.0 allows no C0 control but tab, LF and CR), plus DEL
 * and the C1 controls XML merely discourages: every one of them would reach a control file or a
 * terminal, where they act instead of showing.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * Decodes an XML file's bytes as its declaration says: UTF-8 (the default; invalid bytes are an
 * error at their line), ISO-8859-1 or US-ASCII; any other encoding is refused rather than guessed.
 * Control characters are an error at their line.
 */
export function decodeXml(bytes: Buffer, file: string): string {
  const utf8Hint = 'save the file as UTF-8 (or declare its real encoding, e.g. <?xml version="1.0" encoding="ISO-8859-1"?>)';
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    fail(file, 'is UTF-16: save it as UTF-8', 1);
  }
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const head = bytes.subarray(hasBom ? 3 : 0, Math.min(bytes.length, 512)).toString('latin1');
  const declaration = /^<\?xml\s[^?]*\?>/.exec(head)?.[0];
  const declared = declaration === undefined ? undefined : /\sencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(declaration);
  const encoding = declared ? (declared[1] ?? declared[2] ?? '') : 'utf-8';
  const name = encoding.toLowerCase();
  let text: string;
  if (UTF8_NAMES.has(name)) text = decodeUtf8Strict(bytes, file, utf8Hint);
  else if (LATIN1_NAMES.has(name) && !hasBom) text = bytes.toString('latin1');
  else if (ASCII_NAMES.has(name) && !hasBom) {
    const bad = bytes.findIndex((byte) => byte >= 0x80);
    if (bad >= 0) fail(file, `byte 0x${bytes[bad]!.toString(16)} is not US-ASCII, the encoding the XML declaration gives: ${utf8Hint}`, lineAtByte(bytes, bad));
    text = bytes.toString('latin1');
  } else {
    fail(file, `encoding "${encoding.replace(/[^\x20-\x7e]/g, '?')}" is not supported${hasBom ? ' (the file starts with a UTF-8 byte-order mark)' : ''}: save the file as UTF-8 and declare encoding="UTF-8"`, 1);
  }
  const control = CONTROL_CHARACTER.exec(text);
  if (control) {
    const line = text.slice(0, control.index).split('\n').length;
    fail(file, `holds control character ${codePoint(control[0])}: remove it (text from package.xml goes into the control file and onto terminals)`, line);
  }
  return text;
}

function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Blanks comments and CDATA sections (keeping line breaks), so markup inside them is not taken for a declaration. */
function withoutCommentsAndCdata(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, (match) => match.replace(/[^\n]/g, ' '));
}

/** Parses `xml` into an element tree; malformed XML is an error at `file:line`. */
export function parseXml(xml: string, file: string): XmlElement {
  // A document type declaration can define entities that expand to anything (billion laughs) or
  // pull in other files; a package.xml needs none.
  const doctype = /<!DOCTYPE/.exec(withoutCommentsAndCdata(xml));
  if (doctype) fail(file, 'has a <!DOCTYPE> declaration: remove it (package.xml needs no DTD, and debforge expands no declared entities)', xml.slice(0, doctype.index).split('\n').length);
  const validation = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (validation !== true) {
    fail(file, `malformed XML: ${validation.err.msg}`, validation.err.line);
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    // References are decoded here (decodeReferences), strictly: the parser's own decoding leaves
    // character references as written and knows entities XML does not have.
    processEntities: false,
    htmlEntities: false,
    cdataPropName: CDATA_KEY,
    captureMetaData: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: '#comment',
  });
  const nodes = parser.parse(xml) as OrderedNode[];
  const lineStarts = lineStartOffsets(xml);
  const roots = nodes.map((node) => toElement(node, lineStarts, file)).filter((e): e is XmlElement => e !== undefined);
  if (roots.length !== 1) fail(file, 'expected exactly one root element', 1);
  return roots[0]!;
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Whether a code point is a character XML 1.0 allows and debforge passes on (no control characters). */
function isAllowedCharacter(value: number): boolean {
  if (value === 0x9 || value === 0xa || value === 0xd) return true;
  if (value < 0x20 || (value >= 0x7f && value <= 0x9f)) return false;
  if (value >= 0xd800 && value <= 0xdfff) return false;
  if (value === 0xfffe || value === 0xffff) return false;
  return value <= 0x10ffff;
}

/**
 * Decodes XML's five predefined entities and character references (`&#233;`, `&#xE9;`); any other
 * entity is an error, as is a reference to a character XML forbids or a control character.
 */
function decodeReferences(raw: string, file: string, line: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&<\s]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) fail(file, `"${match}" is not a reference: write a literal & as &amp;`, line);
    if (body.startsWith('#')) {
      const value = /^#x[0-9a-fA-F]{1,6}$/.test(body) ? parseInt(body.slice(2), 16) : /^#[0-9]{1,7}$/.test(body) ? parseInt(body.slice(1), 10) : NaN;
      if (Number.isNaN(value)) fail(file, `"${match}" is not a character reference (&#233; or &#xE9;)`, line);
      if (!isAllowedCharacter(value)) fail(file, `"${match}" refers to U+${value.toString(16).toUpperCase().padStart(4, '0')}, a control or non-XML character: remove it`, line);
      return String.fromCodePoint(value);
    }
    const entity = PREDEFINED_ENTITIES[body];
    if (entity === undefined) fail(file, `"${match}" is not an XML entity (only &lt; &gt; &amp; &quot; &apos; and character references like &#233; are): write the character itself`, line);
    return entity;
  });
}

/** The offset where each line of `text` starts. */
export function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The 1-based line of `offset`, given the offsets where lines start. */
export function lineOf(offset: number, lineStarts: number[]): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

function toElement(node: OrderedNode, lineStarts: number[], file: string): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ATTRIBUTES_KEY);
  if (name === undefined || name === TEXT_KEY || name === CDATA_KEY || name === '#comment') return undefined;
  const metaKey = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[metaKey];
  const line = meta?.startIndex === undefined ? 1 : lineOf(meta.startIndex, lineStarts);
  const rawAttributes = (node[ATTRIBUTES_KEY] ?? {}) as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttributes)) attributes[key] = decodeReferences(String(value), file, line);
  const children: XmlElement[] = [];
  let text = '';
  let innerText = '';
  for (const child of (node[name] ?? []) as OrderedNode[]) {
    if (TEXT_KEY in child || CDATA_KEY in child) {
      // CDATA is taken as written; ordinary text has its references decoded.
      const value = CDATA_KEY in child ? ((child[CDATA_KEY] ?? []) as OrderedNode[]).map((part) => String(part[TEXT_KEY] ?? '')).join('') : decodeReferences(String(child[TEXT_KEY]), file, line);
      text += value;
      innerText += value;
      continue;
    }
    const element = toElement(child, lineStarts, file);
    if (element) {
      children.push(element);
      // HTML in a ROS <description>: a block element is a paragraph of its own, a line break or
      // list item a line of its own, so "<p>a</p><p>b</p>" does not read as "ab".
      const block = BLOCK_ELEMENTS.has(element.name) ? '\n\n' : '';
      innerText += block + (LINE_ELEMENTS.has(element.name) ? '\n' : '') + element.innerText + block;
    }
  }
  return { name, attributes, children, text, innerText, line };
}
