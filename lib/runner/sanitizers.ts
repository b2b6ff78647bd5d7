/**
 * Sanitizers for output regression: regex -> replacement rules applied to output text before it is
 * compared, so values that change from run to run (times, ids, random name suffixes, durations,
 * temporary paths) do not count as differences. The built-ins run first, then the user's file in
 * nbval's format (`--nbval-sanitize-with`), whose Python regex syntax is translated to JavaScript's.
 */
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Sanitizer {
  name: string;
  regex: RegExp;
  /** A replacement string ($1, $<name>), or a function deciding per match. */
  replace: string | ((match: string, ...groups: string[]) => string);
}

export class SanitizerFileError extends Error {
  override name = "SanitizerFileError";
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Built-ins; order matters (a timestamp must go before its digits look like a duration). */
export const BUILT_IN_SANITIZERS: Sanitizer[] = [
  {
    name: "ISO timestamps",
    regex: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b/g,
    replace: "<TIMESTAMP>",
  },
  {
    name: "Date.toString and toUTCString timestamps",
    regex: /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? (?:\d{1,2} )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?:\d{1,2} )?\d{4} \d{2}:\d{2}:\d{2}(?: GMT[+-]?\d{0,4}(?: \([^)]*\))?)?/g,
    replace: "<TIMESTAMP>",
  },
  { name: "epoch milliseconds", regex: /\b1[6-9]\d{11}\b/g, replace: "<EPOCH_MS>" },
  { name: "UUIDs", regex: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, replace: "<UUID>" },
  { name: "AWS access key ids", regex: /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,20}\b/g, replace: "<ACCESS_KEY_ID>" },
  {
    // AWS appends six random characters to a Secrets Manager secret's name in its ARN.
    name: "Secrets Manager ARNs' random suffixes",
    regex: /(arn:aws[\w-]*:secretsmanager:[\w-]*:\d{12}:secret:[^\s'"`]+)-[A-Za-z0-9]{6}(?=$|[\s'"`,;)\]}])/gm,
    replace: "$1-<ID>",
  },
  {
    // A generated id: a name and ten random letters and digits (AgentCore runtimes: name-Ab3xYz9QwE).
    // Ten characters of one kind (a word, a number) are kept.
    name: "random name suffixes",
    regex: /\b([A-Za-z]\w*)-([A-Za-z0-9]{10})(?![A-Za-z0-9])/g,
    replace: (match: string, name: string, suffix: string) =>
      [/[a-z]/, /[A-Z]/, /\d/].filter((kind) => kind.test(suffix)).length >= 2 && !/^[0-9a-f]+$/.test(suffix) ? `${name}-<ID>` : match,
  },
  { name: "AWS account ids", regex: /(?<![\w.-])\d{12}(?![\w.])/g, replace: "<ACCOUNT>" },
  { name: "AWS account ids in names", regex: /(?<=-)\d{12}(?=-)/g, replace: "<ACCOUNT>" },
  { name: "Node.js process ids in warnings", regex: /\((node|npm):\d+\)/g, replace: "($1:<PID>)" },
  { name: "process ids", regex: /\b(pid)([ =:]\s?)\d+\b/gi, replace: "$1$2<PID>" },
  { name: "local ports (a server on a free port)", regex: /\b(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\]):\d{2,5}\b/g, replace: "$1:<PORT>" },
  {
    // The runner and the tutorial show a secret as its first and last characters: sk-…JNAP.
    name: "masked secrets",
    regex: /(?<![\w…])([\w-]{0,4})…[\w+/=-]{2,4}(?![\w+/=-])/g,
    replace: "$1…<MASKED>",
  },
  { name: "hex ids", regex: /\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{16,}\b/g, replace: "<HEX_ID>" },
  {
    name: "durations",
    regex: /\b\d+(?:\.\d+)?\s?(?:ms|milliseconds?|s|secs?|seconds?|min|minutes?)\b/g,
    replace: "<DURATION>",
  },
  {
    name: "temporary paths",
    regex: new RegExp(`(?:${[...new Set([os.tmpdir(), "/tmp", "/var/folders"])].map(escapeRegex).join("|")})(?:/[^\\s'"\`)\\]]*)?`, "g"),
    replace: "<TMP>",
  },
];

/** Paths that differ per machine, known at run time: the cells' folder and the home folder. */
export function contextSanitizers(context: { cwd?: string; home?: string }): Sanitizer[] {
  const found: Sanitizer[] = [];
  const add = (name: string, value: string | undefined, replace: string) => {
    if (value && value.length > 1) found.push({ name, regex: new RegExp(escapeRegex(value), "g"), replace });
  };
  add("the cells' working directory", context.cwd, "<CWD>");
  add("the home directory", context.home ?? os.homedir(), "<HOME>");
  return found;
}

/** Python `re` syntax to JavaScript: named groups and their back-references. */
function pythonRegex(source: string): string {
  return source.replace(/\(\?P<(\w+)>/g, "(?<$1>").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
}

/** Python `re.sub` replacement syntax to JavaScript's `String.replace`. */
function pythonReplacement(replace: string): string {
  return replace
    .replace(/\$/g, "$$$$")
    .replace(/\\g<(\d+)>/g, "$$$1")
    .replace(/\\g<(\w+)>/g, "$$<$1>")
    .replace(/\\(\d{1,2})/g, "$$$1");
}

/**
 * nbval's sanitizer file (an INI file read by Python's configparser):
 *
 *     [a name]
 *     regex: \d{1,2}/\d{1,2}/\d{2,4}
 *     replace: DATE-STAMP
 */
export function parseSanitizerFile(text: string, origin: string): Sanitizer[] {
  const sections: { name: string; line: number; keys: Map<string, string> }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) return void sections.push({ name: header[1]!.trim(), line: i + 1, keys: new Map() });
    const kv = /^([^:=]+?)\s*[:=]\s?(.*)$/.exec(raw.trimStart());
    const current = sections.at(-1);
    if (!kv || !current) throw new SanitizerFileError(`${origin}:${i + 1}: expected "[section]" or "key: value", got "${line}"`);
    current.keys.set(kv[1]!.trim().toLowerCase(), kv[2]!.trimEnd());
  });
  return sections.map((s) => {
    const where = `${origin}:${s.line} [${s.name}]`;
    const regex = s.keys.get("regex");
    if (regex === undefined || regex === "") throw new SanitizerFileError(`${where}: no "regex:" line`);
    let compiled: RegExp;
    try {
      compiled = new RegExp(pythonRegex(regex), "g");
    } catch (e) {
      throw new SanitizerFileError(`${where}: the regex does not compile: ${(e as Error).message}`);
    }
    if (compiled.test("")) throw new SanitizerFileError(`${where}: the regex matches the empty string, which would rewrite every position`);
    return { name: s.name, regex: compiled, replace: pythonReplacement(s.keys.get("replace") ?? "") };
  });
}

export function readSanitizerFile(file: string, shownAs = file): Sanitizer[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new SanitizerFileError(`--sanitize-with ${shownAs}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSanitizerFile(text, shownAs);
}

export function sanitize(text: string, sanitizers: readonly Sanitizer[]): string {
  return sanitizers.reduce((t, s) => t.replace(s.regex, s.replace as (m: string, ...g: string[]) => string), text);
}
