/**
 * Every IAM action a Local AgentCore handler authorizes must be one AWS documents (a typo would
 * make the tutorial's policies grant nothing). The handlers' sources are scanned for the action
 * names they pass to `ctx.authorize` (directly, or through a per-service helper that prefixes
 * `bedrock-agentcore:`).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { canonicalActionName, isKnownAction } from "../../lib/local/iam-policy/actions.js";

const SERVICES_DIR = join(import.meta.dirname, "..", "..", "lib", "local", "services");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** `"service:Action"` literals in authorize calls, and `authorize(ctx, "Operation"` helper calls. */
function authorizedActions(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sources(SERVICES_DIR)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/authorize\(\s*["'`]([a-z0-9-]+:[A-Za-z0-9]+)["'`]/g)) found.set(m[1], file);
    for (const m of text.matchAll(/\bauthorize\(\s*ctx\s*,\s*["']([A-Z][A-Za-z0-9]+)["']/g)) {
      const prefix = /ctx\.authorize\(\s*`([a-z0-9-]+):\$\{operation\}`/.exec(text)?.[1];
      if (prefix) found.set(`${prefix}:${m[1]}`, file);
    }
    // Any other action-like literal (helpers such as authorizeOnRole take the action as a string),
    // except object keys, which are condition keys ("iam:PassedToService": …).
    for (const m of text.matchAll(/["']((?:iam|sts|ecr|s3|bedrock-agentcore):[A-Z][A-Za-z0-9]+)["'](?!\s*:)/g)) found.set(m[1], file);
  }
  return found;
}

describe("actions authorized by the handlers", () => {
  it("are all documented IAM actions, spelled as AWS spells them", () => {
    const actions = authorizedActions();
    assert.ok(actions.size >= 10, `only ${actions.size} actions found: the scan no longer sees the handlers`);
    const problems: string[] = [];
    for (const [action, file] of actions) {
      if (!isKnownAction(action)) problems.push(`${action} (${file}) is not an IAM action`);
      else if (canonicalActionName(action) !== action) problems.push(`${action} (${file}) is spelled ${canonicalActionName(action)} by AWS`);
    }
    assert.deepEqual(problems, []);
  });
});
