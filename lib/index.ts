/**
 * The surface notebooks import: `import { ... } from "agentcore-kit";`
 * (the package's own name; see README "Importing the library from a notebook").
 */
// First: the AWS SDK's Node 20 support warning would show in red in the first cell; the doctor judges Node itself.
import "./doctor/quiet-warnings.js";
export { display, markdownTable, type TableRow } from "./notebook/display.js";
export { session, resetSession, targetFromEnv, type Session, type SessionOptions, type Target } from "./session.js";
export {
  createApiKeyCredentialProvider,
  getApiKeyCredentialProvider,
  listApiKeyCredentialProviders,
  deleteApiKeyCredentialProvider,
  ensureWorkloadIdentity,
  deleteWorkloadIdentity,
  getWorkloadAccessToken,
  maskSecret,
  type ApiKeyProvider,
} from "./agentcore/identity.js";
export {
  createOauth2CredentialProvider,
  listOauth2CredentialProviders,
  deleteOauth2CredentialProvider,
  type Oauth2Provider,
  type CustomOauth2Input,
} from "./agentcore/oauth2.js";
export { createIdpClient, newClientSecret, type CreatedIdpClient, type IdpClientInput } from "./agentcore/idp-client.js";
export { createIdpUser, type CreatedIdpUser } from "./agentcore/idp-user.js";
export {
  CognitoSignInError,
  createCognitoUser,
  createUserPool,
  createUserPoolClient,
  discoveryUrlOf,
  signInCognito,
  type CreatedCognitoUser,
  type CreatedUserPool,
  type CreatedUserPoolClient,
} from "./agentcore/cognito.js";
export { signInOffline, OfflineSignInError, type UserToken } from "./agentcore/offline-sign-in.js";
export { startReturnUrlServer, type ReturnUrlServer, type ReturnUrlOptions } from "./agentcore/return-url.js";
export { signInAndConsent, SignInError, type SignInOptions, type SignInResult } from "./local/client/sign-in.js";
export { localIdp, type LocalIdp } from "./local/client/idp.js";
export {
  createExecutionRole,
  putRolePolicy,
  getRolePolicy,
  listRolePolicies,
  deleteRolePolicy,
  agentCoreTrustPolicy,
  baseExecutionPolicy,
  tutorialOutboundPolicy,
  executionRoleName,
  roleNameOf,
  OUTBOUND_POLICY_NAME,
  type PolicyDocument,
} from "./agentcore/iam.js";
export { Runtime, RuntimeFailedError, type ConfigureOptions, type ConfigureResult, type LaunchResult, type StatusResult, type InvokeOptions } from "./agentcore/runtime.js";
export { InvokeError, decodeBody, joinSseData, type InvokeResult, type InvokeStream } from "./agentcore/invoke.js";
export { useBearerToken, bearerTokenPlugin, type BearerTokenSource } from "./agentcore/bearer.js";
export { Ledger, LedgerUnreadableError, type LedgerEntry } from "./agentcore/ledger.js";
export { ForeignResourceError, LEDGER_TAG } from "./agentcore/ownership.js";
export { cleanup, type CleanupReport } from "./agentcore/cleanup.js";
export { writeAgentFile, typeCheckAgentFile, agentTemplate, AgentFileTypeError, type WrittenAgentFile, type AgentTypeError, type WriteAgentFileOptions } from "./notebook/agent-file.js";
export { runAgentLocally, AgentRunError, type RunAgentOptions } from "./notebook/run-agent.js";
export { issueLocalModelKey } from "./notebook/model-key.js";
export { redact, redactValue, registerSecret } from "./notebook/redact.js";
export { runChecks, formatChecks, passed as checksPassed, type Check } from "./doctor/checks.js";
export { doctor, DoctorError } from "./doctor/summary.js";
