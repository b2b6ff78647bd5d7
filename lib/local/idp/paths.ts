/** Where the built-in identity provider and its protected resource API live on Local AgentCore. */
import { CALENDAR_PATH, IDP_PATH } from "../local-routes.js";

export { CALENDAR_PATH, IDP_PATH };
/** Scopes of the calendar stand-in (the only resource server the identity provider issues JWTs for). */
export const CALENDAR_SCOPES = ["calendar.read", "calendar.write"] as const;

export const idpIssuer = (endpoint: string) => `${endpoint}${IDP_PATH}`;
/** The calendar API's resource indicator (RFC 8707), which is also its tokens' audience. */
export const calendarResource = (endpoint: string) => `${endpoint}${CALENDAR_PATH}`;

/** The identity provider's endpoints (oidc-provider's default route names under the issuer). */
export const idpEndpoints = (endpoint: string) => ({
  issuer: idpIssuer(endpoint),
  authorizationEndpoint: `${idpIssuer(endpoint)}/auth`,
  tokenEndpoint: `${idpIssuer(endpoint)}/token`,
  jwksUri: `${idpIssuer(endpoint)}/jwks`,
  discoveryUrl: `${idpIssuer(endpoint)}/.well-known/openid-configuration`,
});
