// Preloaded into every code-bundle agent (and, through NODE_OPTIONS, into node processes the agent
// starts): a TCP server asked to listen on every interface (no host, 0.0.0.0, ::) or on any other
// non-loopback address listens on 127.0.0.1 instead. BedrockAgentCoreApp binds 0.0.0.0 by
// default; on a laptop on a shared network that would let anyone POST /invocations to the agent,
// past SigV4 and IAM, and use the model key it holds. Unix sockets and inherited handles are left
// as they are.
import net from "node:net";

const LOOPBACK = "127.0.0.1";
const PATCHED = Symbol.for("agentcore-local.loopback-only");

const isLoopbackHost = (host) =>
  typeof host === "string" && (host === "localhost" || host.startsWith("127.") || host === "::1" || /^::ffff:127\./i.test(host));

/** The listen arguments with the host pinned to loopback, or the same arguments when no TCP port is involved. */
function pinToLoopback(args) {
  const [first] = args;
  if (first !== null && typeof first === "object") {
    const isOptions = !("_handle" in first) && first.fd === undefined && first.path === undefined && first.handle === undefined;
    if (!isOptions || isLoopbackHost(first.host)) return args;
    return [{ ...first, host: LOOPBACK, ipv6Only: false }, ...args.slice(1)];
  }
  if (first === undefined || first === null || typeof first === "function") return [0, LOOPBACK, ...args.slice(first === undefined || first === null ? 1 : 0)];
  const isPort = typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first));
  if (!isPort) return args; // a Unix socket or pipe path
  const second = args[1];
  if (typeof second === "string" && isLoopbackHost(second)) return args;
  if (typeof second === "string" || second === undefined || second === null) return [first, LOOPBACK, ...args.slice(2)];
  return [first, LOOPBACK, ...args.slice(1)]; // listen(port, backlog?, callback?)
}

if (!globalThis[PATCHED]) {
  globalThis[PATCHED] = true;
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listenOnLoopback(...args) {
    return listen.apply(this, pinToLoopback(args));
  };
}
