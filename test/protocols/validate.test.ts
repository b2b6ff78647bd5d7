/**
 * The model-driven input validator: each constraint kind, the error family of each service, field
 * paths, and secrets never echoed. One case goes through the real control-plane SDK to show the
 * ValidationException arrives with its reason and fieldList.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BedrockAgentCoreControlClient, CreateApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { AwsError } from "../../lib/local/errors.js";
import { loadModel } from "../../lib/local/protocols/model.js";
import { restJson } from "../../lib/local/protocols/restjson.js";
import { compilePattern, validateInput } from "../../lib/local/protocols/validate.js";
import type { Shape } from "../../lib/local/service.js";
import { clientConfig, startWireServer, type WireServer } from "./wire.js";

const control = loadModel("bedrock-agentcore-control");
const ecr = loadModel("ecr");
const iam = loadModel("iam");
const s3 = loadModel("s3");

const artifact = { containerConfiguration: { containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:latest" } };
const runtime = (extra: Shape = {}): Shape => ({
  agentRuntimeName: "my_agent",
  agentRuntimeArtifact: artifact,
  roleArn: "arn:aws:iam::123456789012:role/agent-role",
  ...extra,
});

function failure(fn: () => void): AwsError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AwsError, `an AwsError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a validation error");
}

describe("validateInput (bedrock-agentcore models)", () => {
  it("accepts a valid input and ignores unknown members", () => {
    validateInput(control, "CreateAgentRuntime", runtime({ somethingNew: 1, networkConfiguration: { networkMode: "PUBLIC" } }));
  });

  it("required: Member must not be null, with reason and fieldList", () => {
    const err = failure(() => validateInput(control, "CreateAgentRuntime", { agentRuntimeName: "my_agent", agentRuntimeArtifact: artifact }));
    assert.equal(err.code, "ValidationException");
    assert.equal(err.status, 400);
    assert.equal(err.message, "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
    assert.deepEqual(err.fields, { reason: "FieldValidationFailed", fieldList: [{ name: "roleArn", message: "Member must not be null" }] });
  });

  it("length and pattern, several errors in one message", () => {
    const err = failure(() => validateInput(control, "CreateApiKeyCredentialProvider", { name: "x".repeat(129) }));
    assert.equal(err.message, `1 validation error detected: Value '${"x".repeat(129)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 128`);
    const two = failure(() => validateInput(control, "CreateAgentRuntime", runtime({ agentRuntimeName: "has-hyphen", description: "d".repeat(5000) })));
    assert.match(two.message, /^2 validation errors detected: /);
    assert.match(two.message, /Value 'has-hyphen' at 'agentRuntimeName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[a-zA-Z\]\[a-zA-Z0-9_\]\{0,47\}/);
    assert.match(two.message, /at 'description' failed to satisfy constraint: Member must have length less than or equal to 4096/);
    assert.deepEqual(
      (two.fields?.fieldList as { name: string }[]).map((f) => f.name),
      ["agentRuntimeName", "description"],
    );
  });

  it("enum, nested structure and nested list member paths", () => {
    const err = failure(() => validateInput(control, "CreateAgentRuntime", runtime({ networkConfiguration: { networkMode: "PRIVATE" } })));
    assert.equal(
      err.message,
      "1 validation error detected: Value 'PRIVATE' at 'networkConfiguration.networkMode' failed to satisfy constraint: Member must satisfy enum value set: [PUBLIC, VPC]",
    );
    const list = failure(() =>
      validateInput(control, "CreateAgentRuntime", runtime({ requestHeaderConfiguration: { requestHeaderAllowlist: ["X-Ok", "9bad"] } })),
    );
    assert.match(list.message, /Value '9bad' at 'requestHeaderConfiguration.requestHeaderAllowlist.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    const empty = failure(() => validateInput(control, "CreateAgentRuntime", runtime({ requestHeaderConfiguration: { requestHeaderAllowlist: [] } })));
    assert.match(empty.message, /at 'requestHeaderConfiguration.requestHeaderAllowlist' failed to satisfy constraint: Member must have length greater than or equal to 1/);
  });

  it("union: exactly one member", () => {
    const both = failure(() =>
      validateInput(control, "CreateAgentRuntime", runtime({ agentRuntimeArtifact: { ...artifact, codeConfiguration: { code: { s3: { bucket: "b", prefix: "p" } }, runtime: "NODE_22", entryPoint: ["a.js"] } } })),
    );
    assert.match(both.message, /at 'agentRuntimeArtifact' failed to satisfy constraint: Member must have exactly one member set/);
    const none = failure(() => validateInput(control, "CreateAgentRuntime", runtime({ agentRuntimeArtifact: {} })));
    assert.match(none.message, /at 'agentRuntimeArtifact' failed to satisfy constraint: Member must have exactly one member set/);
  });

  it("types: a string where an integer belongs, a structure where a string belongs", () => {
    const err = failure(() => validateInput(control, "CreateAgentRuntime", runtime({ lifecycleConfiguration: { idleRuntimeSessionTimeout: "soon" } })));
    assert.match(err.message, /Value 'soon' at 'lifecycleConfiguration.idleRuntimeSessionTimeout' failed to satisfy constraint: Member must be an integer/);
    const obj = failure(() => validateInput(control, "CreateApiKeyCredentialProvider", { name: { nested: true } }));
    assert.match(obj.message, /Value at 'name' failed to satisfy constraint: Member must be a string/);
    const range = failure(() => validateInput(control, "CreateAgentRuntime", runtime({ lifecycleConfiguration: { idleRuntimeSessionTimeout: 5 } })));
    assert.match(range.message, /Member must have value greater than or equal to 60/);
  });

  it("sensitive values are never echoed, nor anything inside a sensitive shape", () => {
    const secret = "sk-live-" + "s".repeat(70000);
    const err = failure(() => validateInput(control, "CreateApiKeyCredentialProvider", { name: "openai", apiKey: secret }));
    assert.equal(err.message, "1 validation error detected: Value at 'apiKey' failed to satisfy constraint: Member must have length less than or equal to 65536");
    assert.ok(!JSON.stringify(err.fields).includes("sk-live"));
    // environmentVariables is a sensitive map: its keys and values stay out of messages.
    const env = failure(() => validateInput(control, "CreateAgentRuntime", runtime({ environmentVariables: { "": "OPENAI_KEY=sk-123" } })));
    assert.ok(!env.message.includes("sk-123"), env.message);
    assert.match(env.message, /Value at 'environmentVariables.key' failed to satisfy constraint: Member must have length greater than or equal to 1/);
  });

  it("the SDK parses the ValidationException with reason and fieldList (through restJson)", async () => {
    const wire: WireServer = await startWireServer();
    const client = new BedrockAgentCoreControlClient(clientConfig(wire.endpoint));
    try {
      wire.respond = (req, res) => {
        const op = restJson.match(control, req)!;
        try {
          validateInput(control, op, restJson.parseInput(control, op, req));
          res.writeHead(500).end();
        } catch (err) {
          restJson.writeError(control, err as AwsError, "req-v", res);
        }
      };
      await assert.rejects(client.send(new CreateApiKeyCredentialProviderCommand({ name: "bad name", apiKey: "sk-secret-value" })), (err: Error & Record<string, unknown>) => {
        assert.equal(err.name, "ValidationException");
        assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 400);
        assert.equal(err.reason, "FieldValidationFailed");
        assert.deepEqual(err.fieldList, [{ name: "name", message: "Member must satisfy regular expression pattern: [a-zA-Z0-9\\-_]+" }]);
        assert.ok(!String(err.message).includes("sk-secret-value"));
        return true;
      });
    } finally {
      client.destroy();
      await wire.close();
    }
  });
});

describe("validateInput: other services' error families", () => {
  it("ECR answers InvalidParameterException", () => {
    const err = failure(() => validateInput(ecr, "CreateRepository", { repositoryName: "Upper/Case" }));
    assert.equal(err.code, "InvalidParameterException");
    assert.match(err.message, /^1 validation error detected: Value 'Upper\/Case' at 'repositoryName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    validateInput(ecr, "CreateRepository", { repositoryName: "agents/my-agent_1" });
  });

  it("IAM answers ValidationError with lower-camel paths, InvalidInput for a malformed path", () => {
    const err = failure(() => validateInput(iam, "TagRole", { RoleName: "r", Tags: [{ Key: "k" }] }));
    assert.equal(err.code, "ValidationError");
    assert.equal(err.message, "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null");
    const path = failure(() => validateInput(iam, "ListRoles", { PathPrefix: "noslash" }));
    assert.equal(path.code, "InvalidInput");
  });

  it("S3 answers InvalidArgument and InvalidBucketName", () => {
    const err = failure(() => validateInput(s3, "ListObjectsV2", { Bucket: "b", MaxKeys: "many" }));
    assert.equal(err.code, "InvalidArgument");
    const bucket = failure(() => validateInput(s3, "CreateBucket", { Bucket: "ab" }));
    assert.equal(bucket.code, "InvalidBucketName");
    validateInput(s3, "CreateBucket", { Bucket: "agentcore-code-123456789012" });
  });
});

describe("compilePattern (Java-style model regexes)", () => {
  it("anchors the whole value", () => {
    assert.equal(compilePattern("[0-9]{12}")!.test("123456789012"), true);
    assert.equal(compilePattern("[0-9]{12}")!.test("x123456789012"), false);
  });

  it("understands \\p{…} classes and drops escapes the u flag rejects", () => {
    const re = compilePattern("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*")!;
    assert.equal(re.test("Zürich 東京 1+1=2"), true);
    assert.equal(re.test("semi;colon"), false);
    assert.equal(compilePattern("[\\p{L}\\:]+")!.test("a:b"), true);
  });

  it("reads code points beyond the BMP as Java means them", () => {
    const re = compilePattern("[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+")!;
    assert.equal(re.test("emoji 😀 ok"), true);
    assert.equal(re.test("bell \u0007"), false);
  });

  it("treats a pattern JS cannot compile as absent", () => {
    assert.equal(compilePattern("(unclosed"), undefined);
  });
});
