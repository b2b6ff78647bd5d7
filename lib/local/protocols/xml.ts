/**
 * XML for the awsQuery and restXml protocols, driven by the service model: writing output shapes as
 * AWS does (lists of `<member>`, maps of `<entry>`, flattened lists as repeated elements) and
 * reading XML request payloads (S3's CreateBucketConfiguration, DeleteObjects, ...) into shapes.
 * Parsing uses fast-xml-parser; writing is plain string building because element order and naming
 * come from the model, not from a generic object tree.
 */
import { XMLParser } from "fast-xml-parser";
import type { Shape } from "../service.js";
import type { ServiceModel, ShapeDef, ShapeRef } from "./model.js";
import { coerceScalar, formatTimestamp, scalarText, shapeOf, timestampFormatOf } from "./shapes.js";

const TEXT_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;" };
const ATTR_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': "&quot;", "\n": "&#10;", "\t": "&#9;" };

/** Escapes element text; `\r` is written as a character reference so XML parsers keep it. */
export const escapeText = (s: string): string => s.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]!);
export const escapeAttr = (s: string): string => s.replace(/[&<>"\r\n\t]/g, (c) => ATTR_ESCAPES[c]!);

/** One element with already-serialized content. */
export function element(name: string, inner: string, attrs?: Record<string, string | undefined>): string {
  let open = name;
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined) open += ` ${k}="${escapeAttr(v)}"`;
  return inner === "" ? `<${open}/>` : `<${open}>${inner}</${name}>`;
}

export const textElement = (name: string, text: string): string => `<${name}>${escapeText(text)}</${name}>`;

export interface XmlWriteStyle {
  /** S3 writes `.000Z` milliseconds; IAM and STS whole seconds. */
  timestampMillis: boolean;
  /** Rewrites a string value before escaping (IAM URL-encodes policy documents), by shape name. */
  encodeString?: (shapeName: string, value: string) => string;
}

/** The member elements of a structure value, in model order; absent members are skipped. */
export function structureXml(model: ServiceModel, shape: ShapeDef, value: Shape, style: XmlWriteStyle): string {
  let out = "";
  for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location || ref.xmlAttribute) continue;
    const v = value[memberName];
    if (v === undefined || v === null) continue;
    out += memberXml(model, ref.locationName ?? memberName, ref, v, style);
  }
  return out;
}

/** Attributes of a structure (members marked `xmlAttribute`), for its start tag. */
export function structureAttributes(shape: ShapeDef, value: Shape): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
    const v = value[memberName];
    if (ref.xmlAttribute && v !== undefined && v !== null) attrs[ref.locationName ?? memberName] = String(v);
  }
  return attrs;
}

/** One member as XML: an element, or several for a flattened list or map. */
export function memberXml(model: ServiceModel, name: string, ref: ShapeRef, value: unknown, style: XmlWriteStyle): string {
  const shape = shapeOf(model, ref);
  switch (shape.type) {
    case "list": {
      const items = Array.isArray(value) ? value : [value];
      const itemRef = shape.member!;
      if (ref.flattened || shape.flattened) {
        const itemName = itemRef.locationName ?? name;
        return items.map((item) => memberXml(model, itemName, itemRef, item, style)).join("");
      }
      const itemName = itemRef.locationName ?? "member";
      return element(name, items.map((item) => memberXml(model, itemName, itemRef, item, style)).join(""), namespaceAttrs(ref));
    }
    case "map": {
      const keyRef = shape.key!;
      const valueRef = shape.value!;
      const keyName = keyRef.locationName ?? "key";
      const valueName = valueRef.locationName ?? "value";
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
      const entryXml = ([k, v]: [string, unknown]): string =>
        memberXml(model, keyName, keyRef, k, style) + memberXml(model, valueName, valueRef, v, style);
      if (ref.flattened || shape.flattened) return entries.map((e) => element(name, entryXml(e))).join("");
      return element(name, entries.map((e) => element("entry", entryXml(e))).join(""), namespaceAttrs(ref));
    }
    case "structure": {
      const v = value as Shape;
      return element(name, structureXml(model, shape, v, style), { ...namespaceAttrs(ref), ...structureAttributes(shape, v) });
    }
    case "timestamp":
      return textElement(name, formatTimestamp(value, timestampFormatOf(ref, shape, "iso8601"), style.timestampMillis));
    case "string": {
      const s = String(value);
      return textElement(name, style.encodeString ? style.encodeString(ref.shape, s) : s);
    }
    default:
      return textElement(name, scalarText(shape, value));
  }
}

