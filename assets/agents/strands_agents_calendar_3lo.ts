// An agent for AgentCore Runtime whose calendar tool calls a protected API on behalf of the user
// who invoked it, with the user's own OAuth2 token (authorization code, "3LO") obtained through
// AgentCore Identity: withAccessToken with authFlow "USER_FEDERATION". The first time, the user
// has not consented yet: the agent streams the authorization URL back and ends; after the user
// signed in and consented, the next invocation gets the user's token from the vault.
// The model's key comes from the vault too (withApiKey).
//
// Settings (environment, set at launch; no secrets):
//   OAUTH2_PROVIDER_NAME   the OAuth2 credential provider (CustomOauth2, authorization code)
//   CALENDAR_SCOPES        the scopes to ask the user for, space-separated (e.g. "calendar.read")
//   CALENDAR_API_URL       the calendar API's base URL
//   OAUTH2_RETURN_URL      the app's return URL (allowed on the workload identity)
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

// Thrown by onAuthUrl to end the tool call instead of letting the SDK poll (up to 10 minutes)
// while the user has not even seen the link yet.
class AuthorizationRequired extends Error {}

// The tools of one invocation. withAccessToken calls GetResourceOauth2Token (oauth2Flow
// USER_FEDERATION) with the workload access token the runtime minted for this invocation's user:
// the user's vaulted token when they consented before, else an authorization URL for onAuthUrl.
function calendarTools(onAuthUrl: (url: string) => void) {
  const listEvents = withAccessToken({
    providerName: required("OAUTH2_PROVIDER_NAME"),
    scopes: SCOPES,
    authFlow: "USER_FEDERATION",
    callbackUrl: required("OAUTH2_RETURN_URL"),
    onAuthUrl: (url: string) => {
      onAuthUrl(url);
      throw new AuthorizationRequired();
    },
  })(async (accessToken: string): Promise<string> => {
    const res = await fetch(EVENTS_URL, { headers: { authorization: "Bearer " + accessToken } });
    const answer = (await res.json().catch(() => ({}))) as { items?: CalendarEvent[]; error?: { message?: string } };
    // A refusal goes back to the model as text, so the agent can say why (never the token).
    if (!res.ok) return "The calendar API refused the call (HTTP " + res.status + "): " + (answer.error?.message ?? res.statusText);
    const items = answer.items ?? [];
    return items.length === 0 ? "The calendar has no events." : items.map((e) => "- " + e.summary).join("\n");
  });

  const listCalendarEvents = tool({
    name: "list_calendar_events",
    description: "List the events in the user's calendar",
    inputSchema: z.object({}),
    callback: async () => {
      try {
        return await listEvents();
      } catch (e) {
        if (!(e instanceof AuthorizationRequired)) throw e;
        return "The user has not authorized access to their calendar yet. They were sent a link to sign in and consent; ask them to open it, then to ask again.";
      }
    },
  });
  return [listCalendarEvents];
}

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
    // A streamed answer: the authorization URL (when the user must consent first), then the text.
    process: async function* (request) {
      if (!modelKey) await needModelKey();
      let authorizationUrl = "";
      // A new agent per invocation: each request is a conversation of its own, for its own user.
      const agent = new Agent({
        model: createModel(modelKey),
        tools: calendarTools((url) => (authorizationUrl = url)),
        systemPrompt: "You're a helpful assistant with access to the user's calendar. If a calendar call is refused or not authorized yet, say so and why.",
        printer: false,
      });
      const result = await agent.invoke(request.prompt);
      if (authorizationUrl) yield { authorizationUrl };
      yield { text: result.toString() };
    },
  },
});

app.run({ port: Number(process.env.PORT ?? 8080) });
