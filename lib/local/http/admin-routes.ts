/**
 * Local AgentCore's admin-only routes.
 *
 * `GET /_local/admin/vault-digests`: SHA-256 digests and byte lengths of every vaulted secret, for
 * the notebook runner's secret-leak guard. No plaintext leaves the vault for this; and since even
 * a digest helps guess a weak secret, only the admin identity may ask, with a SigV4-signed request
 * (any signing service name; the admin key Local AgentCore issued), verified as every AWS request is.
 */
import type { ServerResponse } from "node:http";
import type { AuthFailure } from "../auth/sigv4.js";
import { requestHead, type RequestVerifier } from "../auth/verify-request.js";
import type { LocalRouteHandler } from "./router.js";


export interface SecretDigest {
  /** Hex SHA-256 of the secret's UTF-8 bytes. */
  sha256: string;
  /** The secret's length in UTF-8 bytes. */
  length: number;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store" });
  res.end(text);
}

/** Why a request failed verification, in the words of the admin routes' 403 answer. */
export const WHY: Record<AuthFailure, string> = {
  missing: "sign the request with SigV4 (Local AgentCore's admin key)",
  incomplete: "sign the request with SigV4 (Local AgentCore's admin key)",
  "wrong-service": "sign the request with SigV4 (Local AgentCore's admin key)",
  "bad-date": "the request's X-Amz-Date is missing or too far from now",
  skew: "the request's X-Amz-Date is missing or too far from now",
  "unknown-key": "the access key is not one Local AgentCore issued",
  "bad-token": "the access key is not one Local AgentCore issued",
  "expired-token": "the access key is not one Local AgentCore issued",
  "bad-signature": "the signature does not match",
  "payload-hash": "the signature does not match",
  "incomplete-body": "the body is not the one that was signed",
};

/** Only the admin identity, with a request that passes SigV4 verification. */
export function vaultDigestsRoute(deps: { verify: RequestVerifier; digests: () => SecretDigest[] }): LocalRouteHandler {
  return async (req, res) => {
    const refuse = (why: string) => answer(res, 403, { message: `Vault digests are for the admin identity: ${why}.` });
    const head = deps.verify.checkHead(requestHead(req));
    if (!head.ok) return refuse(WHY[head.kind]);
    // A GET has no body; reading none keeps a client from making the server buffer one.
    const verified = await head.checkBody(Buffer.alloc(0));
    if (!verified.ok) return refuse(WHY[verified.kind]);
    if (head.principal.kind !== "admin") return refuse("only Local AgentCore's admin identity may read vault digests");
    answer(res, 200, { digests: deps.digests() });
  };
}
