/** `GET /ping` on an agent instance: its health status, or undefined when it does not answer. */
import { request } from "node:http";

export type PingStatus = "Healthy" | "HealthyBusy" | string;

export function ping(port: number, timeoutMs = 2000): Promise<PingStatus | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/ping", method: "GET", agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        if (res.statusCode !== 200) return resolve(undefined);
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { status?: unknown };
          resolve(typeof body.status === "string" ? body.status : "Healthy");
        } catch {
          resolve("Healthy"); // a 200 without the JSON body still says the agent is up
        }
      });
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}
