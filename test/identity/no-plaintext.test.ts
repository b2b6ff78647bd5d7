/**
 * No plaintext secret at rest or in logs: providers are written with distinctive secrets, then every
 * byte of the state folder (state.db, its WAL, the key file, anything else) and every log line is
 * searched for them, while the server runs (WAL not yet checkpointed) and after it stops.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateApiKeyCredentialProviderCommand,
  CreateOauth2CredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
  UpdateApiKeyCredentialProviderCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { startLocalServer, type LocalServer } from "../../lib/local/http/server.js";
import { getApiKeyForProvider } from "../../lib/local/services/identity/index.js";
import { makeClients, type TestClients } from "../helpers/local.js";
import { rejects } from "./expect.js";

const API_KEY = "sk-PLAINTEXT-CANARY-7f3a9c1e5b2d4680";
const ROTATED_KEY = "sk-ROTATED-CANARY-0d9e8f7a6b5c4d3e";
const CLIENT_SECRET = "oauth-CLIENT-SECRET-CANARY-a1b2c3d4e5";
const CANARIES = [API_KEY, ROTATED_KEY, CLIENT_SECRET];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function assertNoCanaryIn(dir: string, logLines: string[]): void {
  const files = filesUnder(dir);
  assert.ok(files.some((f) => f.endsWith("state.db")), "the state database exists");
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const canary of CANARIES) {
      for (const encoding of ["utf8", "utf16le"] as const) {
        assert.equal(bytes.indexOf(Buffer.from(canary, encoding)), -1, `${canary} (${encoding}) found in ${file}`);
      }
      assert.equal(bytes.indexOf(Buffer.from(Buffer.from(canary).toString("base64"))), -1, `${canary} (base64) found in ${file}`);
    }
  }
  // The search itself works: the provider's name (not a secret) is found in plain bytes.
  assert.ok(files.some((f) => readFileSync(f).includes("canary-oauth")), "the search sees the stored records");
  for (const canary of CANARIES) assert.ok(!logLines.some((l) => l.includes(canary)), `${canary} found in the log`);
}

describe("no plaintext secret in the state folder or the log", () => {
  let dir: string;
  let server: LocalServer;
  let clients: TestClients;
  const log: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "identity-plaintext-"));
    server = await startLocalServer({ stateDir: dir, port: 0, log: (line) => log.push(line) });
    clients = makeClients(server.endpoint, server.region, server.admin);
  });
  after(async () => {
    clients.control.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps API keys and client secrets encrypted, through create, update, errors and restart", async () => {
    const { control } = clients;
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: "canary", apiKey: API_KEY }));
    await control.send(
      new CreateOauth2CredentialProviderCommand({
        name: "canary-oauth",
        credentialProviderVendor: "GoogleOauth2",
        oauth2ProviderConfigInput: { googleOauth2ProviderConfig: { clientId: "client", clientSecret: CLIENT_SECRET } },
      }),
    );
    // Errors carrying a secret in their request must not echo it either.
    const conflict = await rejects(
      () => control.send(new CreateApiKeyCredentialProviderCommand({ name: "canary", apiKey: API_KEY })),
      "ConflictException",
      409,
    );
    assert.ok(!conflict.message.includes(API_KEY));
    const invalid = await rejects(
      () => control.send(new CreateApiKeyCredentialProviderCommand({ name: "bad name", apiKey: ROTATED_KEY })),
      "ValidationException",
      400,
    );
    assert.ok(!invalid.message.includes(ROTATED_KEY));
    const get = await control.send(new GetApiKeyCredentialProviderCommand({ name: "canary" }));
    assert.ok(!JSON.stringify(get).includes(API_KEY));

    // While running: the new rows are still in state.db-wal.
    assert.ok(filesUnder(dir).some((f) => f.endsWith("state.db-wal")), "the WAL file is there to be searched");
    assertNoCanaryIn(dir, log);

    await control.send(new UpdateApiKeyCredentialProviderCommand({ name: "canary", apiKey: ROTATED_KEY }));
    assertNoCanaryIn(dir, log);

    // After a restart the vault still decrypts with the same master key file.
    await server.close();
    assertNoCanaryIn(dir, log);
    server = await startLocalServer({ stateDir: dir, port: 0, log: (line) => log.push(line) });
    clients.control.destroy();
    clients = makeClients(server.endpoint, server.region, server.admin);
    assert.equal(getApiKeyForProvider(server.services, server.services, "canary").apiKey, ROTATED_KEY);
    const again = await clients.control.send(new GetApiKeyCredentialProviderCommand({ name: "canary" }));
    assert.equal(again.name, "canary");
    assertNoCanaryIn(dir, log);
    assert.equal(statSync(join(dir, "master.key")).mode & 0o777, 0o600);
  });
});
