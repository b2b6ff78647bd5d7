/**
 * Differential test: our evaluator against `@cloud-copilot/iam-simulate` (AGPL-3.0, a test-only
 * oracle; never imported from lib/) on generated policy/request pairs.
 *
 * `runUnsafeSimulation` is the fast oracle (no validation). Where it is wrong for AWS it is not
 * used: wildcard-only actions (iam:ListRoles) go through `runSimulation`, which knows that a
 * specific resource ARN in a policy never grants such an action (unsafe treats the request's `*`
 * as overlapping every ARN).
 *
 * Cases where iam-simulate deviates from AWS's documentation are not generated:
 * - Date values are ISO 8601 only: iam-simulate compares epoch-seconds values against
 *   millisecond timestamps of ISO dates, while AWS compares instants.
 * - ARN case: iam-simulate matches the partition/service/region/account segments of Resource
 *   case-insensitively; generated ARNs use lower case there, so the two agree by construction.
 * - `ForAnyValue:…IfExists` on a missing key: AWS documents `…IfExists` as true when the key is
 *   absent; iam-simulate returns false. The generator uses IfExists only without ForAnyValue.
 * - Numbers are plain decimals: iam-simulate parses leniently (`parseInt("10abc")` is 10).
 * Set SEED=<n> to explore other cases; the default seed keeps the run reproducible.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import fc from "fast-check";
import { evaluate, requestContext, type EvaluationRequest } from "../../lib/local/iam-policy/evaluate.js";
import { parsePolicyDocument } from "../../lib/local/iam-policy/parse.js";
import { evaluateTrust } from "../../lib/local/iam-policy/trust.js";
import { isWildcardOnlyAction } from "../../lib/local/iam-policy/actions.js";
import type { ContextValues, PolicyDocument, PolicyStatement } from "../../lib/local/service.js";

const ACCT = "123456789012";
const OTHER = "210987654321";
const NOW = new Date("2026-11-28T12:00:00Z");
const PRINCIPAL = `arn:aws:sts::${ACCT}:assumed-role/AgentRole/sess`;

/** Request actions and resources they are performed on. */
const REQUESTS: { action: string; resources: string[] }[] = [
  {
    action: "bedrock-agentcore:GetResourceApiKey",
    resources: [
      `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:token-vault/default/apikeycredentialprovider/openai-apikey-provider`,
      `arn:aws:bedrock-agentcore:us-east-1:${ACCT}:token-vault/default/apikeycredentialprovider/other`,
      `arn:aws:bedrock-agentcore:us-west-2:${OTHER}:token-vault/default/apikeycredentialprovider/openai-apikey-provider`,
    ],
  },
  {
    action: "bedrock-agentcore:InvokeAgentRuntime",
    resources: [`arn:aws:bedrock-agentcore:us-west-2:${ACCT}:runtime/agent-AbCdE12345`, `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:runtime/other-XyZ0987654`],
  },
  { action: "s3:GetObject", resources: ["arn:aws:s3:::bucket/dir/file.txt", "arn:aws:s3:::bucket/blue/x", "arn:aws:s3:::bucket/ann/x", "arn:aws:s3:::other/File.txt"] },
  { action: "s3:PutObject", resources: ["arn:aws:s3:::bucket/dir/file.txt", "arn:aws:s3:::bucket/dir/sub/pile.txt"] },
  { action: "ecr:DescribeRepositories", resources: [`arn:aws:ecr:us-west-2:${ACCT}:repository/agent-repo`, `arn:aws:ecr:eu-west-1:${ACCT}:repository/base`] },
  { action: "ecr:BatchGetImage", resources: [`arn:aws:ecr:us-west-2:${ACCT}:repository/agent-repo`] },
  { action: "iam:GetRole", resources: [`arn:aws:iam::${ACCT}:role/AgentRole`, `arn:aws:iam::${ACCT}:role/service-role/Other`] },
  { action: "iam:ListRoles", resources: ["*"] },
];

const ACTION_PATTERNS = [
  "*",
  "s3:*",
  "s3:Get*",
  "S3:getobject",
  "s3:?utObject",
  "ecr:*",
  "ecr:Describe*",
  "iam:List*",
  "iam:ListRoles",
  "iam:*Role",
  "bedrock-agentcore:*",
  "bedrock-agentcore:Get*",
  "bedrock-agentcore:GetResourceApiKey",
  "bedrock-agentcore:Invoke*",
];

