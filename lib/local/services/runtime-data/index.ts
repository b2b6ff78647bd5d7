/**
 * The AgentCore Runtime data plane (model `bedrock-agentcore`): `InvokeAgentRuntime`, which runs
 * the request through the runtime host's agent instance for the session, and
 * `StopRuntimeSession`, which ends that instance.
 */
import { AwsError } from "../../errors.js";
import type { OperationHandler, ServiceImpl } from "../../service.js";
import { runtimeHostFor } from "../../runtime-host/host.js";
import { InvokeAgentRuntime } from "./invoke.js";
import { resolveTarget } from "./target.js";

const StopRuntimeSession: OperationHandler = async (input, ctx) => {
  const target = resolveTarget(input, ctx, "bedrock-agentcore:StopRuntimeSession");
  const sessionId = String(input.runtimeSessionId);
  const host = runtimeHostFor(ctx.local);
  const stopped = host ? await host.pool.stopSession(target.runtime.agentRuntimeId, sessionId, "StopRuntimeSession") : false;
  if (!stopped) {
    throw new AwsError("ResourceNotFoundException", `Agent runtime ${target.runtime.agentRuntimeId} has no running session ${sessionId}.`, 404);
  }
  ctx.local.log(`[${ctx.requestId}] session ${sessionId} of runtime ${target.runtime.agentRuntimeId} stopped (StopRuntimeSession)`);
  return { runtimeSessionId: sessionId, statusCode: 200 };
};

export const runtimeData: ServiceImpl = {
  model: "bedrock-agentcore",
  operations: { InvokeAgentRuntime, StopRuntimeSession },
};
