/**
 * Policy strings: literal text, `*`/`?` wildcards and policy variables (`${aws:username}`,
 * `${aws:PrincipalTag/team, 'none'}`, and the escapes `${*}`, `${?}`, `${$}`).
 *
 * A string is parsed once into tokens; matching a request then only substitutes the variables.
 * A variable with no value in the request (and no default) makes the string match nothing, as
 * AWS documents for Resource and Condition elements.
 */
import type { ContextValues } from "../service.js";

export type Token =
  | { t: "lit"; v: string }
  | { t: "star" }
  | { t: "one" }
  | { t: "var"; key: string; fallback: string | undefined };

export interface ParsedString {
  tokens: Token[];
  hasVariables: boolean;
  hasWildcards: boolean;
}

const VARIABLE_BODY = /^\s*([^,\s][^,]*?)\s*(?:,\s*'([^']*)'\s*)?$/;

/** Splits a policy string into tokens. `wildcards` false: `*` and `?` are literal. */
export function parsePolicyString(text: string, wildcards: boolean, variables: boolean): ParsedString {
  const tokens: Token[] = [];
  let lit = "";
  let hasVariables = false;
  let hasWildcards = false;
  const flush = () => {
    if (lit) tokens.push({ t: "lit", v: lit });
    lit = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (wildcards && (c === "*" || c === "?")) {
      flush();
      tokens.push(c === "*" ? { t: "star" } : { t: "one" });
      hasWildcards = true;
      continue;
    }
    if (variables && c === "$" && text[i + 1] === "{") {
      const end = text.indexOf("}", i + 2);
      if (end !== -1) {
        const body = text.slice(i + 2, end);
        if (body === "*" || body === "?" || body === "$") {
          lit += body; // the escapes stand for the literal character
          i = end;
          continue;
        }
        const m = VARIABLE_BODY.exec(body);
        if (m) {
          flush();
          tokens.push({ t: "var", key: m[1].toLowerCase(), fallback: m[2] });
          hasVariables = true;
          i = end;
          continue;
        }
      }
    }
    lit += c;
  }
  flush();
  return { tokens, hasVariables, hasWildcards };
}

/** Context with lower-cased keys (condition keys and variables are case-insensitive). */
export type NormalizedContext = Map<string, string | string[]>;

export function normalizeContext(context: ContextValues | undefined): NormalizedContext {
  const out: NormalizedContext = new Map();
  if (context) for (const [k, v] of Object.entries(context)) out.set(k.toLowerCase(), v);
  return out;
}

/** The value of one variable, or undefined when the request has none (a multi-valued key has none: its default applies). */
export function variableValue(token: { key: string; fallback: string | undefined }, ctx: NormalizedContext): string | undefined {
  const v = ctx.get(token.key);
  if (typeof v === "string" && v !== "") return v;
  return token.fallback || undefined;
}

/** Substitutes variables, keeping wildcards as tokens; undefined when a variable cannot be resolved. */
export function resolveTokens(parsed: ParsedString, ctx: NormalizedContext): Token[] | undefined {
  if (!parsed.hasVariables) return parsed.tokens;
  const out: Token[] = [];
  for (const tok of parsed.tokens) {
    if (tok.t !== "var") {
      out.push(tok);
      continue;
    }
    const v = variableValue(tok, ctx);
    if (v === undefined) return undefined;
    out.push({ t: "lit", v });
  }
  return out;
}

/** Plain text of resolved tokens without wildcards (for Equals operators). */
export function tokensToText(tokens: Token[]): string {
  let s = "";
  for (const t of tokens) s += t.t === "lit" ? t.v : t.t === "star" ? "*" : t.t === "one" ? "?" : "";
  return s;
}
