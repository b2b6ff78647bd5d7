// Preloaded into every agent process (`node --import <this file> <entry>`): Local AgentCore holds
// the write end of the agent's stdin pipe, so when Local AgentCore dies for any reason — even
// SIGKILL — the pipe closes and the agent exits instead of lingering as an orphan.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
// The watch must not keep an agent alive that would otherwise have finished.
process.stdin.unref?.();
