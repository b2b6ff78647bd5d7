/**
 * What the runtime control plane tests share: a Local AgentCore with an execution role and a code
 * bundle, and polling until a runtime or endpoint leaves its transitional status.
 */
import {
  GetAgentRuntimeCommand,
  GetAgentRuntimeEndpointCommand,
  type BedrockAgentCoreControlClient,
  type GetAgentRuntimeCommandOutput,
  type GetAgentRuntimeEndpointCommandOutput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import type { S3BucketRecord, S3ObjectRecord } from "../../lib/local/state/records.js";
import type { TestLocal } from "../helpers/local.js";

export type { TestLocal };

const TRANSITIONAL = new Set(["CREATING", "UPDATING", "DELETING"]);

/** The trust policy the tutorial's execution role has (starter toolkit template). */
export function agentCoreTrustPolicy(accountId: string, region: string, service = "bedrock-agentcore.amazonaws.com"): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:${region}:${accountId}:*` },
        },
      },
    ],
  });
}

export async function createRole(local: TestLocal, roleName: string, trustPolicy?: string): Promise<string> {
  const out = await local.clients.iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: trustPolicy ?? agentCoreTrustPolicy(local.accountId, local.region),
    }),
  );
  return out.Role!.Arn!;
}

/**
 * Puts a code bundle object. Local S3 has not landed yet, so the test writes the `s3-bucket` and
 * `s3-object` records straight into the store (the control plane only checks the record exists);
 * switch to the real S3 client (CreateBucket + PutObject) once the S3 service is in.
 */
export function putCodeBundle(local: TestLocal, bucket: string, key: string): void {
  const store = local.server.services.store;
  const now = new Date().toISOString();
  store.put<S3BucketRecord>("s3-bucket", bucket, { Name: bucket, Region: local.region, CreationDate: now });
  store.put<S3ObjectRecord>("s3-object", `${bucket}/${key}`, {
    Bucket: bucket,
    Key: key,
    Size: 4,
    ETag: '"00000000000000000000000000000000"',
    ContentType: "application/zip",
    LastModified: now,
    Metadata: {},
    file: `s3/${bucket}/${key}`,
  });
}

export const codeArtifact = (bucket: string, key: string) => ({
  codeConfiguration: { code: { s3: { bucket, prefix: key } }, runtime: "NODE_22" as const, entryPoint: ["main.js"] },
});

/** Polls until `read` returns a value `done` accepts (bounded so a broken transition fails the test). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function settledRuntime(control: BedrockAgentCoreControlClient, agentRuntimeId: string): Promise<GetAgentRuntimeCommandOutput> {
  return eventually(
    () => control.send(new GetAgentRuntimeCommand({ agentRuntimeId })),
    (r) => !TRANSITIONAL.has(r.status!),
    `runtime ${agentRuntimeId} to settle`,
  );
}

export function settledEndpoint(
  control: BedrockAgentCoreControlClient,
  agentRuntimeId: string,
  endpointName: string,
): Promise<GetAgentRuntimeEndpointCommandOutput> {
  return eventually(
    () => control.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId, endpointName })),
    (r) => !TRANSITIONAL.has(r.status!),
    `endpoint ${endpointName} of ${agentRuntimeId} to settle`,
  );
}

/** Resolves with the error `send` rejects with (fails when it succeeds). */
export async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; reason?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** Polls until the call fails with ResourceNotFoundException (the resource is gone). */
export async function gone(call: () => Promise<unknown>, what: string): Promise<void> {
  await eventually(
    async () => {
      try {
        await call();
        return "present";
      } catch (e) {
        if ((e as Error).name === "ResourceNotFoundException") return "gone";
        throw e;
      }
    },
    (v) => v === "gone",
    `${what} to be deleted`,
  );
}
