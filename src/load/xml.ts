import { createRequire } from 'node:module';
import { fail } from '../errors.js';

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

/** Parses `xml` into an element tree; malformed XML is an error at `file:line`. */
export function parseXml(xml: string, file: string): XmlElement {
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
    processEntities: true,
    captureMetaData: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: '#comment',
  });
  const nodes = parser.parse(xml) as OrderedNode[];
  const lineStarts = lineStartOffsets(xml);
  const roots = nodes.map((node) => toElement(node, lineStarts)).filter((e): e is XmlElement => e !== undefined);
  if (roots.length !== 1) fail(file, 'expected exactly one root element', 1);
  return roots[0]!;
}

function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineOf(offset: number, lineStarts: number[]): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

function toElement(node: OrderedNode, lineStarts: number[]): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ATTRIBUTES_KEY);
  if (name === undefined || name === TEXT_KEY || name === '#comment') return undefined;
  const metaKey = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[metaKey];
  const line = meta?.startIndex === undefined ? 1 : lineOf(meta.startIndex, lineStarts);
  const rawAttributes = (node[ATTRIBUTES_KEY] ?? {}) as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttributes)) attributes[key] = String(value);
  const children: XmlElement[] = [];
  let text = '';
  let innerText = '';
  for (const child of (node[name] ?? []) as OrderedNode[]) {
    if (TEXT_KEY in child) {
      text += String(child[TEXT_KEY]);
      innerText += String(child[TEXT_KEY]);
      continue;
    }
    const element = toElement(child, lineStarts);
    if (element) {
      children.push(element);
      innerText += element.innerText;
    }
  }
  return { name, attributes, children, text, innerText, line };
}
