/**
 * Condition operators, as AWS documents them:
 * - several values for one key are ORed (negated operators: the value must match none of them);
 *   several keys, and several operators, are ANDed;
 * - a missing key makes a condition false, except negated operators (true), `…IfExists` (true) and
 *   `Null`;
 * - `ForAnyValue:` true when some request value matches (false when the key is missing or empty),
 *   `ForAllValues:` true when every request value matches (true when missing or empty);
 * - a multi-valued key under a plain operator does not match (a set operator is required);
 * - condition keys are case-insensitive; values are case-sensitive except `…IgnoreCase` and `Bool`.
 */
import { BlockList, isIP } from "node:net";
import type { PolicyStatement } from "../service.js";
import { compileResourcePattern, tokensToRegexSource } from "./match.js";
import { type NormalizedContext, type ParsedString, parsePolicyString, resolveTokens, tokensToText } from "./variables.js";

type Family = "string" | "arn" | "numeric" | "date" | "bool" | "ip" | "binary";

interface BaseOperator {
  family: Family;
  negated: boolean;
  /** Whether one policy value positively matches the request value; undefined = cannot be evaluated. */
  make(value: string, variables: boolean): (requestValue: string, ctx: NormalizedContext) => boolean | undefined;
}

/** A condition value that may contain policy variables (String*, Arn*, Bool). */
function textValue(value: string, wildcards: boolean, variables: boolean): ParsedString {
  return parsePolicyString(value, wildcards, variables);
}

function stringEquals(ignoreCase: boolean): BaseOperator["make"] {
  return (value, variables) => {
    const parsed = textValue(value, false, variables);
    if (!parsed.hasVariables) {
      const text = tokensToText(parsed.tokens);
      if (!ignoreCase) return (v) => v === text;
      const lower = text.toLowerCase();
      return (v) => v.toLowerCase() === lower;
    }
    return (v, ctx) => {
      const tokens = resolveTokens(parsed, ctx);
      if (!tokens) return undefined;
      const text = tokensToText(tokens);
      return ignoreCase ? v.toLowerCase() === text.toLowerCase() : v === text;
    };
  };
}

const stringLike: BaseOperator["make"] = (value, variables) => {
  const parsed = textValue(value, true, variables);
  if (!parsed.hasVariables) {
    const re = new RegExp("^" + tokensToRegexSource(parsed.tokens) + "$");
    return (v) => re.test(v);
  }
  return (v, ctx) => {
    const tokens = resolveTokens(parsed, ctx);
    if (!tokens) return undefined;
    return new RegExp("^" + tokensToRegexSource(tokens) + "$").test(v);
  };
};

/** ArnEquals and ArnLike behave alike: segment-wise, wildcards allowed (AWS documents both so). */
const arnLike: BaseOperator["make"] = (value, variables) => {
  if (!value.startsWith("arn:") || value.split(":").length < 6) return () => undefined;
  const pattern = compileResourcePattern(value, variables);
  return (v, ctx) => {
    if (!v.startsWith("arn:") || v.split(":").length < 6) return undefined;
    return pattern(v, ctx);
  };
};

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
export function parseNumber(s: string): number | undefined {
  return NUMBER.test(s.trim()) ? Number(s) : undefined;
}