const RESOURCE_PATTERNS = [
  "*",
  `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:token-vault/default/apikeycredentialprovider/openai-apikey-provider`,
  `arn:aws:bedrock-agentcore:*:${ACCT}:token-vault/default*`,
  `arn:aws:bedrock-agentcore:us-west-2:*:*`,
  `arn:aws:bedrock-agentcore:us-west-?:${ACCT}:runtime/agent-*`,
  `arn:aws:bedrock-agentcore:*:*:token-vault/*/apikeycredentialprovider/o*`,
  "arn:aws:s3:::bucket/*",
  "arn:aws:s3:::bucket/dir/?ile.txt",
  "arn:aws:s3:::bucket/dir/*.txt",
  "arn:aws:s3:::other/file.txt",
  "arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*",
  "arn:aws:s3:::bucket/${aws:username, 'ann'}/*",
  "arn:aws:s3:::bucket/${aws:PrincipalTag/missing}/*",
  `arn:aws:iam::${ACCT}:role/*`,
  `arn:aws:iam::*:role/AgentRole`,
  `arn:aws:ecr:*:${ACCT}:repository/agent-*`,
  `arn:aws:ecr:us-west-2:${ACCT}:repository/*`,
];

type Family = "string" | "arn" | "numeric" | "date" | "bool";

/** Condition keys with the family of operators that fits them and the values used on both sides. */
const KEYS: { key: string; family: Family; values: string[]; multi?: boolean }[] = [
  { key: "aws:SourceAccount", family: "string", values: [ACCT, OTHER, "1234*", "${aws:PrincipalAccount}"] },
  { key: "aws:PrincipalTag/team", family: "string", values: ["blue", "Blue", "red", "b*", "?lue", "${aws:PrincipalTag/other, 'blue'}", "${aws:PrincipalTag/nope}", "${aws:SourceAccount}"] },
  { key: "aws:TagKeys", family: "string", values: ["env", "team", "cost", "t*"], multi: true },
  {
    key: "aws:SourceArn",
    family: "arn",
    values: [
      `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:runtime/agent-AbCdE12345`,
      `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:*`,
      `arn:aws:bedrock-agentcore:us-east-1:${ACCT}:*`,
      `arn:aws:bedrock-agentcore:*:*:runtime/agent-*`,
      `arn:aws:s3:::bucket`,
    ],
  },
  { key: "s3:max-keys", family: "numeric", values: ["0", "5", "10", "10.5", "100"] },
  { key: "aws:CurrentTime", family: "date", values: ["2026-11-28T12:00:00Z", "2026-01-01T00:00:00Z", "2030-06-30T08:30:00Z", "2026-11-28T12:00:00.000Z"] },
  { key: "aws:SecureTransport", family: "bool", values: ["true", "false"] },
  { key: "aws:MultiFactorAuthPresent", family: "bool", values: ["true", "false", "TRUE"] },
];

const OPERATORS: Record<Family, string[]> = {
  string: ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"],
  arn: ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
  numeric: ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"],
  date: ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"],
  bool: ["Bool"],
};

const oneOrMany = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.uniqueArray(arb, { minLength: 1, maxLength: 3 }));

const conditionEntry = fc
  .record({
    k: fc.constantFrom(...KEYS),
    opIndex: fc.nat(),
    modifier: fc.constantFrom("", "", "IfExists", "ForAnyValue:", "ForAllValues:", "Null"),
    pick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  })
  .map(({ k, opIndex, modifier, pick }) => {
    if (modifier === "Null") return { op: "Null", key: k.key, values: [pick[0] % 2 ? "true" : "false"] };
    const base = OPERATORS[k.family][opIndex % OPERATORS[k.family].length];
    const op = modifier === "IfExists" ? `${base}IfExists` : modifier ? `${modifier}${base}` : base;
    return { op, key: k.key, values: [...new Set(pick.map((i) => k.values[i % k.values.length]))] };
  });

const conditionBlock = fc.array(conditionEntry, { minLength: 1, maxLength: 3 }).map((entries) => {
  const block: NonNullable<PolicyStatement["Condition"]> = {};
  for (const e of entries) (block[e.op] ??= {})[e.key] = e.values.length === 1 ? e.values[0] : e.values;
  return block;
});

