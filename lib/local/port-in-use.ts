/**
 * Local AgentCore's port is taken by another program: thrown by the server when it cannot listen
 * and by the client before it starts one. `message` is one line saying what to do.
 */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use by another program. Stop it, or choose another port: AGENTCORE_LOCAL_PORT=<port> npm run local -- start`);
  }
}
