/**
 * Local AgentCore's HTTP server: one listener (127.0.0.1), the state folder's store and account,
 * the shared services (credentials, authorizer, vault), the runtime host (given what it needs from
 * the services: the bundle opener, execution-role credentials, vaulted secrets) and the router.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Store } from "../state/store.js";
import { loadOrCreateAccount } from "../state/account.js";
import { createCredentialIssuer } from "../auth/credentials.js";
import { createAuthorizer, accessDeniedMessage } from "../auth/authorizer.js";
import { createVault } from "../state/vault.js";
import { createRouter, type LocalRouteHandler } from "./router.js";
import { awsQuery } from "../protocols/awsquery.js";
import { restXml } from "../protocols/restxml.js";
import { validateInput } from "../protocols/validate.js";
import { createServices } from "../services/index.js";
import { openObject } from "../services/s3/index.js";
import { assumeRoleAsService } from "../services/sts/index.js";
import { vaultedSecretDigests, vaultedSecrets } from "../services/identity/index.js";
import { moveIdentityRowsToRegionalKeys } from "../services/identity/regional-keys.js";
import { createRuntimeHost, type RuntimeHost } from "../runtime-host/host.js";
import { handleStandinModel } from "../standin-model/openai-route.js";
import { isIssuedModelKey } from "../standin-model/keys.js";
import { createRequestVerifier } from "../auth/verify-request.js";
import { vaultDigestsRoute } from "./admin-routes.js";
import { registerIdpRoutes } from "../idp/routes.js";
import { userFederationRoutes } from "../services/identity-data/oauth2-browser-routes.js";
import { digestsOf, issuedSecrets } from "../services/identity-data/issued-secrets.js";
import { cachedWhileUnchanged } from "../state/change-version.js";
import { HEALTH_PATH, STANDIN_MODEL_PATH, VAULT_DIGESTS_PATH } from "../local-routes.js";
import type { LocalServices, ServiceImpl, Vault } from "../service.js";
import { DEFAULT_PORT, DEFAULT_REGION, LOCAL_VERSION } from "../defaults.js";
import { PortInUseError } from "../port-in-use.js";

export interface LocalServerOptions {
  stateDir: string;
  /** 0 picks a free port. Default 4599. */
  port?: number;
  host?: string;
  region?: string;
  log?: (line: string) => void;
  /**
   * The operation handlers (default: every Local AgentCore service, `createServices`); tests may
   * add their own. A function is given this server's runtime host, to build the data plane with.
   */
  services?: ServiceImpl[] | ((host: RuntimeHost) => ServiceImpl[]);
  /** Wraps the token vault (tests inject a failing write to prove each write shares its request's transaction). */
  vault?: (vault: Vault) => Vault;
}

