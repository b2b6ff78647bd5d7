/**
 * What the API-key and the OAuth2 credential providers share: their create-or-update against the
 * ledger (a re-run updates the one this ledger created; anyone else's is refused unless the caller
 * asks to replace it), the check that a retried create's "already exists" is this create's own, and
 * the delete that takes the ledger entry with it.
 * The two differ only in their SDK commands, so those are passed in.
 */
import type { Session } from "../session.js";
import type { Ledger, LedgerEntry } from "./ledger.js";
import { scopeOf } from "./ledger.js";
import { ForeignResourceError, taggedFor } from "./ownership.js";
import { errorName, isNotFound } from "./aws-errors.js";

type ProviderKind = "credential-provider" | "oauth2-credential-provider";

/** AgentCore answers "already exists" with a ConflictException (or a ValidationException saying so). */
function providerExists(e: unknown): boolean {
  return errorName(e) === "ConflictException" || (errorName(e) === "ValidationException" && /exist/i.test(String((e as Error).message)));
}

export interface CreateOrUpdateSteps<C, U> {
  /** The create call, tagged with the entry's ledger tags. */
  create: (entry: LedgerEntry) => Promise<C>;
  /** After a retried create: the provider when it is this create's (see adoptIfCreatedFor). */
  adopt: (entry: LedgerEntry) => Promise<C | undefined>;
  /** The update in place, for a re-run or an asked-for replacement. */
  update: () => Promise<U>;
  replaceExisting?: boolean;
  /** The refusal's text when the provider of that name is someone else's (it names the way out). */
  foreignMessage: string;
}

/**
 * Creates the provider (recorded in the ledger), or, when one of that name exists, updates it: only
 * when this ledger created it or `replaceExisting` is set, else a ForeignResourceError. `ours` says
 * whether the updated one was this ledger's.
 */
export async function createOrUpdateProvider<C, U>(
  s: Session,
  ledger: Ledger,
  resource: { kind: ProviderKind; name: string },
  steps: CreateOrUpdateSteps<C, U>,
): Promise<{ action: "created"; out: C } | { action: "updated"; out: U; ours: boolean }> {
  const scope = await scopeOf(s);
  const prior = ledger.find(scope, resource);
  try {
    return { action: "created", out: await ledger.record(scope, resource, steps.create, { adopt: steps.adopt }) };
  } catch (e) {
    if (!providerExists(e)) throw e;
  }
  const ours = prior?.state === "created";
  if (!ours && !steps.replaceExisting) throw new ForeignResourceError(steps.foreignMessage);
  return { action: "updated", out: await steps.update(), ours };
}

/**
 * How long before its intent a provider's creation time may lie and still be this create's: the
 * recorded time is the caller's clock, the creation time the service's.
 */
const CLOCK_SKEW_MS = 60_000;

/**
 * A retried create answered "already exists": the provider (as `get` reads it) when it is ours, that
 * is when it carries this entry's tag, or (where tags cannot be read) when it was created after this
 * intent was recorded; undefined when it is not, or is gone, or the entry is of another kind.
 */
export async function adoptIfCreatedFor<G extends { credentialProviderArn?: string; createdTime?: Date }>(
  s: Session,
  entry: LedgerEntry,
  kind: ProviderKind,
  get: (name: string) => Promise<G>,
): Promise<G | undefined> {
  if (entry.kind !== kind) return undefined;
  let got: G;
  try {
    got = await get(entry.name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const tagged = await taggedFor(s, got.credentialProviderArn!, entry);
  const ours = tagged ?? (got.createdTime !== undefined && got.createdTime.getTime() >= Date.parse(entry.recordedAt) - CLOCK_SKEW_MS);
  return ours ? got : undefined;
}

/** Deletes the provider; `false` when it did not exist. Its ledger entry (if any) goes too. */
export async function deleteProvider(s: Session, ledger: Ledger, resource: { kind: ProviderKind; name: string }, send: () => Promise<unknown>): Promise<boolean> {
  let existed = true;
  try {
    await send();
  } catch (e) {
    if (!isNotFound(e)) throw e;
    existed = false;
  }
  const entry = ledger.find(await scopeOf(s), resource);
  if (entry) ledger.remove(entry.id);
  return existed;
}
