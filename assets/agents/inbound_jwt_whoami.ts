// An agent for AgentCore Runtime behind a JWT authorizer: it tells the caller who they are. The
// runtime has checked the caller's token (signature, issuer, expiry, allowed client) before the
// agent is called, and passes it on in the Authorization header because the runtime's
// requestHeaderAllowlist lists that header. The agent reads the token's claims, and never
// returns or logs the token itself.
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
import { z } from "zod";

interface CallerClaims {
  sub?: string;
  client_id?: string;
  scope?: string;
  exp?: number;
}

// The claims of the caller's JWT: its middle part, base64url-encoded JSON. No signature check
// here: the runtime refuses every token its authorizer does not accept before the agent runs.
function callerClaims(authorization: string | undefined): CallerClaims | undefined {
  const token = authorization?.replace(/^Bearer\s+/i, "");
  const payload = token?.split(".")[1];
  if (!payload) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as CallerClaims;
  } catch {
    return undefined;
  }
}

const app = new BedrockAgentCoreApp({
  invocationHandler: {
    requestSchema: z.object({ prompt: z.string() }),
    process: async (request, context) => {
      const claims = callerClaims(context.headers.authorization);
      if (!claims?.sub) {
        return "I cannot see who called: no bearer token reached me. Allowlist the Authorization header on the runtime (requestHeaderAllowlist).";
      }
      const expires = claims.exp ? new Date(claims.exp * 1000).toISOString() : "an unknown time";
      return (
        "You asked: " + JSON.stringify(request.prompt) + ". " +
        "You are the user " + claims.sub + ", signed in through the app client " + (claims.client_id ?? "(none named)") +
        " with the scopes " + JSON.stringify(claims.scope ?? "") + "; your token expires at " + expires + "."
      );
    },
  },
});

app.run({ port: Number(process.env.PORT ?? 8080) });
