/** The baseline for the invoke benches: a plain POST to the agent instance's own `/invocations`. */
import { Agent, request, type IncomingMessage } from "node:http";

export const keepAliveAgent = () => new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs a JSON payload to 127.0.0.1:<port>/invocations; resolves with the response head. */
export function postInvocation(agent: Agent, port: number, payload: unknown, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/invocations",
        agent,
        headers: { "content-type": "application/json", accept: "application/json", "content-length": String(body.length), ...headers },
      },
      resolve,
    );
    req.once("error", reject);
    req.end(body);
  });
}

export async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (res.statusCode !== 200) throw new Error(`the agent answered ${res.statusCode}: ${text.slice(0, 200)}`);
  return text;
}