export interface LocalServer {
  endpoint: string;
  port: number;
  accountId: string;
  region: string;
  admin: { accessKeyId: string; secretAccessKey: string };
  services: LocalServices;
  /** The agent instances behind InvokeAgentRuntime (diagnostics, tests). */
  runtimeHost: RuntimeHost;
  addLocalRoute(method: string, path: string, handler: LocalRouteHandler): void;
  /** An unsigned GET route on an AWS path (see Router.addBrowserRoute). */
  addBrowserRoute(path: string, handler: LocalRouteHandler): void;
  close(): Promise<void>;
}

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? "127.0.0.1";
  const region = opts.region ?? DEFAULT_REGION;
  const store = new Store(opts.stateDir);
  let startedHost: RuntimeHost | undefined; // stopped again if the server cannot start
  try {
    for (const change of store.tightened) log(`state folder made private: ${change}`);
    const account = loadOrCreateAccount(store);
    moveIdentityRowsToRegionalKeys(store, { region, accountId: account.accountId }, log);
    // Credentials read the clock through `services.now` so tests can move time (expiry).
    const credentials = createCredentialIssuer(store, account.accountId, () => services.now());

    const services: LocalServices = {
      store,
      stateDir: opts.stateDir,
      accountId: account.accountId,
      region,
      endpoint: "", // set once the port is known
      credentials,
      authorizer: createAuthorizer(store),
      vault: (opts.vault ?? ((v: Vault) => v))(createVault(store, opts.stateDir)),
      log,
      now: () => new Date(),
    };

    // Agent instances (InvokeAgentRuntime); stopped before the listener closes. They read the
    // endpoint, clock and log through `services`, which tests may replace or move.
    const runtimeHost = createRuntimeHost({
      stateDir: opts.stateDir,
      endpoint: () => services.endpoint,
      log: (line) => services.log(line),
      now: () => services.now(),
      openBundle: ({ bucket, key }) => openObject(services, bucket, key),
      assumeExecutionRole: (request) => assumeRoleAsService(services, request),
      // Asked on every invoke (new secrets reach a running agent's log redactor): read and decrypt
      // again only when the store changed since the last answer.
      vaultedSecrets: cachedWhileUnchanged(store, () => [...vaultedSecrets(services), ...issuedSecrets(services)]),
    });
    startedHost = runtimeHost;
    const handlers = opts.services ?? ((host: RuntimeHost) => createServices({ host }));

    const served = typeof handlers === "function" ? handlers(runtimeHost) : handlers;
    const router = createRouter({
      local: services,
      services: served,
      protocols: { query: awsQuery, restXml },
      validate: validateInput,
      deniedMessage: accessDeniedMessage,
    });
    router.addLocalRoute("GET", HEALTH_PATH, (_req, res) => {
      // What `npm run local -- status` lists: each service (by model) and the runtime host.
      const body = JSON.stringify({
        status: "ok",
        accountId: account.accountId,
        version: LOCAL_VERSION,
        region,
        services: servedModels(served),
        runtimeHost: { instances: runtimeHost.instances().length },
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
      res.end(body);
    });

    // The OpenAI-compatible stand-in model for offline runs (accepts only keys Local AgentCore issued).
    const standinModel: LocalRouteHandler = async (req, res, url) => {
      const handled = await handleStandinModel(req, res, url.subpath, {
        isIssuedKey: (k) => isIssuedModelKey(store, k),
        log: (line) => services.log(line), // through services.log, which callers may replace
      });
      if (!handled) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `No stand-in model route ${req.method} ${url.path}`, type: "invalid_request_error", param: null, code: null } }));
      }
    };
    router.addLocalRoute("POST", `${STANDIN_MODEL_PATH}/*`, standinModel);
    router.addLocalRoute("GET", `${STANDIN_MODEL_PATH}/*`, standinModel);
    // The role-credentials route the agent instances call.
    runtimeHost.registerRoutes(router.addLocalRoute);
    // For the notebook runner's secret-leak guard (admin only; digests, never values).
    const verify = createRequestVerifier({ credentials, now: () => services.now() });
    router.addLocalRoute("GET", VAULT_DIGESTS_PATH, vaultDigestsRoute({ verify, digests: () => [...vaultedSecretDigests(services), ...digestsOf(issuedSecrets(services))] }));
    // The built-in identity provider, its admin routes and the calendar stand-in it issues tokens for.
    registerIdpRoutes(router.addLocalRoute, { local: services, verify });
    // User federation's authorize and callback URLs: AWS paths a browser visits unsigned.
    for (const r of userFederationRoutes(services, () => randomUUID())) router.addBrowserRoute(r.path, r.handler);

    // Idle connections are kept about as long as AWS endpoints keep them: the SDK reuses sockets
    // whenever its next call comes, and a socket closed under a request is an ECONNRESET.
    const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 70_000 }, (req, res) => router.handle(req, res));
    server.on("clientError", (err, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
      services.log(`client error: ${(err as Error).message}`);
    });
    await listen(server, opts.port ?? DEFAULT_PORT, host);
    const port = (server.address() as AddressInfo).port;
    const endpoint = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
    services.endpoint = endpoint;
    log(`Local AgentCore ${LOCAL_VERSION} listening on ${endpoint} (account ${account.accountId}, state ${opts.stateDir})`);

    let closed: Promise<void> | undefined;
    return {
      endpoint,
      port,
      accountId: account.accountId,
      region,
      admin: credentials.admin,
      services,
      runtimeHost,
      addLocalRoute: router.addLocalRoute,
      addBrowserRoute: router.addBrowserRoute,
      close() {
        closed ??= runtimeHost.stop().then(() => new Promise<void>((resolve) => {
          server.close(() => {
            store.close();
            resolve();
          });
          server.closeAllConnections();
        }));
        return closed;
      },
    };
  } catch (e) {
    await startedHost?.stop();
    store.close();
    throw e;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? new PortInUseError(port) : e);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** One entry per AWS service model (several implementations may share one, e.g. identity and runtime control). */
function servedModels(served: ServiceImpl[]): { model: string; operations: number }[] {
  const counts = new Map<string, number>();
  for (const s of served) counts.set(s.model, (counts.get(s.model) ?? 0) + Object.keys(s.operations).length);
  return [...counts].map(([model, operations]) => ({ model, operations }));
}
