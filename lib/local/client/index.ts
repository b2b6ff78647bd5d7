/**
 * Local AgentCore's client: find it (paths, pid file), ask whether it runs (health), start it on
 * demand as a background process, stop it, read its env file. What the library, the doctor and the
 * workshop use. It never imports the server side (http/, services/, state/, runtime-host/, …,
 * better-sqlite3): that runs in its own process, started through `scripts/local.ts`.
 */
export { localPaths, type LocalPaths } from "./paths.js";
export { readPidFile, writePidFile, isAlive, isOurs, type PidFile } from "./pid-file.js";
export { checkHealth, localStatus, type Health, type LocalStatus } from "./health.js";
export { envText, writeEnvFile, readEnvFile, readLocalEnv, type LocalEnv } from "./env-file.js";
export { startDetached, ensureLocalRunning, StartFailedError, type StartResult } from "./start.js";
export { stopLocal, resetLocal } from "./stop.js";
export { PortInUseError } from "../port-in-use.js";
export { DEFAULT_PORT, DEFAULT_REGION, LOCAL_VERSION } from "../defaults.js";
export { localIdp, LocalIdpError, type LocalIdp, type IdpUser, type IdpClient, type IdpEndpoints } from "./idp.js";
export { signInAndConsent, SignInError, type SignInOptions, type SignInResult } from "./sign-in.js";
