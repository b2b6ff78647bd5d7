// A Strands agent on an OpenAI model, for local experimentation (the tutorial's first
// strands_agents_openai.py). Run it with: npx tsx strands_agents_openai.ts '{"prompt": "What is the weather now?"}'
//
// Model provider, chosen by OPENAI_PROVIDER (the key always comes from the environment here):
//   openai (default)  OpenAI itself, with OPENAI_API_KEY
//   azure             Azure OpenAI, with AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT,
//                     AZURE_OPENAI_API_VERSION and AZURE_OPENAI_DEPLOYMENT
//   local             Local AgentCore's stand-in model at OPENAI_BASE_URL, with OPENAI_API_KEY
import { Agent, tool } from "@strands-agents/sdk";
import { OpenAIModel } from "@strands-agents/sdk/models/openai";
import { AzureOpenAI } from "openai";
import { z } from "zod";

// A calculator tool: mathjs parses and evaluates the expression (never eval).
const calculator = tool({
  name: "calculator",
  description: "Evaluate a mathematical expression, such as 2*2 or sqrt(16) + 3",
  inputSchema: z.object({ expression: z.string().describe("The expression to evaluate") }),
  // mathjs takes most of a second to load: it is imported on the first calculation, not at every start.
  callback: async ({ expression }) => {
    const { evaluate } = await import("mathjs");
    return String(evaluate(expression));
  },
});

// A custom tool (dummy implementation).
const weather = tool({
  name: "weather",
  description: "Get weather",
  inputSchema: z.object({}),
  callback: () => "sunny",
});

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error("Set " + name + " (needed for OPENAI_PROVIDER=" + (process.env.OPENAI_PROVIDER ?? "openai") + ").");
    process.exit(1);
  }
  return value;
}

// The original's model settings: at most 32000 tokens per answer, temperature 0.7.
const params = { maxTokens: 32000, temperature: 0.7 };

function createModel(): OpenAIModel {
  const provider = process.env.OPENAI_PROVIDER ?? "openai";
  switch (provider) {
    case "openai":
      return new OpenAIModel({ api: "chat", modelId: "gpt-4.1-mini", apiKey: required("OPENAI_API_KEY"), ...params });
    case "azure": {
      const deployment = required("AZURE_OPENAI_DEPLOYMENT");
      const client = new AzureOpenAI({
        apiKey: required("AZURE_OPENAI_API_KEY"),
        endpoint: required("AZURE_OPENAI_ENDPOINT"),
        apiVersion: required("AZURE_OPENAI_API_VERSION"),
        deployment,
      });
      return new OpenAIModel({ api: "chat", modelId: deployment, client, ...params });
    }
    case "local":
      return new OpenAIModel({
        api: "chat",
        modelId: "local-standin",
        apiKey: required("OPENAI_API_KEY"),
        clientConfig: { baseURL: required("OPENAI_BASE_URL") },
        ...params,
      });
    default:
      console.error('OPENAI_PROVIDER must be openai, azure or local (got "' + provider + '").');
      process.exit(1);
  }
}

const agent = new Agent({
  model: createModel(),
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