/** Dates are ISO 8601 (W3C profile) or epoch seconds. Returns epoch milliseconds. */
export function parseDate(s: string): number | undefined {
  if (/^-?\d+$/.test(s)) return Number(s) * 1000;
  if (!/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function compare(parse: (s: string) => number | undefined, test: (policy: number, request: number) => boolean): BaseOperator["make"] {
  return (value) => {
    const p = parse(value);
    return (v) => {
      const r = parse(v);
      if (p === undefined || r === undefined) return undefined;
      return test(p, r);
    };
  };
}

const bool: BaseOperator["make"] = (value, variables) => {
  const parsed = textValue(value, false, variables);
  return (v, ctx) => {
    const tokens = resolveTokens(parsed, ctx);
    if (!tokens) return undefined;
    const p = tokensToText(tokens).toLowerCase();
    const r = v.toLowerCase();
    if ((p !== "true" && p !== "false") || (r !== "true" && r !== "false")) return undefined;
    return p === r;
  };
};

/**
 * `IpAddress` / `NotIpAddress`: the policy value is an address range in CIDR notation (IPv4 or
 * IPv6; an address without a prefix length is that one address). A value that is not one, in the
 * policy or the request, cannot be evaluated.
 */
const ipAddress: BaseOperator["make"] = (value) => {
  const range = parseCidr(value);
  if (!range) return () => undefined;
  const list = new BlockList();
  list.addSubnet(range.address, range.prefix, range.family);
  return (v) => {
    const family = isIP(v);
    if (family === 0) return undefined;
    return list.check(v, family === 4 ? "ipv4" : "ipv6");
  };
};

export function parseCidr(text: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | undefined {
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const kind = isIP(address);
  if (kind === 0) return undefined;
  const max = kind === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family: kind === 4 ? "ipv4" : "ipv6" };
}

/** `BinaryEquals`: the base64 text of the value, compared byte for byte. */
const binaryEquals: BaseOperator["make"] = (value) => (v) => v === value;

const eq = (a: number, b: number) => a === b;
const op = (family: Family, negated: boolean, make: BaseOperator["make"]): BaseOperator => ({ family, negated, make });

/** Base operators by lower-cased name. */
const OPERATORS: Record<string, BaseOperator> = {
  stringequals: op("string", false, stringEquals(false)),
  stringnotequals: op("string", true, stringEquals(false)),
  stringequalsignorecase: op("string", false, stringEquals(true)),
  stringnotequalsignorecase: op("string", true, stringEquals(true)),
  stringlike: op("string", false, stringLike),
  stringnotlike: op("string", true, stringLike),
  arnequals: op("arn", false, arnLike),
  arnlike: op("arn", false, arnLike),
  arnnotequals: op("arn", true, arnLike),
  arnnotlike: op("arn", true, arnLike),
  numericequals: op("numeric", false, compare(parseNumber, eq)),
  numericnotequals: op("numeric", true, compare(parseNumber, eq)),
  numericlessthan: op("numeric", false, compare(parseNumber, (p, r) => r < p)),
  numericlessthanequals: op("numeric", false, compare(parseNumber, (p, r) => r <= p)),
  numericgreaterthan: op("numeric", false, compare(parseNumber, (p, r) => r > p)),
  numericgreaterthanequals: op("numeric", false, compare(parseNumber, (p, r) => r >= p)),
  dateequals: op("date", false, compare(parseDate, eq)),
  datenotequals: op("date", true, compare(parseDate, eq)),
  datelessthan: op("date", false, compare(parseDate, (p, r) => r < p)),
  datelessthanequals: op("date", false, compare(parseDate, (p, r) => r <= p)),
  dategreaterthan: op("date", false, compare(parseDate, (p, r) => r > p)),
  dategreaterthanequals: op("date", false, compare(parseDate, (p, r) => r >= p)),
  bool: op("bool", false, bool),
  ipaddress: op("ip", false, ipAddress),
  notipaddress: op("ip", true, ipAddress),
  binaryequals: op("binary", false, binaryEquals),
};

export interface ParsedOperator {
  set: "ForAnyValue" | "ForAllValues" | undefined;
  base: string; // lower-cased, without IfExists; "null" for Null
  ifExists: boolean;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; undefined for an unknown operator. */
export function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: ParsedOperator["set"];
  const colon = rest.indexOf(":");
  if (colon !== -1) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === "foranyvalue") set = "ForAnyValue";
    else if (prefix === "forallvalues") set = "ForAllValues";
    else return undefined;
    rest = rest.slice(colon + 1);
  }
  let base = rest.toLowerCase();
  if (base === "null") return set ? undefined : { set, base, ifExists: false };
  let ifExists = false;
  if (base.endsWith("ifexists")) {
    ifExists = true;
    base = base.slice(0, -"ifexists".length);
  }
  return OPERATORS[base] ? { set, base, ifExists } : undefined;
}

export type ConditionValue = string | number | boolean;

export type CompiledCondition = (ctx: NormalizedContext) => boolean;

const asList = (v: unknown): ConditionValue[] => (Array.isArray(v) ? v : [v]) as ConditionValue[];

/**
 * Compiles a statement's Condition block into one predicate. Unknown operators never match
 * (the parser rejects them before a policy is stored).
 */
export function compileCondition(block: PolicyStatement["Condition"], variables: boolean): CompiledCondition | undefined {
  if (!block) return undefined;
  const parts: CompiledCondition[] = [];
  for (const [operatorName, keys] of Object.entries(block)) {
    const parsed = parseOperator(operatorName);
    for (const [key, raw] of Object.entries(keys ?? {})) {
      const values = asList(raw).map(String);
      parts.push(parsed ? compileOne(parsed, key.toLowerCase(), values, variables) : () => false);
    }
  }
  if (parts.length === 1) return parts[0];
  return (ctx) => {
    for (const p of parts) if (!p(ctx)) return false;
    return true;
  };
}

function compileOne(parsed: ParsedOperator, key: string, values: string[], variables: boolean): CompiledCondition {
  if (parsed.base === "null") {
    // "true": the key must be absent; "false": present. Several values are ORed.
    const wants = values.map((v) => v.toLowerCase());
    return (ctx) => wants.includes(ctx.has(key) ? "false" : "true");
  }
  const base = OPERATORS[parsed.base];
  const matchers = values.map((v) => base.make(v, variables));
  /** The operator applied to one request value. */
  const one = (requestValue: string, ctx: NormalizedContext): boolean => {
    if (base.negated) {
      for (const m of matchers) if (m(requestValue, ctx) !== false) return false;
      return true;
    }
    for (const m of matchers) if (m(requestValue, ctx) === true) return true;
    return false;
  };
  const { set, ifExists } = parsed;
  if (set === "ForAnyValue") {
    return (ctx) => {
      const v = ctx.get(key);
      if (v === undefined) return ifExists;
      const list = typeof v === "string" ? [v] : v;
      for (const item of list) if (one(item, ctx)) return true;
      return false;
    };
  }
  if (set === "ForAllValues") {
    return (ctx) => {
      const v = ctx.get(key);
      if (v === undefined) return true;
      const list = typeof v === "string" ? [v] : v;
      for (const item of list) if (!one(item, ctx)) return false;
      return true;
    };
  }
  const missing = ifExists || base.negated;
  return (ctx) => {
    const v = ctx.get(key);
    if (v === undefined) return missing;
    if (typeof v !== "string") return false; // multi-valued keys need a set operator
    return one(v, ctx);
  };
}
