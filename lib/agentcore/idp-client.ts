/**
 * An OAuth2 client at Local AgentCore's built-in identity provider (the offline stand-in for a
 * Cognito app client), recorded in the ledger so that cleanup deletes it. Offline only: on AWS the
 * learner brings the client of their own authorization server.
 */
import { randomBytes } from "node:crypto";
import { localIdp, type LocalIdp } from "../local/client/idp.js";
import { CALENDAR_PATH } from "../local/local-routes.js";
import { registerSecret } from "../notebook/redact.js";
import { session as defaultSession } from "../session.js";
import { isNotFound } from "./aws-errors.js";
import { Ledger, scopeOf, type LedgerEntry } from "./ledger.js";
import { ForeignResourceError } from "./ownership.js";
import type { LibOptions } from "./identity.js";

export interface IdpClientOptions extends LibOptions {
  /** The identity provider to talk to (default: this project's Local AgentCore). */
  idp?: LocalIdp;
}

export interface CreatedIdpClient {
  clientId: string;
  /** The scopes the provider may grant this client (space-separated). */
  scope: string;
  discoveryUrl: string;
  tokenEndpoint: string;
  /** The calendar stand-in API's base URL and its resource indicator (the tokens' audience). */
  calendarApiUrl: string;
  calendarResource: string;
  /** Not enumerable, so that printing the object never shows it. */
  readonly clientSecret: string;
}

export interface IdpClientInput {
  clientId: string;
  scope: string;
  /** Default client_credentials; user federation (3LO) needs authorization_code (and refresh_token). */
  grantTypes?: ("client_credentials" | "authorization_code" | "refresh_token")[];
  /** Where the provider may send the user back: for 3LO, the OAuth2 credential provider's callbackUrl. */
  redirectUris?: string[];
  /**
   * The secret to register (default: the identity provider makes one). For 3LO the credential
   * provider is created first, to learn its callbackUrl, so its secret is chosen up front.
   */
  clientSecret?: string;
}

/**
 * Creates a confidential client (client_credentials unless told otherwise). The secret is answered
 * once, so a re-run replaces this ledger's client of that id by a new one (with a new secret);
 * anyone else's client of that id is refused.
 */
export async function createIdpClient(input: IdpClientInput, opts: IdpClientOptions = {}): Promise<CreatedIdpClient> {
  const s = opts.session ?? (await defaultSession());
  if (s.target !== "local") {
    throw new Error("createIdpClient makes a client at Local AgentCore's identity provider; on AWS, create an app client in your Cognito user pool (or your provider) and pass its id, secret and discovery URL.");
  }
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const idp = opts.idp ?? localIdp();
  const scope = await scopeOf(s);
  const resource = { kind: "idp-client" as const, clientId: input.clientId };
  const prior = ledger.find(scope, resource);
  if (prior?.state === "created" && (await idpClientExists(idp, input.clientId))) {
    await idp.deleteClient(input.clientId);
    log(`Identity provider client ${input.clientId} existed from an earlier run: replaced it (a secret is shown only once).`);
  }
  let created;
  try {
    created = await ledger.record(scope, resource, () => idp.createClient({
        clientId: input.clientId,
        grantTypes: input.grantTypes ?? ["client_credentials"],
        scope: input.scope,
        ...(input.redirectUris ? { redirectUris: input.redirectUris } : {}),
        ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}),
      }),
    );
  } catch (e) {
    if ((e as Error).name !== "ConflictException") throw e;
    throw new ForeignResourceError(
      `A client ${input.clientId} already exists in the identity provider and was not created by this notebook (${ledger.file} does not list it); it was left unchanged. Choose another clientId.`,
    );
  }
  const secret = input.clientSecret ?? created.clientSecret ?? "";
  registerSecret(secret);
  const endpoint = new URL(idp.issuer).origin;
  const out = {
    clientId: created.client.clientId,
    scope: created.client.scope,
    discoveryUrl: created.discoveryUrl,
    tokenEndpoint: created.tokenEndpoint,
    calendarApiUrl: `${endpoint}${CALENDAR_PATH}`,
    calendarResource: `${endpoint}${CALENDAR_PATH}`,
  } as CreatedIdpClient;
  Object.defineProperty(out, "clientSecret", { value: secret, enumerable: false });
  const grants = (input.grantTypes ?? ["client_credentials"]).map((g) => g.replace(/_/g, " ")).join(", ");
  log(`Created identity provider client ${out.clientId} (${grants}, scope "${out.scope}"; its secret is not shown).`);
  return out;
}

async function idpClientExists(idp: LocalIdp, clientId: string): Promise<boolean> {
  return (await idp.listClients()).clients.some((c) => c.clientId === clientId);
}

/**
 * Cleanup's step for an `idp-client` entry: deletes the client. An intent (the create may or may
 * not have happened) is only acted on when the client was created after the intent was recorded.
 */
export async function deleteIdpClientEntry(idp: LocalIdp, e: Extract<LedgerEntry, { kind: "idp-client" }>): Promise<"deleted" | "already gone" | "kept"> {
  if (e.state === "intent") {
    const found = (await idp.listClients()).clients.find((c) => c.clientId === e.clientId);
    if (!found) return "already gone";
    if (Date.parse(found.createdTime) < Date.parse(e.recordedAt) - 60_000) return "kept";
  }
  try {
    await idp.deleteClient(e.clientId);
    return "deleted";
  } catch (err) {
    if (isNotFound(err)) return "already gone";
    throw err;
  }
}

/** A new random client secret, for a client whose secret must be known before it is registered. */
export function newClientSecret(): string {
  const secret = randomBytes(32).toString("base64url");
  registerSecret(secret);
  return secret;
}
