/**
 * The AgentCore Runtime data plane (model `bedrock-agentcore`), served by the runtime host it is
 * created with: `InvokeAgentRuntime`, which runs the request through the session's agent instance,
 * and `StopRuntimeSession`, which ends that instance.
 */
import { AwsError } from "../../errors.js";
import type { OperationHandler, ServiceImpl } from "../../service.js";
import type { RuntimeHost } from "../../runtime-host/host.js";
import { invokeAgentRuntime } from "./invoke.js";
import { resolveTarget } from "./target.js";

function stopRuntimeSession(host: RuntimeHost): OperationHandler {
  return async (input, ctx) => {
    const target = resolveTarget(input, ctx, "bedrock-agentcore:StopRuntimeSession");
    const sessionId = String(input.runtimeSessionId);
    if (!(await host.stopSession(target.runtime.agentRuntimeId, sessionId, "StopRuntimeSession"))) {
      throw new AwsError("ResourceNotFoundException", `Agent runtime ${target.runtime.agentRuntimeId} has no running session ${sessionId}.`, 404);
    }
    ctx.local.log(`[${ctx.requestId}] session ${sessionId} of runtime ${target.runtime.agentRuntimeId} stopped (StopRuntimeSession)`);
    return { runtimeSessionId: sessionId, statusCode: 200 };
  };
}

export function createRuntimeData(host: RuntimeHost): ServiceImpl {
  return {
    model: "bedrock-agentcore",
    operations: { InvokeAgentRuntime: invokeAgentRuntime(host), StopRuntimeSession: stopRuntimeSession(host) },
  };
}
