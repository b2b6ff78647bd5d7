/**
 * restJson1 and awsJson1.1 through the real SDK clients, with handlers written for the test:
 * uri labels (a percent-encoded ARN), query, headers, blob payloads streamed back, status codes,
 * timestamp formats per the model, modeled error statuses, internal failures, authorize().
 * Plus the requestUri route table (literal segments beat labels, greedy labels).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { BedrockAgentCoreControlClient, GetAgentRuntimeCommand, GetWorkloadIdentityCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
import { DescribeRepositoriesCommand, ListImagesCommand } from "@aws-sdk/client-ecr";
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { createServices } from "../../lib/local/services/index.js";
import { AwsError } from "../../lib/local/errors.js";
import { compileRouteTable } from "../../lib/local/protocols/restjson.js";
import type { ServiceModel } from "../../lib/local/protocols/model.js";
import type { ServiceImpl, Shape } from "../../lib/local/service.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";

const CREATED = new Date("2026-01-02T03:04:05.678Z");
const seen: Record<string, { input: Shape; headers: Record<string, unknown> }> = {};

const testServices: ServiceImpl[] = [
  {
    model: "bedrock-agentcore-control",
    operations: {
      GetAgentRuntime(input) {
        seen.GetAgentRuntime = { input, headers: {} };
        return {
          agentRuntimeArn: `arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/${input.agentRuntimeId}`,
          agentRuntimeName: "demo",
          agentRuntimeId: input.agentRuntimeId,
          agentRuntimeVersion: input.agentRuntimeVersion ?? "1",
          createdAt: CREATED,
          lastUpdatedAt: CREATED.toISOString(),
          roleArn: "arn:aws:iam::123456789012:role/r",
          status: "READY",
          undefinedMember: undefined,
        };
      },
      GetWorkloadIdentity(input) {
        if (input.name === "missing") throw new AwsError("ResourceNotFoundException", "Workload identity missing not found");
        return { name: input.name, workloadIdentityArn: "arn:x", createdTime: CREATED, lastUpdatedTime: CREATED };
      },
    },
  },
  {
    model: "bedrock-agentcore",
    operations: {
      InvokeAgentRuntime(input, ctx) {
        seen.InvokeAgentRuntime = { input, headers: ctx.headers };
        async function* chunks() {
          for (const part of ["data: one\n\n", "data: two\n\n", "data: three\n\n"]) {
            await new Promise((r) => setImmediate(r));
            yield Buffer.from(part);
          }
        }
        return { response: Readable.from(chunks()), contentType: "text/event-stream", runtimeSessionId: input.runtimeSessionId, statusCode: 200 };
      },
    },
  },
  {
    model: "ecr",
    operations: {
      DescribeRepositories() {
        throw new TypeError("cannot read properties of undefined (a bug)");
      },
      ListImages(input, ctx) {
        ctx.authorize("ecr:ListImages", `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${input.repositoryName}`);
        return { imageIds: [] };
      },
    },
  },
];

let local: TestLocal;
const logLines: string[] = [];
before(async () => {
  local = await startTestLocal({ services: (host) => [...createServices({ host }), ...testServices], log: (l) => logLines.push(l) });
});
after(async () => {
  await local?.stop();
});

async function rejection(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { $metadata: { httpStatusCode?: number } };
  }
  assert.fail("expected the call to fail");
}

describe("restJson1", () => {
  test("labels, query and RFC3339 timestamps (runtime resources)", async () => {
    const out = await local.clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: "demo-AbCdEf1234", agentRuntimeVersion: "3" }));
    assert.deepEqual(seen.GetAgentRuntime!.input, { agentRuntimeId: "demo-AbCdEf1234", agentRuntimeVersion: "3" });
    assert.equal(out.agentRuntimeVersion, "3");
    assert.ok(out.createdAt instanceof Date);
    assert.equal(out.createdAt.toISOString(), CREATED.toISOString());
    assert.equal(out.lastUpdatedAt!.toISOString(), CREATED.toISOString());
  });

  test("identity timestamps are epoch seconds on the wire", async () => {
    const res = await local.clients.control.send(new GetWorkloadIdentityCommand({ name: "wl-1" }));
    assert.equal(res.createdTime!.toISOString(), CREATED.toISOString());
    // The raw wire form, signed by a client whose response we read ourselves.
    const raw = new BedrockAgentCoreControlClient({ endpoint: local.endpoint, region: local.region, credentials: local.admin, maxAttempts: 1 });
    let body = "";
    (raw.middlewareStack as unknown as { add(m: unknown, o: unknown): void }).add(
      (next: (a: unknown) => Promise<{ response: { body: Readable } }>) => async (args: unknown) => {
        const r = await next(args);
        const chunks: Buffer[] = [];
        for await (const c of r.response.body) chunks.push(Buffer.from(c as Buffer));
        body = Buffer.concat(chunks).toString();
        r.response.body = Readable.from([Buffer.from(body)]);
        return r;
      },
      { step: "deserialize", priority: "low" },
    );
    await raw.send(new GetWorkloadIdentityCommand({ name: "wl-1" }));
    raw.destroy();
    assert.equal(JSON.parse(body).createdTime, CREATED.getTime() / 1000);
  });

  test("a modeled error takes its status from the model", async () => {
    const err = await rejection(local.clients.control.send(new GetWorkloadIdentityCommand({ name: "missing" })));
    assert.equal(err.name, "ResourceNotFoundException");
    assert.equal(err.$metadata.httpStatusCode, 404);
    assert.equal(err.message, "Workload identity missing not found");
  });

  test("a percent-encoded ARN label, headers and a blob payload in; a stream out", async () => {
    const arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo-AbCdEf1234";
    const sessionId = "s".repeat(40);
    const res = await local.clients.data.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: arn,
        qualifier: "DEFAULT",
        runtimeSessionId: sessionId,
        contentType: "application/json",
        accept: "text/event-stream",
        payload: Buffer.from(JSON.stringify({ prompt: "hi" })),
      }),
    );
    const input = seen.InvokeAgentRuntime!.input;
    assert.equal(input.agentRuntimeArn, arn);
    assert.equal(input.qualifier, "DEFAULT");
    assert.equal(input.runtimeSessionId, sessionId);
    assert.equal(input.contentType, "application/json");
    assert.equal(input.accept, "text/event-stream");
    assert.ok(Buffer.isBuffer(input.payload));
    assert.deepEqual(JSON.parse(input.payload.toString()), { prompt: "hi" });
    assert.equal(res.contentType, "text/event-stream");
    assert.equal(res.runtimeSessionId, sessionId);
    assert.equal(res.statusCode, 200);
    assert.equal(await res.response!.transformToString(), "data: one\n\ndata: two\n\ndata: three\n\n");
  });
});

describe("awsJson1.1 and failures", () => {
  test("a handler bug is a 500 InternalFailure, logged with its stack, and the server keeps serving", async () => {
    const err = await rejection(local.clients.ecr.send(new DescribeRepositoriesCommand({})));
    assert.equal(err.name, "InternalFailure");
    assert.equal(err.$metadata.httpStatusCode, 500);
    assert.doesNotMatch(err.message, /a bug/, "internal details stay in the log");
    assert.ok(logLines.some((l) => l.includes("TypeError: cannot read properties of undefined (a bug)") && l.includes("at ")));
    const ok = await local.clients.ecr.send(new ListImagesCommand({ repositoryName: "anything" }));
    assert.deepEqual(ok.imageIds, []);
  });

  test("authorize(): the admin passes; a role session without a policy is denied, then allowed", async () => {
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }] };
    await local.clients.iam.send(new CreateRoleCommand({ RoleName: "reader", AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const roleArn = `arn:aws:iam::${local.accountId}:role/reader`;
    const c = (await local.clients.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "t1" }))).Credentials!;
    const session = local.clientsFor({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });

    const err = await rejection(session.ecr.send(new ListImagesCommand({ repositoryName: "repo" })));
    assert.equal(err.name, "AccessDeniedException");
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.match(err.message, new RegExp(`^User: arn:aws:sts::${local.accountId}:assumed-role/reader/t1 is not authorized to perform: ecr:ListImages on resource: arn:aws:ecr:us-east-1:${local.accountId}:repository/repo`));

    await local.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: "reader",
        PolicyName: "list",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:ListImages", Resource: "*" }] }),
      }),
    );
    const ok = await session.ecr.send(new ListImagesCommand({ repositoryName: "repo" }));
    assert.deepEqual(ok.imageIds, []);
  });
});

describe("route table", () => {
  const model = {
    name: "bedrock-agentcore",
    metadata: { protocol: "rest-json" },
    shapes: {},
    operations: {
      GetThing: { name: "GetThing", http: { method: "GET", requestUri: "/things/{id}" } },
      GetSpecial: { name: "GetSpecial", http: { method: "GET", requestUri: "/things/special" } },
      GetSub: { name: "GetSub", http: { method: "GET", requestUri: "/things/{id}/sub" } },
      GetFile: { name: "GetFile", http: { method: "GET", requestUri: "/files/{key+}" } },
      ListThings: { name: "ListThings", http: { method: "GET", requestUri: "/things/" } },
      Search: { name: "Search", http: { method: "GET", requestUri: "/things/{id}?search" } },
    },
  } as unknown as ServiceModel;
  const table = compileRouteTable([model]);
  const q = (s = "") => new URLSearchParams(s);

  test("literal segments beat labels; labels are single segments; greedy labels take the rest", () => {
    assert.equal(table.match("GET", "/things/special", q())?.operation, "GetSpecial");
    assert.equal(table.match("GET", "/things/other", q())?.operation, "GetThing");
    assert.deepEqual(table.match("GET", "/things/a%2Fb", q())?.labels, { id: "a%2Fb" });
    assert.equal(table.match("GET", "/things/x/sub", q())?.operation, "GetSub");
    assert.equal(table.match("GET", "/things/", q())?.operation, "ListThings");
    assert.equal(table.match("GET", "/things/x/y", q()), undefined);
    assert.deepEqual(table.match("GET", "/files/a/b/c.txt", q())?.labels, { key: "a/b/c.txt" });
    assert.equal(table.match("GET", "/files/", q()), undefined);
    assert.equal(table.match("POST", "/things/x", q()), undefined);
  });

  test("a required query key makes a template more specific", () => {
    assert.equal(table.match("GET", "/things/x", q("search=1"))?.operation, "Search");
    assert.equal(table.match("GET", "/things/x", q("other=1"))?.operation, "GetThing");
  });
});
