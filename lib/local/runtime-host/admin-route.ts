/**
 * `GET /_local/admin/vault-digests`: SHA-256 digests and byte lengths of every vaulted secret, for
 * the notebook runner's secret-leak guard. No plaintext leaves the vault for this; and since even
 * a digest helps guess a weak secret, only the admin identity may ask, with a SigV4-signed request
 * (any signing service name; the admin key Local AgentCore issued).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LocalRouteHandler } from "../http/router.js";
import type { LocalServices } from "../service.js";
import { MAX_SKEW_MS, parseAmzDate, parseAuthorization, signatureMatches } from "../auth/sigv4.js";

export const VAULT_DIGESTS_PATH = "/_local/admin/vault-digests";

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store" });
  res.end(text);
}

/** Why the request is not the admin's, or undefined when it is. */
async function notAdmin(local: LocalServices, req: IncomingMessage): Promise<string | undefined> {
  const auth = parseAuthorization(String(req.headers.authorization ?? ""));
  if (!auth) return "sign the request with SigV4 (Local AgentCore's admin key)";
  const amzDate = req.headers["x-amz-date"];
  const date = parseAmzDate(typeof amzDate === "string" ? amzDate : undefined);
  if (!date || Math.abs(local.now().getTime() - date.getTime()) > MAX_SKEW_MS) return "the request's X-Amz-Date is missing or too far from now";
  const token = req.headers["x-amz-security-token"];
  const resolved = local.credentials.resolve(auth.accessKeyId, typeof token === "string" ? token : undefined);
  if ("error" in resolved) return "the access key is not one Local AgentCore issued";
  if (resolved.principal.kind !== "admin") return "only Local AgentCore's admin identity may read vault digests";
  const url = req.url ?? "/";
  const qi = url.indexOf("?");
  const ok = await signatureMatches(
    { method: req.method ?? "GET", rawPath: qi < 0 ? url : url.slice(0, qi), rawQuery: qi < 0 ? "" : url.slice(qi + 1), headers: req.headersDistinct, body: Buffer.alloc(0) },
    auth,
    resolved.secretAccessKey,
    date,
  );
  return ok ? undefined : "the signature does not match";
}

export function vaultDigestsRoute(local: LocalServices, digests: () => { sha256: string; length: number }[]): LocalRouteHandler {
  return async (req, res) => {
    const why = await notAdmin(local, req);
    if (why) return answer(res, 403, { message: `Vault digests are for the admin identity: ${why}.` });
    answer(res, 200, { digests: digests() });
  };
}