/** Action patterns that relate to the request's action (so that statements often apply). */
function actionPatternsFor(action: string): string[] {
  const [service, name] = action.split(":");
  return [
    action,
    action.toUpperCase(),
    `${service}:*`,
    `${service}:${name.slice(0, 3)}*`,
    `${service}:${name.slice(0, -1)}?`,
    `${service}:?${name.slice(2)}`,
    `${service}:${name}x`,
  ];
}

/** Resource patterns that relate to the request's resource: exact, shortened with `*`, `?`, segment wildcards. */
function resourcePatternsFor(resource: string): string[] {
  if (!resource.startsWith("arn:")) return ["*"];
  const parts = resource.split(":");
  const withSegment = (i: number, v: string) => parts.map((p, j) => (j === i ? v : p)).join(":");
  return [
    resource,
    resource.slice(0, -3) + "*",
    resource.slice(0, -2) + "?" + resource.slice(-1),
    resource.slice(0, -1) + "??",
    withSegment(3, parts[3] ? "*" : ""),
    withSegment(4, parts[4] ? "*" : ""),
    withSegment(2, parts[2].toUpperCase()),
    resource.replace(/[a-z]/, (c) => c.toUpperCase()).replace(/^Arn/, "arn"),
    parts.slice(0, 5).join(":") + ":" + parts.slice(5).join(":").toUpperCase(),
    parts.slice(0, 5).join(":") + ":" + parts.slice(5).join(":").slice(0, -2).toUpperCase() + "*",
  ];
}

function statementArb(request: EvaluationRequest): fc.Arbitrary<PolicyStatement> {
  const actionPool = [...actionPatternsFor(request.action), ...ACTION_PATTERNS];
  const resourcePool = [...resourcePatternsFor(request.resource), ...RESOURCE_PATTERNS];
  const pattern = (own: string[], pool: string[]) => fc.oneof(fc.constantFrom(...own), fc.constantFrom(...pool));
  return fc
    .record({
      effect: fc.constantFrom<"Allow" | "Deny">("Allow", "Allow", "Allow", "Deny"),
      notAction: fc.nat(4),
      actions: oneOrMany(pattern(actionPatternsFor(request.action), actionPool)),
      notResource: fc.nat(4),
      resources: oneOrMany(pattern(resourcePatternsFor(request.resource), resourcePool)),
      condition: fc.option(conditionBlock, { freq: 2 }),
    })
    .map(({ effect, notAction, actions, notResource, resources, condition }) => {
      const s: PolicyStatement = { Effect: effect };
      // NotAction/NotResource are rarer in real policies: a fifth of the time each.
      if (notAction === 0) s.NotAction = actions;
      else s.Action = actions;
      if (notResource === 0) s.NotResource = resources;
      else s.Resource = resources;
      if (condition) s.Condition = condition;
      return s;
    });
}

const policiesFor = (request: EvaluationRequest) =>
  fc.array(
    fc.array(statementArb(request), { minLength: 1, maxLength: 3 }).map((Statement): PolicyDocument => ({ Version: "2012-10-17", Statement })),
    { minLength: 1, maxLength: 2 },
  );

