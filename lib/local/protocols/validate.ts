/**
 * Model-driven input validation for every protocol: required members, types, lengths and sizes,
 * numeric ranges, patterns, enums and unions, answered with the error each AWS service uses
 * (`ValidationException`, IAM/STS `ValidationError`, ECR `InvalidParameterException`, S3
 * `InvalidArgument`) and AWS's message style, naming the field path.
 *
 * Each shape is compiled once per model into a checking closure (patterns compiled once), so a
 * request costs one walk over its own values. Unknown members are ignored, as AWS does for JSON;
 * the query and XML parsers only ever produce modeled members.
 */
import { AwsError } from "../errors.js";
import type { Shape } from "../service.js";
import type { ServiceModel, ShapeDef, ShapeRef } from "./model.js";
import { lowerFirst, toDate } from "./shapes.js";

interface Violation {
  path: string;
  /** The offending value as AWS quotes it, or undefined when it must not (or cannot) be shown. */
  shown: string | undefined;
  constraint: string;
  shapeName: string;
  kind: "required" | "type" | "length" | "range" | "pattern" | "enum" | "union";
}

type Check = (value: unknown, path: string, sensitive: boolean, out: Violation[]) => void;

interface Compiled {
  checks: Map<string, Check>;
  /** Member names as they appear in paths: IAM and STS spell them lower-camel-case. */
  pathName: (member: string) => string;
}

const compiledModels = new WeakMap<ServiceModel, Compiled>();

/** Throws the service's validation error when `input` violates the operation's input shape. */
export function validateInput(model: ServiceModel, operation: string, input: Shape): void {
  const compiled = compiledFor(model);
  const ref = model.operations[operation]?.input;
  if (!ref) return;
  const violations: Violation[] = [];
  checkFor(model, compiled, ref.shape)(input ?? {}, "", false, violations);
  if (violations.length) throw validationError(model, violations);
  if (model.name === "s3" && operation === "CreateBucket" && typeof input.Bucket === "string") checkBucketName(input.Bucket);
}

/** Compiles every shape an operation's input reaches, so the first request pays nothing extra. */
export function precompile(model: ServiceModel, operation: string): void {
  const ref = model.operations[operation]?.input;
  if (ref) checkFor(model, compiledFor(model), ref.shape);
}

function compiledFor(model: ServiceModel): Compiled {
  let c = compiledModels.get(model);
  if (!c) {
    const queryStyle = model.metadata.protocol === "query";
    c = { checks: new Map(), pathName: queryStyle ? lowerFirst : (m) => m };
    compiledModels.set(model, c);
  }
  return c;
}

/** The check for a shape; recursive shapes resolve lazily through the cache. */
function checkFor(model: ServiceModel, compiled: Compiled, shapeName: string): Check {
  const cached = compiled.checks.get(shapeName);
  if (cached) return cached;
  let real: Check | undefined;
  compiled.checks.set(shapeName, (v, p, s, o) => real!(v, p, s, o));
  real = compileShape(model, compiled, shapeName);
  compiled.checks.set(shapeName, real);
  return real;
}

function compileShape(model: ServiceModel, compiled: Compiled, shapeName: string): Check {
  const shape = model.shapes[shapeName];
  if (!shape) return () => {};
  const typeCheck = compileType(model, compiled, shapeName, shape);
  const constraints = compileConstraints(shapeName, shape);
  const selfSensitive = shape.sensitive === true;
  return (value, path, sensitive, out) => {
    const hide = sensitive || selfSensitive;
    const before = out.length;
    typeCheck(value, path, hide, out);
    if (out.length === before) constraints(value, path, hide, out);
  };
}

const show = (value: unknown, hidden: boolean): string | undefined => {
  if (hidden) return undefined;
  if (typeof value === "string") return `'${value.length > 1024 ? `${value.slice(0, 1024)}...` : value}'`;
  if (typeof value === "number" || typeof value === "boolean") return `'${value}'`;
  return undefined;
};

const typeViolation = (path: string, value: unknown, hide: boolean, shapeName: string, what: string): Violation => ({
  path,
  shown: show(value, hide),
  constraint: `Member must be ${what}`,
  shapeName,
  kind: "type",
});

