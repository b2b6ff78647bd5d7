/**
 * The router serves what the service models say: one target per SigV4 signing name the models
 * name (`signingName`, else `endpointPrefix`; models sharing a name form one target), each with its
 * protocol's rules; and a request signed for any other service — including names that are
 * properties of every JavaScript object — is refused with a message listing the served names.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { createServiceTargets } from "../../lib/local/http/service-targets.js";
import { loadAllModels } from "../../lib/local/protocols/model.js";
import { awsJson } from "../../lib/local/protocols/awsjson.js";
import { awsQuery } from "../../lib/local/protocols/awsquery.js";
import { restJson } from "../../lib/local/protocols/restjson.js";
import { restXml } from "../../lib/local/protocols/restxml.js";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { errorCodeOf, signAndSend } from "../reliability/signed-request.js";

/** Read straight from the model files: signing name → the models (file names) that sign with it. */
const modelsDir = new URL("../../lib/local/models/", import.meta.url);
const fromFiles = new Map<string, { models: string[]; protocol: string }>();
for (const file of readdirSync(modelsDir).filter((f) => f.endsWith(".json"))) {
  const { metadata } = JSON.parse(readFileSync(new URL(file, modelsDir), "utf8")) as {
    metadata: { signingName?: string; endpointPrefix: string; protocol: string };
  };
  const name = metadata.signingName ?? metadata.endpointPrefix;
  const entry = fromFiles.get(name) ?? { models: [], protocol: metadata.protocol };
  entry.models.push(file.replace(/\.json$/, ""));
  fromFiles.set(name, entry);
}

const FAMILY: Record<string, string> = { "rest-json": "json", json: "json", query: "query", "rest-xml": "s3" };

describe("the service targets are what the models say", () => {
  const targets = createServiceTargets(loadAllModels(), { "rest-json": restJson, json: awsJson, query: awsQuery, "rest-xml": restXml });

  test("every model's signing name is served, and nothing else", () => {
    assert.ok(fromFiles.size >= 5, "the models folder has the services");
    assert.deepEqual([...targets.signingNames].sort(), [...fromFiles.keys()].sort());
    for (const [name, { models, protocol }] of fromFiles) {
      const t = targets.get(name)!;
      assert.deepEqual(t.models.map((m) => m.name).sort(), [...models].sort(), name);
      assert.equal(t.family, FAMILY[protocol], `${name}'s error family follows its protocol (${protocol})`);
    }
  });

  test("both bedrock-agentcore planes sign as bedrock-agentcore and share one target", () => {
    assert.deepEqual(targets.get("bedrock-agentcore")!.models.map((m) => m.name), ["bedrock-agentcore-control", "bedrock-agentcore"]);
  });

  test("names that are properties of every object are not targets", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) assert.equal(targets.get(name), undefined, name);
  });

  test("the unknown-operation error comes from the protocol, with the model's own API version", () => {
    const raw = (method: string, path: string, headers: Record<string, string> = {}, body = "") =>
      ({ method, path, query: new URLSearchParams(), headers, body: Buffer.from(body) });
    const iam = targets.get("iam")!.unknownOperation(raw("POST", "/", {}, "Action=Nope&Version=2010-05-08"));
    assert.deepEqual([iam.code, iam.message], ["InvalidAction", "Could not find operation Nope for version 2010-05-08"]);
    const sts = targets.get("sts")!.unknownOperation(raw("POST", "/", {}, "Action=Nope"));
    assert.equal(sts.message, "Could not find operation Nope for version 2011-06-15");
    const ecr = targets.get("ecr")!.unknownOperation(raw("POST", "/", { "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.Nope" }));
    assert.deepEqual([ecr.code, ecr.status], ["UnknownOperationException", 400]);
    const agentcore = targets.get("bedrock-agentcore")!.unknownOperation(raw("GET", "/nowhere"));
    assert.deepEqual([agentcore.code, agentcore.message], ["UnknownOperationException", "No bedrock-agentcore operation matches GET /nowhere"]);
    const s3 = targets.get("s3")!.unknownOperation(raw("PATCH", "/b"));
    assert.deepEqual([s3.code, s3.message], ["NotImplemented", "Local AgentCore's S3 has no operation for PATCH /b"]);
  });
});

describe("signed requests through the router", () => {
  let local: TestLocal;
  before(async () => {
    local = await startTestLocal();
  });
  after(() => local?.stop());

  const signedFor = (service: string) =>
    signAndSend(local.endpoint, { method: "GET", path: "/" }, { service, region: local.region, credentials: local.admin });

  test("each served signing name reaches its service (no wrong-service refusal)", async () => {
    for (const name of fromFiles.keys()) {
      const res = await signedFor(name);
      const text = res.body.toString("utf8");
      assert.ok(res.status < 500, `${name}: ${res.status} ${text.slice(0, 200)}`);
      assert.doesNotMatch(text, /Credential should be scoped to correct service/, name);
    }
  });

  test("another service's name is refused, listing every served signing name", async () => {
    for (const name of ["lambda", "constructor", "__proto__"]) {
      const res = await signedFor(name);
      const text = res.body.toString("utf8");
      assert.equal(res.status, 400, `${name}: ${res.status} ${text.slice(0, 300)}`);
      assert.equal(errorCodeOf(res), "AuthorizationHeaderMalformed", text.slice(0, 300));
      const m = /Credential should be scoped to correct service\. Local AgentCore serves (.+), not '([^']+)'\./.exec(text);
      assert.ok(m, text.slice(0, 300));
      assert.equal(m[2], name);
      assert.deepEqual(m[1]!.split(/, | and /).sort(), [...fromFiles.keys()].sort());
    }
  });
});