const contextArb: fc.Arbitrary<ContextValues> = fc
  .array(fc.record({ k: fc.constantFrom(...KEYS), pick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }), { maxLength: 8 })
  .map((entries) => {
    const ctx: ContextValues = {};
    for (const { k, pick } of entries) {
      // Request values are concrete: no wildcards or variables.
      const concrete = k.values.filter((v) => !/[*?]|\$\{/.test(v));
      const values = [...new Set(pick.map((i) => concrete[i % concrete.length]))];
      ctx[k.key] = k.multi ? values : values[0];
    }
    return ctx;
  });

const requestArb: fc.Arbitrary<EvaluationRequest> = fc
  .record({ r: fc.constantFrom(...REQUESTS), i: fc.nat(), context: contextArb, team: fc.constantFrom(undefined, undefined, "blue", "Blue", "red") })
  .map(({ r, i, context, team }) => {
    const ctx: ContextValues = team ? { ...context, "aws:PrincipalTag/team": team } : context;
    // A service's own keys (s3:max-keys) never reach another service's request: runSimulation drops them.
    if (isWildcardOnlyAction(r.action)) for (const k of Object.keys(ctx)) if (!k.startsWith("aws:")) delete ctx[k];
    return { principalArn: PRINCIPAL, action: r.action, resource: r.resources[i % r.resources.length], context: ctx };
  });

const caseArb = requestArb.chain((request) => fc.tuple(policiesFor(request), fc.constant(request)));

/** The oracle gets the same context our evaluator uses (iam-simulate fills in no global keys). */
function simulationOf(request: EvaluationRequest, policies: PolicyDocument[]): Simulation {
  const contextVariables: Record<string, string | string[]> = {};
  for (const [k, v] of requestContext(request, NOW)) contextVariables[k] = v;
  return {
    request: {
      principal: request.principalArn,
      action: request.action,
      resource: { resource: request.resource, accountId: ACCT },
      contextVariables,
    },
    identityPolicies: policies.map((policy, i) => ({ name: `p${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
}

async function oracle(request: EvaluationRequest, policies: PolicyDocument[]): Promise<string> {
  const sim = simulationOf(request, policies);
  if (!isWildcardOnlyAction(request.action)) return runUnsafeSimulation(sim, {});
  const result = await runSimulation(sim, {});
  if (result.resultType === "error") throw new Error(`iam-simulate error: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

const SEED = process.env.SEED ? Number(process.env.SEED) : 20261128;

describe("differential test against iam-simulate", () => {
  it("agrees on generated policy/request pairs", async () => {
    const seen = { Allowed: 0, ExplicitlyDenied: 0, ImplicitlyDenied: 0 } as Record<string, number>;
    await fc.assert(
      fc.asyncProperty(caseArb, async ([policies, request]) => {
        for (const p of policies) parsePolicyDocument(JSON.stringify(p), "identity"); // only policies IAM accepts
        const ours = evaluate(request, policies, { now: NOW });
        const theirs = await oracle(request, policies);
        seen[ours]++;
        assert.equal(ours, theirs, `request ${JSON.stringify(request)}\npolicies ${JSON.stringify(policies)}`);
      }),
      { numRuns: 1500, seed: SEED },
    );
    if (process.env.DIFF_STATS) console.log(seen);
    // The generator must exercise every outcome, or agreement proves little.
    for (const [decision, count] of Object.entries(seen)) assert.ok(count >= 100, `only ${count} ${decision} cases: ${JSON.stringify(seen)}`);
  });

  it("agrees on the tutorial's cases", async () => {
    const extra: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["bedrock-agentcore:GetResourceApiKey"], Resource: [`arn:aws:bedrock-agentcore:us-west-2:${ACCT}:token-vault/default*`] }],
    };
    const req: EvaluationRequest = { principalArn: PRINCIPAL, action: "bedrock-agentcore:GetResourceApiKey", resource: REQUESTS[0].resources[0] };
    for (const policies of [[], [extra], [extra, { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "bedrock-agentcore:*", Resource: "*" }] } as PolicyDocument]]) {
      assert.equal(evaluate(req, policies, { now: NOW }), await oracle(req, policies));
    }
  });
});

describe("trust policies against iam-simulate", () => {
  const SERVICE = "bedrock-agentcore.amazonaws.com";
  const roleArn = `arn:aws:iam::${ACCT}:role/AgentCoreRuntimeRole`;
  const tutorialTrust: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AssumeRolePolicy",
        Effect: "Allow",
        Principal: { Service: SERVICE },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCT }, ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:us-west-2:${ACCT}:*` } },
      },
    ],
  };

  it("agrees on the tutorial's trust policy for right and wrong principal, account and region", async () => {
    let allowed = 0;
    for (const service of [SERVICE, "lambda.amazonaws.com"]) {
      for (const account of [ACCT, OTHER, undefined]) {
        for (const region of ["us-west-2", "eu-west-1", undefined]) {
          const context: ContextValues = {};
          if (account) context["aws:SourceAccount"] = account;
          if (region) context["aws:SourceArn"] = `arn:aws:bedrock-agentcore:${region}:${account ?? ACCT}:runtime/agent-AbCdE12345`;
          const ours = evaluateTrust(tutorialTrust, roleArn, { Service: service }, context);
          const result = await runSimulation(
            {
              request: { principal: service, action: "sts:AssumeRole", resource: { resource: roleArn, accountId: ACCT }, contextVariables: context },
              identityPolicies: [],
              serviceControlPolicies: [],
              resourceControlPolicies: [],
              resourcePolicy: tutorialTrust,
            },
            {},
          );
          assert.equal(result.resultType, "single", JSON.stringify(result));
          assert.equal(ours, result.overallResult === "Allowed", `${service} ${JSON.stringify(context)}: iam-simulate ${result.overallResult}`);
          if (ours) allowed++;
        }
      }
    }
    assert.equal(allowed, 1);
  });
});
