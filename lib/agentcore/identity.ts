/**
 * AgentCore Identity for the tutorial: the API-key credential provider that keeps the OpenAI key in
 * the token vault (the counterpart of `IdentityClient.create_api_key_credential_provider`), and
 * workload identity helpers. Keys are only ever shown masked.
 */
import {
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
  DeleteWorkloadIdentityCommand,
  GetApiKeyCredentialProviderCommand,
  GetWorkloadIdentityCommand,
  ListApiKeyCredentialProvidersCommand,
  UpdateApiKeyCredentialProviderCommand,
  type CreateApiKeyCredentialProviderCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { GetWorkloadAccessTokenCommand, GetWorkloadAccessTokenForUserIdCommand } from "@aws-sdk/client-bedrock-agentcore";
import { session as defaultSession, type Session } from "../session.js";
import { Ledger, type LedgerEntry } from "./ledger.js";
import { ledgerTags } from "./ownership.js";
import { isNotFound } from "./aws-errors.js";
import { adoptIfCreatedFor, createOrUpdateProvider, deleteProvider } from "./credential-provider.js";
import { maskSecret as maskForDisplay } from "../notebook/redact.js";

/** The masked form of a key for display (`sk-…a1b2`), by the same rule as all redaction. */
export function maskSecret(secret: string | undefined): string {
  return secret ? maskForDisplay(secret) : "(empty)";
}

export interface LibOptions {
  session?: Session;
  ledger?: Ledger;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export interface ApiKeyProvider {
  name: string;
  credentialProviderArn: string;
  apiKeySecretArn: string;
  /** `created` on first run, `updated` when a provider of that name already existed. */
  action: "created" | "updated";
  /** The key as it may be shown: `sk-…a1b2`. */
  maskedApiKey: string;
}

/**
 * Creates the provider (tagged with its ledger entry). A provider of that name that this ledger
 * created gets the new key (a re-run); anyone else's is refused, its key untouched, unless
 * `replaceExisting: true`.
 */
export async function createApiKeyCredentialProvider(
  input: { name: string; apiKey: string; tags?: Record<string, string>; replaceExisting?: boolean },
  opts: LibOptions = {},
): Promise<ApiKeyProvider> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  if (!input.apiKey) throw new Error(`createApiKeyCredentialProvider: apiKey is empty. Set it (e.g. from OPENAI_API_KEY) and re-run the cell.`);
  const masked = maskSecret(input.apiKey);
  const done = await createOrUpdateProvider(s, ledger, { kind: "credential-provider", name: input.name }, {
    create: (entry) =>
      s.clients.control.send(new CreateApiKeyCredentialProviderCommand({ name: input.name, apiKey: input.apiKey, tags: { ...input.tags, ...ledgerTags(entry) } })),
    adopt: (entry) => adoptProvider(s, entry),
    // A re-run (or an asked-for replacement): the key is updated in place (a new secret version).
    update: () => s.clients.control.send(new UpdateApiKeyCredentialProviderCommand({ name: input.name, apiKey: input.apiKey })),
    replaceExisting: input.replaceExisting,
    foreignMessage:
      `An API key credential provider named ${input.name} already exists and was not created by this notebook (${ledger.file} does not list it); its key was left unchanged. ` +
      `Choose another name, or pass { replaceExisting: true } to replace its key (cleanup will then leave the provider in place).`,
  });
  if (done.action === "created") log(`Created API key credential provider ${input.name} (key ${masked}).`);
  else log(`API key credential provider ${input.name} already existed${done.ours ? "" : " (not created by this notebook)"}: updated its key (${masked}).`);
  const out = done.out;
  return { name: out.name!, credentialProviderArn: out.credentialProviderArn!, apiKeySecretArn: out.apiKeySecretArn?.secretArn ?? "", action: done.action, maskedApiKey: masked };
}

/** A retried create answered "already exists": the provider, when it is this create's (see adoptIfCreatedFor). */
export async function adoptProvider(s: Session, entry: LedgerEntry): Promise<CreateApiKeyCredentialProviderCommandOutput | undefined> {
  const got = await adoptIfCreatedFor(s, entry, "credential-provider", (name) => s.clients.control.send(new GetApiKeyCredentialProviderCommand({ name })));
  if (!got) return undefined;
  return { name: got.name, credentialProviderArn: got.credentialProviderArn, apiKeySecretArn: got.apiKeySecretArn, $metadata: {} };
}

/** A provider as Get answers it (the secret's ARN, never the key). */
export interface ApiKeyProviderDetails {
  name: string;
  credentialProviderArn: string;
  apiKeySecretArn: string;
  createdTime?: Date;
  lastUpdatedTime?: Date;
}

export async function getApiKeyCredentialProvider(name: string, opts: LibOptions = {}): Promise<ApiKeyProviderDetails> {
  const s = opts.session ?? (await defaultSession());
  const out = await s.clients.control.send(new GetApiKeyCredentialProviderCommand({ name }));
  return { name: out.name!, credentialProviderArn: out.credentialProviderArn!, apiKeySecretArn: out.apiKeySecretArn?.secretArn ?? "", createdTime: out.createdTime, lastUpdatedTime: out.lastUpdatedTime };
}

export async function listApiKeyCredentialProviders(opts: LibOptions = {}): Promise<{ name: string; credentialProviderArn: string }[]> {
  const s = opts.session ?? (await defaultSession());
  const all: { name: string; credentialProviderArn: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await s.clients.control.send(new ListApiKeyCredentialProvidersCommand({ nextToken }));
    for (const p of page.credentialProviders ?? []) all.push({ name: p.name!, credentialProviderArn: p.credentialProviderArn! });
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

/** Deletes the provider; `false` when it did not exist. The ledger entry (if any) goes too. */
export async function deleteApiKeyCredentialProvider(name: string, opts: LibOptions = {}): Promise<boolean> {
  const s = opts.session ?? (await defaultSession());
  return deleteProvider(s, opts.ledger ?? new Ledger(), { kind: "credential-provider", name }, () => s.clients.control.send(new DeleteApiKeyCredentialProviderCommand({ name })));
}

/** A workload identity of your own (the runtime creates one per agent by itself). Idempotent. */
export async function ensureWorkloadIdentity(
  name: string,
  opts: LibOptions = {},
): Promise<{ name: string; workloadIdentityArn: string; action: "existing" | "created" }> {
  const s = opts.session ?? (await defaultSession());
  try {
    const out = await s.clients.control.send(new GetWorkloadIdentityCommand({ name }));
    return { name: out.name!, workloadIdentityArn: out.workloadIdentityArn!, action: "existing" as const };
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const out = await s.clients.control.send(new CreateWorkloadIdentityCommand({ name }));
  return { name: out.name!, workloadIdentityArn: out.workloadIdentityArn!, action: "created" as const };
}

export async function deleteWorkloadIdentity(name: string, opts: LibOptions = {}): Promise<boolean> {
  const s = opts.session ?? (await defaultSession());
  try {
    await s.clients.control.send(new DeleteWorkloadIdentityCommand({ name }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** A workload access token (for `userId` when given): what the runtime hands the agent per invoke. */
export async function getWorkloadAccessToken(workloadName: string, userId?: string, opts: LibOptions = {}): Promise<string> {
  const s = opts.session ?? (await defaultSession());
  const out = userId
    ? await s.clients.data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName, userId }))
    : await s.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName }));
  return out.workloadAccessToken!;
}