function namespaceAttrs(ref: ShapeRef): Record<string, string> | undefined {
  if (!ref.xmlNamespace) return undefined;
  const attr = ref.xmlNamespace.prefix ? `xmlns:${ref.xmlNamespace.prefix}` : "xmlns";
  return { [attr]: ref.xmlNamespace.uri };
}

// ---- reading ----

/** A parsed element: child elements by name (always arrays), attributes as `@_name`, text as `#text`. */
export type XmlNode = { [name: string]: XmlNode[] | string[] | string | undefined } | string;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
});

/**
 * Parses an XML document and returns its root element's name and node. Throws a plain Error for
 * malformed XML; the protocol turns it into the service's own error (S3: MalformedXML).
 */
export function parseXmlDocument(text: string): { name: string; node: XmlNode } {
  const doc = parser.parse(text, true) as Record<string, XmlNode[]>;
  const rootName = Object.keys(doc).find((k) => !k.startsWith("?") && !k.startsWith("#"));
  if (!rootName) throw new Error("the XML document has no root element");
  return { name: rootName, node: doc[rootName]![0]! };
}

const childrenOf = (node: XmlNode, name: string): XmlNode[] =>
  typeof node === "string" ? [] : ((node[name] as XmlNode[] | undefined) ?? []);

const textOf = (node: XmlNode): string => (typeof node === "string" ? node : typeof node["#text"] === "string" ? node["#text"] : "");

/** Reads a structure's members from an element. */
export function readStructure(model: ServiceModel, shape: ShapeDef, node: XmlNode): Shape {
  const out: Shape = {};
  for (const [memberName, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location) continue;
    const v = readMember(model, node, ref.locationName ?? memberName, ref);
    if (v !== undefined) out[memberName] = v;
  }
  return out;
}

function readMember(model: ServiceModel, parent: XmlNode, name: string, ref: ShapeRef): unknown {
  const shape = shapeOf(model, ref);
  if (ref.xmlAttribute) {
    const a = typeof parent === "string" ? undefined : parent[`@_${name}`];
    return typeof a === "string" ? coerceScalar(shape, a) : undefined;
  }
  if (shape.type === "list") {
    const itemRef = shape.member!;
    if (ref.flattened || shape.flattened) {
      const items = childrenOf(parent, itemRef.locationName ?? name);
      return items.length ? items.map((n) => readValue(model, itemRef, n)) : undefined;
    }
    const container = childrenOf(parent, name)[0];
    if (container === undefined) return undefined;
    return childrenOf(container, itemRef.locationName ?? "member").map((n) => readValue(model, itemRef, n));
  }
  if (shape.type === "map") {
    const keyName = shape.key!.locationName ?? "key";
    const valueName = shape.value!.locationName ?? "value";
    const entries =
      ref.flattened || shape.flattened ? childrenOf(parent, name) : childrenOf(childrenOf(parent, name)[0] ?? "", "entry");
    if (!entries.length && !childrenOf(parent, name).length) return undefined;
    const map: Record<string, unknown> = {};
    for (const e of entries) {
      const k = childrenOf(e, keyName)[0];
      const v = childrenOf(e, valueName)[0];
      if (k !== undefined) map[textOf(k)] = v === undefined ? undefined : readValue(model, shape.value!, v);
    }
    return map;
  }
  const n = childrenOf(parent, name)[0];
  return n === undefined ? undefined : readValue(model, ref, n);
}

function readValue(model: ServiceModel, ref: ShapeRef, node: XmlNode): unknown {
  const shape = shapeOf(model, ref);
  if (shape.type === "structure") return readStructure(model, shape, node);
  if (shape.type === "list" || shape.type === "map") return readMember(model, { v: [node] } as XmlNode, "v", { ...ref });
  return coerceScalar(shape, textOf(node));
}
