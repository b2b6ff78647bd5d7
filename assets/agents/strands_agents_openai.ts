// A Strands agent on an OpenAI model, for local experimentation (the tutorial's first
// strands_agents_openai.py). Run it with: npx tsx strands_agents_openai.ts '{"prompt": "What is the weather now?"}'
//
// The model key comes from OPENAI_API_KEY. Offline, the notebook passes a key issued by Local
// AgentCore and OPENAI_BASE_URL pointing at its stand-in model; with a real OpenAI key and no
// OPENAI_BASE_URL the agent talks to OpenAI itself.
import { Agent, tool } from "@strands-agents/sdk";
import { OpenAIModel } from "@strands-agents/sdk/models/openai";
import { evaluate } from "mathjs";
import { z } from "zod";

// A calculator tool: mathjs parses and evaluates the expression (never eval).
const calculator = tool({
  name: "calculator",
  description: "Evaluate a mathematical expression, such as 2*2 or sqrt(16) + 3",
  inputSchema: z.object({ expression: z.string().describe("The expression to evaluate") }),
  callback: ({ expression }) => String(evaluate(expression)),
});

// A custom tool (dummy implementation).
const weather = tool({
  name: "weather",
  description: "Get weather",
  inputSchema: z.object({}),
  callback: () => "sunny",
});

const apiKey = process.env.OPENAI_API_KEY;
if (!apiKey) {
  console.error("Set OPENAI_API_KEY (or run this agent with runAgentLocally, which provides a Local AgentCore key offline).");
  process.exit(1);
}

const agent = new Agent({
  model: new OpenAIModel({
    api: "chat",
    modelId: process.env.OPENAI_MODEL_ID ?? "gpt-4.1-mini",
    apiKey,
    // The openai client reads OPENAI_BASE_URL itself; naming it here makes the choice visible.
    clientConfig: { baseURL: process.env.OPENAI_BASE_URL || undefined },
  }),
  tools: [calculator, weather],
  systemPrompt: "You're a helpful assistant. You can do simple math calculation, and tell the weather.",
  printer: false,
});

/** Invokes the agent with a payload and returns the answer text. */
async function strandsAgentOpenAI(payload: { prompt?: string }): Promise<string> {
  const result = await agent.invoke(payload.prompt ?? "");
  return result.toString();
}

const payload = JSON.parse(process.argv[2] ?? "{}") as { prompt?: string };
console.log(await strandsAgentOpenAI(payload));