function compileType(model: ServiceModel, compiled: Compiled, shapeName: string, shape: ShapeDef): Check {
  switch (shape.type) {
    case "structure":
      return compileStructure(model, compiled, shapeName, shape);
    case "list": {
      const item = shape.member!;
      return (value, path, hide, out) => {
        if (!Array.isArray(value)) return void out.push(typeViolation(path, value, hide, shapeName, "a list"));
        const check = checkFor(model, compiled, item.shape);
        value.forEach((v, i) => {
          const p = `${path}.${i + 1}.member`;
          if (v === null || v === undefined) out.push(requiredViolation(p, item.shape));
          else check(v, p, hide, out);
        });
      };
    }
    case "map": {
      const keyRef = shape.key!;
      const valueRef = shape.value!;
      return (value, path, hide, out) => {
        if (!isPlainObject(value)) return void out.push(typeViolation(path, value, hide, shapeName, "a map"));
        const checkKey = checkFor(model, compiled, keyRef.shape);
        const checkValue = checkFor(model, compiled, valueRef.shape);
        for (const [k, v] of Object.entries(value)) {
          checkKey(k, `${path}.key`, hide, out);
          if (v === null || v === undefined) out.push(requiredViolation(`${path}.${k}.value`, valueRef.shape));
          else checkValue(v, `${path}.${k}.value`, hide, out);
        }
      };
    }
    case "string":
      return (value, path, hide, out) => {
        if (typeof value !== "string" && !shape.document) out.push(typeViolation(path, value, hide, shapeName, "a string"));
      };
    case "integer":
    case "long":
      return (value, path, hide, out) => {
        if (typeof value !== "number" || !Number.isInteger(value)) out.push(typeViolation(path, value, hide, shapeName, "an integer"));
      };
    case "double":
    case "float":
      return (value, path, hide, out) => {
        if (typeof value !== "number") out.push(typeViolation(path, value, hide, shapeName, "a number"));
      };
    case "boolean":
      return (value, path, hide, out) => {
        if (typeof value !== "boolean") out.push(typeViolation(path, value, hide, shapeName, "a boolean"));
      };
    case "timestamp":
      return (value, path, hide, out) => {
        if (!toDate(value)) out.push(typeViolation(path, value, hide, shapeName, "a timestamp"));
      };
    case "blob":
      return (value, path, hide, out) => {
        const ok =
          typeof value === "string" ||
          value instanceof Uint8Array ||
          (typeof value === "object" && value !== null && typeof (value as { pipe?: unknown }).pipe === "function");
        if (!ok) out.push(typeViolation(path, value, hide, shapeName, "binary data"));
      };
    default:
      return () => {};
  }
}

function compileStructure(model: ServiceModel, compiled: Compiled, shapeName: string, shape: ShapeDef): Check {
  if (shape.document) return () => {};
  const members = Object.entries(shape.members ?? {}).map(([name, ref]: [string, ShapeRef]) => ({
    name,
    shape: ref.shape,
    pathName: compiled.pathName(ref.locationName && model.metadata.protocol === "rest-xml" ? ref.locationName : name),
    required: shape.required?.includes(name) ?? false,
  }));
  return (value, path, hide, out) => {
    if (!isPlainObject(value)) return void out.push(typeViolation(path, value, hide, shapeName, "a structure"));
    let set = 0;
    for (const m of members) {
      const v = value[m.name];
      const p = path ? `${path}.${m.pathName}` : m.pathName;
      if (v === undefined || v === null) {
        if (m.required) out.push(requiredViolation(p, m.shape));
        continue;
      }
      set++;
      checkFor(model, compiled, m.shape)(v, p, hide, out);
    }
    if (shape.union && set !== 1) {
      out.push({
        path: path || shapeName,
        shown: undefined,
        constraint: set === 0 ? "Member must have exactly one member set, but none was set" : "Member must have exactly one member set",
        shapeName,
        kind: "union",
      });
    }
  };
}

function requiredViolation(path: string, shapeName: string): Violation {
  return { path, shown: "null", constraint: "Member must not be null", shapeName, kind: "required" };
}

function compileConstraints(shapeName: string, shape: ShapeDef): Check {
  const checks: Check[] = [];
  const { min, max } = shape;
  const sized = shape.type === "string" || shape.type === "list" || shape.type === "map" || shape.type === "blob";
  if (sized && (min !== undefined || max !== undefined)) {
    checks.push((value, path, hide, out) => {
      const n = sizeOf(value);
      if (n === undefined) return;
      if (min !== undefined && n < min)
        out.push({ path, shown: show(value, hide), constraint: `Member must have length greater than or equal to ${min}`, shapeName, kind: "length" });
      if (max !== undefined && n > max)
        out.push({ path, shown: show(value, hide), constraint: `Member must have length less than or equal to ${max}`, shapeName, kind: "length" });
    });
  }
  const numeric = ["integer", "long", "double", "float"].includes(shape.type);
  if (numeric && (min !== undefined || max !== undefined)) {
    checks.push((value, path, hide, out) => {
      if (typeof value !== "number") return;
      if (min !== undefined && value < min)
        out.push({ path, shown: show(value, hide), constraint: `Member must have value greater than or equal to ${min}`, shapeName, kind: "range" });
      if (max !== undefined && value > max)
        out.push({ path, shown: show(value, hide), constraint: `Member must have value less than or equal to ${max}`, shapeName, kind: "range" });
    });
  }
  if (shape.type === "string" && shape.pattern !== undefined) {
    const re = compilePattern(shape.pattern);
    const pattern = shape.pattern;
    if (re)
      checks.push((value, path, hide, out) => {
        if (typeof value === "string" && !re.test(value))
          out.push({ path, shown: show(value, hide), constraint: `Member must satisfy regular expression pattern: ${pattern}`, shapeName, kind: "pattern" });
      });
  }
  if (shape.type === "string" && shape.enum) {
    const allowed = new Set(shape.enum);
    const list = `[${shape.enum.join(", ")}]`;
    checks.push((value, path, hide, out) => {
      if (typeof value === "string" && !allowed.has(value))
        out.push({ path, shown: show(value, hide), constraint: `Member must satisfy enum value set: ${list}`, shapeName, kind: "enum" });
    });
  }
  return (value, path, hide, out) => {
    for (const c of checks) c(value, path, hide, out);
  };
}

