/**
 * `clientToken` idempotency: the same token with the same input answers what the first call
 * answered (without doing it again); the same token with a different input is AWS's
 * IdempotentParameterMismatch. Tokens are remembered for 8 hours, as AWS documents for its
 * client tokens. Call inside the request's store transaction so the answer and the change it
 * records commit together.
 */
import { createHash } from "node:crypto";
import { AwsError } from "../../errors.js";
import type { LocalServices, Shape } from "../../service.js";
import { KIND, type ClientTokenRecord } from "./records.js";

const TOKEN_LIFETIME_MS = 8 * 60 * 60 * 1000;
const TIMESTAMP_MEMBERS = new Set(["createdAt", "lastUpdatedAt"]);

export function idempotent(
  local: LocalServices,
  operation: string,
  scope: string,
  input: Shape,
  run: () => Shape,
): Shape {
  const token = input.clientToken as string | undefined;
  if (token === undefined) return run();
  const { store } = local;
  const now = local.now();
  const key = `${operation}|${scope}|${token}`;
  const inputHash = hashInput(input);
  const previous = store.get<ClientTokenRecord>(KIND.clientToken, key);
  if (previous && now.getTime() - Date.parse(previous.createdAt) < TOKEN_LIFETIME_MS) {
    if (previous.inputHash !== inputHash) {
      throw new AwsError(
        "ValidationException",
        `The client token ${token} was already used with different parameters for ${operation}. ` +
          "Use a new client token for a different request (or omit it and the SDK generates one).",
        400,
        { reason: "IdempotentParameterMismatchException" },
      );
    }
    return revive(previous.response);
  }
  const output = run();
  forgetExpired(local, now);
  store.put<ClientTokenRecord>(KIND.clientToken, key, {
    key,
    inputHash,
    response: JSON.parse(JSON.stringify(output)) as Record<string, unknown>,
    createdAt: now.toISOString(),
  });
  return output;
}

function hashInput(input: Shape): string {
  const { clientToken: _token, ...rest } = input;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

/** JSON with object keys sorted, so equal inputs hash equally whatever their member order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function revive(response: Record<string, unknown>): Shape {
  const out: Shape = {};
  for (const [k, v] of Object.entries(response)) {
    out[k] = TIMESTAMP_MEMBERS.has(k) && typeof v === "string" ? new Date(v) : v;
  }
  return out;
}

function forgetExpired(local: LocalServices, now: Date): void {
  for (const record of local.store.list<ClientTokenRecord>(KIND.clientToken)) {
    if (now.getTime() - Date.parse(record.createdAt) >= TOKEN_LIFETIME_MS) local.store.delete(KIND.clientToken, record.key);
  }
}
