/**
 * The execution role's temporary credentials for one agent instance, served the way ECS/AgentCore
 * containers get theirs: the agent's SDK reads `AWS_CONTAINER_CREDENTIALS_FULL_URI`
 * (`<endpoint>/_local/role-credentials/<instance id>`) with `AWS_CONTAINER_AUTHORIZATION_TOKEN` as
 * its Authorization header. Only that instance's token gets an answer. Credentials come from
 * assuming the role as `bedrock-agentcore.amazonaws.com` (trust policy, `aws:SourceAccount`,
 * `aws:SourceArn`) and are renewed by assuming it again before they expire.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RoleSessionCredentials } from "../service.js";
import type { ExecutionRoleRequest, RoleCredentialIssuer } from "./ports.js";
import type { Redactor } from "./redact.js";

/** Renew when less than this is left (the SDK itself refreshes 5 minutes before expiry). */
const RENEW_BEFORE_MS = 10 * 60 * 1000;
const DURATION_SECONDS = 3600;

export class RoleCredentials {
  /** The secret the instance presents (`AWS_CONTAINER_AUTHORIZATION_TOKEN`). */
  readonly authorizationToken = randomBytes(32).toString("base64url");
  private current?: RoleSessionCredentials;

  constructor(
    private readonly assume: RoleCredentialIssuer,
    private readonly role: Omit<ExecutionRoleRequest, "durationSeconds">,
    private readonly now: () => Date,
    private readonly redactor: Redactor,
  ) {
    redactor.add(this.authorizationToken);
  }

  /** Valid credentials, assuming the role again when they are close to expiry. Throws AwsError (AccessDenied) with the reason. */
  get(): RoleSessionCredentials {
    const now = this.now().getTime();
    if (!this.current || this.current.expiration.getTime() - now < RENEW_BEFORE_MS) {
      this.current = this.assume({ ...this.role, durationSeconds: DURATION_SECONDS });
      this.redactor.add(this.current.secretAccessKey, this.current.sessionToken);
    }
    return this.current;
  }

  accepts(authorization: string | undefined): boolean {
    if (!authorization) return false;
    const a = Buffer.from(authorization);
    const b = Buffer.from(this.authorizationToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** `GET /_local/role-credentials/<instance id>`: the instance's credentials, for its token only. */
export function roleCredentialsRoute(find: (instanceId: string) => RoleCredentials | undefined, log: (line: string) => void) {
  return (req: IncomingMessage, res: ServerResponse, url: { subpath: string }) => {
    const instanceId = url.subpath.replace(/^\//, "");
    const source = find(instanceId);
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store" });
      res.end(text);
    };
    const auth = req.headers.authorization;
    if (!source || !source.accepts(typeof auth === "string" ? auth : undefined)) {
      log(`role credentials refused for ${instanceId ? `instance ${instanceId}` : "a request without an instance id"}: ${source ? "wrong authorization token" : "no such instance"}`);
      return send(403, { code: "AccessDenied", message: "These credentials belong to another agent instance (or the instance has stopped)." });
    }
    let creds: RoleSessionCredentials;
    try {
      creds = source.get();
    } catch (e) {
      log(`role credentials for instance ${instanceId}: ${(e as Error).message}`);
      return send(403, { code: "AccessDenied", message: (e as Error).message });
    }
    send(200, {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      Token: creds.sessionToken,
      Expiration: creds.expiration.toISOString(),
    });
  };
}
