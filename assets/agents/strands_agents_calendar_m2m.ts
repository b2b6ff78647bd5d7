// An agent for AgentCore Runtime whose calendar tools call a protected API with an OAuth2 token
// obtained machine to machine (client credentials) through AgentCore Identity: withAccessToken
// with authFlow "M2M". The model's key comes from the vault too (withApiKey).
//
// Settings (environment, set at launch; no secrets):
//   OAUTH2_PROVIDER_NAME   the OAuth2 credential provider (CustomOauth2)
//   CALENDAR_SCOPES        the scopes to ask for, space-separated (e.g. "calendar.read")
//   CALENDAR_API_URL       the calendar API's base URL
//   API_KEY_PROVIDER_NAME  the API-key credential provider with the model's key
//   OPENAI_PROVIDER        openai (default), azure (AZURE_OPENAI_* settings) or local (the stand-in model)
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
import { withAccessToken, withApiKey } from "bedrock-agentcore/identity";
import { Agent, tool } from "@strands-agents/sdk";
import { OpenAIModel } from "@strands-agents/sdk/models/openai";
import { AzureOpenAI } from "openai";
import { z } from "zod";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(name + " is not set: give it to the agent at launch");
  return value;
}

const EVENTS_URL = required("CALENDAR_API_URL").replace(/\/+$/, "") + "/v3/calendars/primary/events";
const SCOPES = (process.env.CALENDAR_SCOPES ?? "calendar.read").split(" ").filter((scope) => scope.length > 0);

interface CalendarEvent {
  summary: string;
}

// withAccessToken calls GetResourceOauth2Token (oauth2Flow M2M) with the workload access token of
// the current invocation and passes the access token as the last argument.
const callCalendar = withAccessToken({ providerName: required("OAUTH2_PROVIDER_NAME"), scopes: SCOPES, authFlow: "M2M" })(
  async (method: "GET" | "POST", event: CalendarEvent | null, accessToken: string): Promise<string> => {
    const res = await fetch(EVENTS_URL, {
      method,
      headers: { authorization: "Bearer " + accessToken, ...(event ? { "content-type": "application/json" } : {}) },
      body: event ? JSON.stringify(event) : undefined,
    });
    const answer = (await res.json().catch(() => ({}))) as { items?: CalendarEvent[]; summary?: string; error?: { message?: string } };
    // A refusal goes back to the model as text, so the agent can say why (never the token).
    if (!res.ok) return "The calendar API refused the call (HTTP " + res.status + "): " + (answer.error?.message ?? res.statusText);
    if (method === "POST") return "Added the event " + JSON.stringify(answer.summary) + ".";
    const items = answer.items ?? [];
    return items.length === 0 ? "The calendar has no events." : items.map((e) => "- " + e.summary).join("\n");
  },
);

const listCalendarEvents = tool({
  name: "list_calendar_events",
  description: "List the events in the user's calendar",
  inputSchema: z.object({}),
  callback: () => callCalendar("GET", null),
});

const addCalendarEvent = tool({
  name: "add_calendar_event",
  description: "Add an event to the user's calendar",
  inputSchema: z.object({ summary: z.string().describe("The event's title") }),
  callback: ({ summary }) => callCalendar("POST", { summary }),
});

let modelKey = "";
const needModelKey = withApiKey({ providerName: required("API_KEY_PROVIDER_NAME") })(async (apiKey: string) => {
  modelKey = apiKey;
});

function createModel(apiKey: string): OpenAIModel {
  const params = { maxTokens: 32000, temperature: 0.7 };
  const provider = process.env.OPENAI_PROVIDER ?? "openai";
  switch (provider) {
    case "openai":
      return new OpenAIModel({ api: "chat", modelId: "gpt-4.1-mini", apiKey, ...params });
    case "azure": {
      const deployment = required("AZURE_OPENAI_DEPLOYMENT");
      const client = new AzureOpenAI({ apiKey, endpoint: required("AZURE_OPENAI_ENDPOINT"), apiVersion: required("AZURE_OPENAI_API_VERSION"), deployment });
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

const app = new BedrockAgentCoreApp({
  invocationHandler: {
    requestSchema: z.object({ prompt: z.string() }),
    process: async (request) => {
      if (!modelKey) await needModelKey();
      // A new agent per invocation: each request is a conversation of its own.
      const agent = new Agent({
        model: createModel(modelKey),
        tools: [listCalendarEvents, addCalendarEvent],
        systemPrompt: "You're a helpful assistant with access to the user's calendar. If a calendar call is refused, say so and why.",
        printer: false,
      });
      const result = await agent.invoke(request.prompt);
      return result.toString();
    },
  },
});

app.run({ port: Number(process.env.PORT ?? 8080) });
