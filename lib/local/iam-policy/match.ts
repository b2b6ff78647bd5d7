/**
 * Matching of Action and Resource patterns.
 *
 * Actions: `service:action`, case-insensitive, `*` and `?` anywhere.
 * Resources: `*`, or an ARN whose partition, service, region and account segments are matched
 * segment by segment (wildcards stay inside a segment) and whose resource part (everything after the
 * fifth colon) is matched case-sensitively, where wildcards may span `/` and `:`.
 */
import { type NormalizedContext, type ParsedString, type Token, parsePolicyString, resolveTokens } from "./variables.js";

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\]/g;

/** Regex source for tokens (`*` → any run, `?` → one character). */
export function tokensToRegexSource(tokens: Token[]): string {
  let s = "";
  for (const t of tokens) {
    if (t.t === "lit") s += t.v.replace(REGEX_SPECIALS, "\\$&");
    else if (t.t === "star") s += "[\\s\\S]*";
    else if (t.t === "one") s += "[\\s\\S]";
  }
  return s;
}

const regexCache = new Map<string, RegExp>();

/** A whole-string wildcard matcher for a static pattern, cached. */
export function wildcardRegex(pattern: string, ignoreCase: boolean): RegExp {
  const key = (ignoreCase ? "i:" : "s:") + pattern;
  let re = regexCache.get(key);
  if (!re) {
    if (regexCache.size > 5000) regexCache.clear();
    const parsed = parsePolicyString(pattern, true, false);
    re = new RegExp("^" + tokensToRegexSource(parsed.tokens) + "$", ignoreCase ? "i" : "");
    regexCache.set(key, re);
  }
  return re;
}

/** Whether an Action pattern (`s3:Get*`, `*`) covers an action (`s3:GetObject`). */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === "*") return true;
  return wildcardRegex(pattern, true).test(action);
}

/** A compiled Resource pattern: undefined when a policy variable in it has no value. */
export interface ResourcePattern {
  (resource: string, ctx: NormalizedContext): boolean | undefined;
}

interface SplitArn {
  head: string[]; // partition, service, region, account
  rest: string; // resource part, may contain ':'
}

function splitArn(arn: string): SplitArn | undefined {
  if (!arn.startsWith("arn:")) return undefined;
  const parts = arn.split(":");
  if (parts.length < 6) return undefined;
  return { head: parts.slice(1, 5), rest: parts.slice(5).join(":") };
}

/**
 * Compiles a Resource/NotResource pattern. Variables are substituted per request (Version
 * 2012-10-17 only); a pattern with an unresolvable variable answers undefined.
 */
export function compileResourcePattern(pattern: string, variables: boolean): ResourcePattern {
  if (pattern === "*") return () => true;
  let segments = pattern.split(":");
  if (segments[0] !== "arn") {
    // Not an ARN: only an exact (wildcard) match of the whole string can apply.
    const parsed = parsePolicyString(pattern, true, variables);
    return compileSegment(parsed, false);
  }
  // A short ARN (fewer than six segments) is padded with `*` segments.
  while (segments.length < 6) segments = [...segments, "*"];
  const head = segments.slice(1, 5).map((s) => compileSegment(parsePolicyString(s, true, variables), true));
  const rest = compileSegment(parsePolicyString(segments.slice(5).join(":"), true, variables), false);
  return (resource, ctx) => {
    const arn = splitArn(resource);
    if (!arn) return false;
    for (let i = 0; i < 4; i++) {
      const m = head[i](arn.head[i], ctx);
      if (m !== true) return m;
    }
    return rest(arn.rest, ctx);
  };
}

function compileSegment(parsed: ParsedString, ignoreCase: boolean): (value: string, ctx: NormalizedContext) => boolean | undefined {
  const flags = ignoreCase ? "i" : "";
  if (!parsed.hasVariables) {
    if (!parsed.hasWildcards) {
      const text = parsed.tokens.map((t) => (t.t === "lit" ? t.v : "")).join("");
      if (!ignoreCase) return (v) => v === text;
      const lower = text.toLowerCase();
      return (v) => v.toLowerCase() === lower;
    }
    const re = new RegExp("^" + tokensToRegexSource(parsed.tokens) + "$", flags);
    return (v) => re.test(v);
  }
  return (v, ctx) => {
    const tokens = resolveTokens(parsed, ctx);
    if (!tokens) return undefined;
    return new RegExp("^" + tokensToRegexSource(tokens) + "$", flags).test(v);
  };
}
