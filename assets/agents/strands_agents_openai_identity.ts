// The agent for AgentCore Runtime (the tutorial's second strands_agents_openai.py): the same Strands
// agent, served by BedrockAgentCoreApp, with its model key fetched from AgentCore Identity's token
// vault (withApiKey) instead of an environment variable.
//
// Model provider, chosen by OPENAI_PROVIDER:
//   openai (default)  OpenAI itself (gpt-4.1-mini)
//   azure             Azure OpenAI: AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_VERSION, AZURE_OPENAI_DEPLOYMENT
//   local             Local AgentCore's stand-in model at OPENAI_BASE_URL (default <AWS_ENDPOINT_URL>/_local/openai/v1)
// In every case the key comes from the vault, never from the environment.
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
import { withApiKey } from "bedrock-agentcore/identity";
import { Agent, tool } from "@strands-agents/sdk";
import { OpenAIModel } from "@strands-agents/sdk/models/openai";
import { AzureOpenAI } from "openai";
import { z } from "zod";

const PROVIDER_NAME = process.env.API_KEY_PROVIDER_NAME ?? "openai-apikey-provider"; // your credential provider's name

let apiKeyFromVault = "";

// withApiKey calls GetResourceApiKey with the workload access token of the current invocation
// and passes the key as the last argument.
const needApiKey = withApiKey({ providerName: PROVIDER_NAME })(async (apiKey: string) => {
  apiKeyFromVault = apiKey;
});

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
  if (!value) throw new Error(name + " is not set (needed for OPENAI_PROVIDER=" + process.env.OPENAI_PROVIDER + ")");
  return value;
}

// The original's model settings: at most 32000 tokens per answer, temperature 0.7.
const params = { maxTokens: 32000, temperature: 0.7 };

function createModel(apiKey: string): OpenAIModel {
  const provider = process.env.OPENAI_PROVIDER ?? "openai";
  switch (provider) {
    case "openai":
      return new OpenAIModel({ api: "chat", modelId: "gpt-4.1-mini", apiKey, ...params });
    case "azure": {
      const deployment = required("AZURE_OPENAI_DEPLOYMENT");
      const client = new AzureOpenAI({
        apiKey,
        endpoint: required("AZURE_OPENAI_ENDPOINT"),
        apiVersion: required("AZURE_OPENAI_API_VERSION"),
        deployment,
      });
      return new OpenAIModel({ api: "chat", modelId: deployment, client, ...params });
    }
    case "local": {
      const endpoint = process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE ?? process.env.AWS_ENDPOINT_URL;
      const baseURL = process.env.OPENAI_BASE_URL ?? (endpoint ? new URL("/_local/openai/v1", endpoint).href : undefined);
      if (!baseURL) throw new Error("OPENAI_PROVIDER=local needs OPENAI_BASE_URL (Local AgentCore's <endpoint>/_local/openai/v1)");
      return new OpenAIModel({ api: "chat", modelId: "local-standin", apiKey, clientConfig: { baseURL }, ...params });
    }
    default:
      throw new Error('OPENAI_PROVIDER must be openai, azure or local (got "' + provider + '")');
  }
}

let agent: Agent | undefined;

const app = new BedrockAgentCoreApp({
  invocationHandler: {
    requestSchema: z.object({ prompt: z.string() }),
    process: async (request) => {
      // Fetch the key once, on the first invocation (it needs that invocation's workload access token).
      if (!apiKeyFromVault) {
        await needApiKey();
        console.log("API key retrieved from the token vault");
      }
      // Build the agent only once the key is there.
      agent ??= new Agent({
        model: createModel(apiKeyFromVault),
        tools: [calculator, weather],
        systemPrompt: "You're a helpful assistant. You can do simple math calculation, and tell the weather.",
        printer: false,
      });
      const result = await agent.invoke(request.prompt);
      return result.toString();
    },
  },
});

app.run({ port: Number(process.env.PORT ?? 8080) });
