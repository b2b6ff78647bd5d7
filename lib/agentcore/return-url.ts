/**
 * The app's OAuth2 return URL for user federation (3LO), served on 127.0.0.1: after the user signs
 * in and consents at the provider, AgentCore Identity sends their browser here with `session_id`,
 * and this handler finishes the flow with CompleteResourceTokenAuth for the signed-in user. Only
 * then is the user's token vaulted for the agent. The user is the one this app knows (a notebook
 * has one learner); a web app would take them from its own login session, never from the URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CompleteResourceTokenAuthCommand } from "@aws-sdk/client-bedrock-agentcore";
import { session as defaultSession } from "../session.js";
import type { LibOptions } from "./identity.js";

export const RETURN_PATH = "/oauth2/return";

export interface ReturnUrlOptions extends LibOptions {
  /** The user the flow is completed for: the same id the agent is invoked with (runtimeUserId). */
  userId: string;
  /** 0 (default) picks a free port; give a fixed one when the URL must stay the same across runs. */
  port?: number;
}

export interface ReturnUrlServer {
  /** The URL to allow on the workload identity and to pass as the agent's callback URL. */
  url: string;
  /** How many sessions this handler completed. */
  completed: number;
  close(): Promise<void>;
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${text}</p>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startReturnUrlServer(opts: ReturnUrlOptions): Promise<ReturnUrlServer> {
  const s = opts.session ?? (await defaultSession());
  let completed = 0;
  const reply = (res: ServerResponse, status: number, title: string, text: string) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(page(title, escapeHtml(text)));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || url.pathname !== RETURN_PATH) return reply(res, 404, "Not found", `This server only answers GET ${RETURN_PATH}.`);
    const error = url.searchParams.get("error");
    if (error) return reply(res, 400, "Access not granted", `The identity provider answered ${error}: invoke the agent again to get a new link.`);
    const sessionUri = url.searchParams.get("session_id");
    if (!sessionUri) return reply(res, 400, "Missing session_id", "Open the authorization link the agent gave you; it ends here with a session_id.");
    try {
      await s.clients.data.send(new CompleteResourceTokenAuthCommand({ sessionUri, userIdentifier: { userId: opts.userId } }));
    } catch (e) {
      // The service's message says why (expired session, another user's session, ...); never the URL's values.
      const name = (e as Error).name;
      return reply(res, 400, "Could not complete the sign-in", `${name}: ${(e as Error).message}`);
    }
    completed++;
    reply(res, 200, "Access granted", "You can close this tab and go back to the notebook: invoke the agent again.");
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, "Error", "The return-URL handler failed.");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${RETURN_PATH}`,
    get completed() {
      return completed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
