/**
 * Mounts the built-in identity provider (`/_local/idp/*`, oidc-provider's own Node handler with the
 * mount path stripped as Express would), its admin routes and the calendar stand-in on the router.
 * The provider is built on first use because its issuer contains the port, known only after listen;
 * oidc-provider is imported then too (it prints a warning on Node 20 when loaded, which commands
 * that never serve the identity provider should not show).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { LocalServices } from "../service.js";
import type { RequestVerifier } from "../auth/verify-request.js";
import type { LocalRouteHandler } from "../http/router.js";
import { createDirectory, type Directory } from "./directory.js";
import { handleInteraction } from "./interactions.js";
import { createAccessTokenVerifier } from "./bearer.js";
import { createCalendarApi } from "./calendar-api.js";
import { idpAdminRoute } from "./admin-routes.js";
import { CALENDAR_PATH, calendarResource, IDP_PATH, idpIssuer } from "./paths.js";
import { IDP_ADMIN_PATH } from "../local-routes.js";

type AddRoute = (method: string, path: string, handler: LocalRouteHandler) => void;

export function registerIdpRoutes(addRoute: AddRoute, deps: { local: LocalServices; verify: RequestVerifier }) {
  const { local } = deps;
  let directory: Directory | undefined;
  let built: { endpoint: string; provider: Provider; callback: (req: IncomingMessage, res: ServerResponse) => void } | undefined;
  const dir = () => (directory ??= createDirectory(local));
  const provider = async () => {
    if (!built || built.endpoint !== local.endpoint) {
      const { createIdpProvider } = await import("./provider.js");
      const p = createIdpProvider({ endpoint: local.endpoint, directory: dir(), now: () => local.now().getTime() });
      // Its own event log would print client ids and errors to the console; ours names no secret.
      p.on("server_error", (_ctx, err) => local.log(`identity provider error: ${err.message}`));
      built = { endpoint: local.endpoint, provider: p, callback: p.callback() as never };
    }
    return built;
  };

  const idp: LocalRouteHandler = async (req, res, url) => {
    const { provider: p, callback } = await provider();
    if (url.subpath.startsWith("/interaction/")) return handleInteraction(p, dir(), req, res, url.subpath);
    const query = req.url?.includes("?") ? req.url.slice(req.url.indexOf("?")) : "";
    Object.assign(req, { originalUrl: req.url, url: (url.subpath || "/") + query });
    callback(req, res);
  };
  for (const method of ["GET", "POST", "OPTIONS", "DELETE"]) addRoute(method, `${IDP_PATH}/*`, idp);

  let verifier: { endpoint: string; verify: ReturnType<typeof createAccessTokenVerifier> } | undefined;
  const calendar = createCalendarApi({
    local,
    verify: (token) => {
      if (!verifier || verifier.endpoint !== local.endpoint) {
        const v = createAccessTokenVerifier({ issuer: idpIssuer(local.endpoint), audience: calendarResource(local.endpoint), keys: () => dir().signingKeys(), now: () => local.now().getTime() });
        verifier = { endpoint: local.endpoint, verify: v };
      }
      return verifier.verify(token);
    },
  });
  for (const method of ["GET", "POST"]) addRoute(method, `${CALENDAR_PATH}/*`, (req, res, url) => calendar(req, res, url.subpath));

  const admin = idpAdminRoute({ verify: deps.verify, directory: dir, endpoint: () => local.endpoint, log: (line) => local.log(line) });
  for (const method of ["GET", "POST", "DELETE"]) addRoute(method, `${IDP_ADMIN_PATH}/*`, admin);
}
