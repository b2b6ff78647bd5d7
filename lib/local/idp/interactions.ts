/**
 * The identity provider's login and consent pages (plain HTML forms). oidc-provider binds each
 * interaction to a cookie set on the browser that started it, so a form posted from elsewhere finds
 * no interaction. Consent grants exactly what the client asked for and the user saw.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { Directory } from "./directory.js";
import { escapeHtml, page, PAGE_HEADERS } from "./html.js";
import { IDP_PATH } from "./paths.js";

const FORM_LIMIT = 16 * 1024;

/** The posted form, or undefined when it is larger than any form of ours (the rest is drained). */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size <= FORM_LIMIT) chunks.push(c);
  }
  return size > FORM_LIMIT ? undefined : new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

const tooLarge = () => page("Form too large", "<p>That form is larger than this page sends. Start again from the application.</p>");

function send(res: ServerResponse, status: number, html: string) {
  res.writeHead(status, { ...PAGE_HEADERS, "content-length": String(Buffer.byteLength(html)) });
  res.end(html);
}

function loginPage(uid: string, clientId: string, error?: string): string {
  return page(
    "Sign in to Local AgentCore's identity provider",
    `<p>Application <strong>${escapeHtml(clientId)}</strong> asks you to sign in.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="${IDP_PATH}/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>`,
  );
}

function consentPage(uid: string, clientId: string, scopes: string[]): string {
  return page(
    "Allow access?",
    `<p>Application <strong>${escapeHtml(clientId)}</strong> asks for:</p>
<ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>
<form method="post" action="${IDP_PATH}/interaction/${escapeHtml(uid)}/confirm"><button type="submit" name="decision" value="allow">Allow</button></form>
<form method="post" action="${IDP_PATH}/interaction/${escapeHtml(uid)}/abort"><button type="submit">Deny</button></form>`,
  );
}

/** Handles `/interaction/<uid>[/login|/confirm|/abort]` below the issuer; `subpath` starts there. */
export async function handleInteraction(provider: Provider, directory: Directory, req: IncomingMessage, res: ServerResponse, subpath: string) {
  const [, , uid, action] = subpath.split("/");
  let details: Awaited<ReturnType<Provider["interactionDetails"]>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return send(res, 400, page("Sign-in expired", "<p>This sign-in is unknown or has expired. Start again from the application.</p>"));
  }
  if (details.uid !== uid) return send(res, 400, page("Sign-in mismatch", "<p>This page does not belong to your current sign-in. Start again from the application.</p>"));
  const clientId = String(details.params.client_id);
  const method = req.method ?? "GET";

  if (method === "GET" && action === undefined) {
    if (details.prompt.name === "login") return send(res, 200, loginPage(uid, clientId));
    const d = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    const scopes = [...(d.missingOIDCScope ?? []), ...Object.values(d.missingResourceScopes ?? {}).flat()];
    return send(res, 200, consentPage(uid, clientId, scopes));
  }
  if (method !== "POST") return send(res, 405, page("Not allowed", "<p>Use the form.</p>"));

  if (action === "login") {
    if (details.prompt.name !== "login") return send(res, 400, page("Already signed in", "<p>Start again from the application.</p>"));
    const form = await readForm(req);
    if (!form) return send(res, 413, tooLarge());
    const user = directory.checkPassword(form.get("username") ?? "", form.get("password") ?? "");
    if (!user) return send(res, 401, loginPage(uid, clientId, "Wrong username or password."));
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }
  if (action === "confirm") {
    if (details.prompt.name !== "consent") return send(res, 400, page("Nothing to confirm", "<p>Start again from the application.</p>"));
    if (!(await readForm(req))) return send(res, 413, tooLarge());
    const accountId = details.session?.accountId;
    if (!accountId) return send(res, 400, page("Not signed in", "<p>Start again from the application.</p>"));
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
    if (!grant) return send(res, 400, page("Sign-in expired", "<p>Start again from the application.</p>"));
    const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(" "));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(" "));
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (action === "abort") {
    return provider.interactionFinished(req, res, { error: "access_denied", error_description: "The user denied access." }, { mergeWithLastSubmission: false });
  }
  return send(res, 404, page("Not found", "<p>No such page.</p>"));
}
