/**
 * "Did this library create it?": what we create carries a tag naming its ledger entry, and the
 * ledger lists it. Before the library overwrites or deletes a resource it checks both, so a role
 * or provider someone else made under the same name is never changed or removed unless asked.
 */
import { GetRoleCommand, type Role } from "@aws-sdk/client-iam";
import { ListTagsForResourceCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import type { Session } from "../session.js";
import { isNotFound } from "./aws-errors.js";
import type { LedgerEntry } from "./ledger.js";

/** The tag key that marks what this library created; its value is the ledger entry's id. */
export const LEDGER_TAG = "agentcore-kit:ledger-entry";

/** The marker as an AgentCore tag map. */
export function ledgerTags(entry: Pick<LedgerEntry, "id">): Record<string, string> {
  return { [LEDGER_TAG]: entry.id };
}

/** The marker as an IAM tag list. */
export function iamLedgerTags(entry: Pick<LedgerEntry, "id">): { Key: string; Value: string }[] {
  return [{ Key: LEDGER_TAG, Value: entry.id }];
}

/** The ledger id a role is tagged with, if any. */
export function roleLedgerId(role: Pick<Role, "Tags">): string | undefined {
  return role.Tags?.find((t) => t.Key === LEDGER_TAG)?.Value;
}

/** The role as IAM answers GetRole (with its tags), or undefined when there is none. */
export async function getRole(s: Session, roleName: string): Promise<Role | undefined> {
  try {
    return (await s.clients.iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Ours: the ledger lists it and the role's tag names that entry. A confirmed entry for a role that
 * carries no tag at all is ours too (created before roles were tagged); a tag naming another entry
 * (or another copy of the project) is not.
 */
export function isOurRole(role: Pick<Role, "Tags">, entry: LedgerEntry | undefined): boolean {
  if (!entry) return false;
  const tagged = roleLedgerId(role);
  return tagged === undefined ? entry.state === "created" : tagged === entry.id;
}

/** Refusal to change or delete something this library did not create, with the way out. */
export class ForeignResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForeignResourceError";
  }
}

/**
 * Whether an AgentCore resource carries this entry's tag: true or false when its tags could be
 * read, undefined when they could not (the service or the resource type does not answer
 * ListTagsForResource): the caller then decides on other evidence, or leaves it alone.
 */
export async function taggedFor(s: Session, arn: string, entry: Pick<LedgerEntry, "id">): Promise<boolean | undefined> {
  try {
    const out = await s.clients.control.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    return out.tags?.[LEDGER_TAG] === entry.id;
  } catch {
    return undefined;
  }
}
