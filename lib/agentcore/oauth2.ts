/**
 * AgentCore Identity's OAuth2 credential providers for the tutorials: a CustomOauth2 provider that
 * keeps an OAuth2 client's id and secret in the token vault (the counterpart of
 * `IdentityClient.create_oauth2_credential_provider`), recorded in the ledger so that cleanup
 * deletes it. The client secret is never shown.
 */
import {
  CreateOauth2CredentialProviderCommand,
  DeleteOauth2CredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  ListOauth2CredentialProvidersCommand,
  UpdateOauth2CredentialProviderCommand,
  type CreateOauth2CredentialProviderCommandOutput,
  type Oauth2ProviderConfigInput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { session as defaultSession, type Session } from "../session.js";
import { Ledger, type LedgerEntry } from "./ledger.js";
import { ledgerTags } from "./ownership.js";
import { isNotFound } from "./aws-errors.js";
import { adoptIfCreatedFor, createOrUpdateProvider, deleteProvider } from "./credential-provider.js";
import type { LibOptions } from "./identity.js";

export interface Oauth2Provider {
  name: string;
  credentialProviderArn: string;
  /** Where the vault keeps the client secret (an ARN, not the secret). */
  clientSecretArn: string;
  /** The provider's OAuth2 callback URL (used by 3LO; M2M does not need it). */
  callbackUrl: string;
  /** `created` on first run, `updated` when this ledger's provider of that name already existed. */
  action: "created" | "updated";
}

export interface CustomOauth2Input {
  name: string;
  clientId: string;
  clientSecret: string;
  /** The authorization server's OpenID Connect discovery URL (`…/.well-known/openid-configuration`). */
  discoveryUrl: string;
  tags?: Record<string, string>;
  /** Replace the client of a provider of that name that this ledger did not create. */
  replaceExisting?: boolean;
}

function customConfig(input: CustomOauth2Input): Oauth2ProviderConfigInput {
  return {
    customOauth2ProviderConfig: { clientId: input.clientId, clientSecret: input.clientSecret, oauthDiscovery: { discoveryUrl: input.discoveryUrl } },
  };
}

/**
 * Creates a CustomOauth2 provider (tagged with its ledger entry). A provider of that name that this
 * ledger created gets the new client (a re-run); anyone else's is refused unless `replaceExisting`.
 */
export async function createOauth2CredentialProvider(input: CustomOauth2Input, opts: LibOptions = {}): Promise<Oauth2Provider> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  for (const field of ["clientId", "clientSecret", "discoveryUrl"] as const) {
    if (!input[field]) throw new Error(`createOauth2CredentialProvider: ${field} is empty. Set it (the OAuth2 client of your authorization server) and re-run the cell.`);
  }
  const done = await createOrUpdateProvider(s, ledger, { kind: "oauth2-credential-provider", name: input.name }, {
    create: (entry) =>
      s.clients.control.send(
        new CreateOauth2CredentialProviderCommand({
          name: input.name,
          credentialProviderVendor: "CustomOauth2",
          oauth2ProviderConfigInput: customConfig(input),
          tags: { ...input.tags, ...ledgerTags(entry) },
        }),
      ),
    adopt: (entry) => adoptOauth2Provider(s, entry),
    update: () =>
      s.clients.control.send(
        new UpdateOauth2CredentialProviderCommand({ name: input.name, credentialProviderVendor: "CustomOauth2", oauth2ProviderConfigInput: customConfig(input) }),
      ),
    replaceExisting: input.replaceExisting,
    foreignMessage:
      `An OAuth2 credential provider named ${input.name} already exists and was not created by this notebook (${ledger.file} does not list it); it was left unchanged. ` +
      `Choose another name, or pass { replaceExisting: true } to replace its client (cleanup will then leave the provider in place).`,
  });
  if (done.action === "created") log(`Created OAuth2 credential provider ${input.name} for client ${input.clientId} (its secret is in the token vault, not shown).`);
  else log(`OAuth2 credential provider ${input.name} already existed${done.ours ? "" : " (not created by this notebook)"}: updated its client to ${input.clientId}.`);
  const out = done.out;
  return { name: out.name!, credentialProviderArn: out.credentialProviderArn!, clientSecretArn: out.clientSecretArn?.secretArn ?? "", callbackUrl: out.callbackUrl ?? "", action: done.action };
}

/** A retried create answered "already exists": the provider, when it is this create's (see adoptIfCreatedFor). */
export async function adoptOauth2Provider(s: Session, entry: LedgerEntry): Promise<CreateOauth2CredentialProviderCommandOutput | undefined> {
  const got = await adoptIfCreatedFor(s, entry, "oauth2-credential-provider", (name) => s.clients.control.send(new GetOauth2CredentialProviderCommand({ name })));
  if (!got) return undefined;
  return { name: got.name, credentialProviderArn: got.credentialProviderArn, clientSecretArn: got.clientSecretArn, callbackUrl: got.callbackUrl, $metadata: {} };
}

export async function oauth2ProviderExists(s: Session, name: string): Promise<boolean> {
  try {
    await s.clients.control.send(new GetOauth2CredentialProviderCommand({ name }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

export async function listOauth2CredentialProviders(
  opts: LibOptions = {},
): Promise<{ name: string; credentialProviderVendor: string; credentialProviderArn: string }[]> {
  const s = opts.session ?? (await defaultSession());
  const all: { name: string; credentialProviderVendor: string; credentialProviderArn: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await s.clients.control.send(new ListOauth2CredentialProvidersCommand({ nextToken }));
    for (const p of page.credentialProviders ?? []) all.push({ name: p.name!, credentialProviderVendor: p.credentialProviderVendor!, credentialProviderArn: p.credentialProviderArn! });
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

/** Deletes the provider; `false` when it did not exist. Its ledger entry (if any) goes too. */
export async function deleteOauth2CredentialProvider(name: string, opts: LibOptions = {}): Promise<boolean> {
  const s = opts.session ?? (await defaultSession());
  return deleteProvider(s, opts.ledger ?? new Ledger(), { kind: "oauth2-credential-provider", name }, () => s.clients.control.send(new DeleteOauth2CredentialProviderCommand({ name })));
}