/** String length in code points (as Java counts them for these constraints), or element counts. */
function sizeOf(value: unknown): number | undefined {
  if (typeof value === "string") {
    let n = 0;
    for (const _ of value) n++;
    return n;
  }
  if (Array.isArray(value)) return value.length;
  if (value instanceof Uint8Array) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  return undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);

const patternCache = new Map<string, RegExp | null>();

/**
 * Compiles a model pattern (Java regex syntax) to a JS RegExp that must match the whole value, as
 * AWS's validators do. Java-only syntax is translated: `\p{…}` classes and code points beyond the
 * BMP (`\u10000`) need the `u` flag, under which needless escapes like `\:` are errors and are
 * dropped; `\A`/`\z` become anchors. A pattern that still does not compile is treated as absent.
 */
export function compilePattern(pattern: string): RegExp | undefined {
  const hit = patternCache.get(pattern);
  if (hit !== undefined) return hit ?? undefined;
  let source = pattern.replace(/\\A/g, "^").replace(/\\[zZ]/g, "$").replace(/\(\?>/g, "(?:");
  const astral = /\\u([0-9a-fA-F]{5,6})/g;
  const needsUnicode = /\\[pP]\{/.test(source) || astral.test(source);
  let re: RegExp | null = null;
  if (needsUnicode) {
    source = source.replace(astral, "\\u{$1}").replace(/\\([^\\^$.*+?()[\]{}|/\-a-zA-Z0-9])/g, "$1");
    re = tryRegExp(`^(?:${source})$`, "u");
  }
  re ??= tryRegExp(`^(?:${source})$`, "") ?? tryRegExp(`^(?:${source})$`, "u");
  patternCache.set(pattern, re);
  return re ?? undefined;
}

function tryRegExp(source: string, flags: string): RegExp | null {
  try {
    return new RegExp(source, flags);
  } catch {
    return null;
  }
}

// ---- errors per protocol family ----

function describe(v: Violation): string {
  return `Value${v.shown === undefined ? "" : ` ${v.shown}`} at '${v.path}' failed to satisfy constraint: ${v.constraint}`;
}

function awsMessage(violations: Violation[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.map(describe).join("; ")}`;
}

const IAM_PATH_SHAPES = new Set(["pathType", "pathPrefixType", "policyPathType"]);

function validationError(model: ServiceModel, violations: Violation[]): AwsError {
  switch (model.name) {
    case "iam": {
      // IAM answers a malformed path with InvalidInput rather than a constraint message.
      const badPath = violations.find((v) => IAM_PATH_SHAPES.has(v.shapeName) && v.kind === "pattern");
      if (badPath)
        return new AwsError(
          "InvalidInput",
          `The specified value for ${badPath.path} is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
          400,
        );
      return new AwsError("ValidationError", awsMessage(violations), 400);
    }
    case "sts":
      return new AwsError("ValidationError", awsMessage(violations), 400);
    case "ecr":
      return new AwsError("InvalidParameterException", awsMessage(violations), 400);
    case "s3": {
      const v = violations[0]!;
      const fields: Record<string, unknown> = { ArgumentName: v.path };
      if (v.shown !== undefined && v.shown !== "null") fields.ArgumentValue = v.shown.slice(1, -1);
      return new AwsError("InvalidArgument", awsMessage(violations), 400, fields);
    }
    default:
      return new AwsError("ValidationException", awsMessage(violations), 400, {
        reason: "FieldValidationFailed",
        fieldList: violations.map((v) => ({ name: v.path, message: v.constraint })),
      });
  }
}

/** S3's bucket naming rules (CreateBucket answers InvalidBucketName when they are broken). */
export function checkBucketName(name: string): void {
  const ok =
    name.length >= 3 &&
    name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith("xn--") &&
    !name.endsWith("-s3alias");
  if (!ok) throw new AwsError("InvalidBucketName", "The specified bucket is not valid.", 400, { BucketName: name });
}
