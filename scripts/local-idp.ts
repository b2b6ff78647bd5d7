/**
 * `npm run local -- idp <command>`: the built-in identity provider's users and clients, through
 * Local AgentCore's admin routes (the admin key from its env file). Local AgentCore must be running.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { localIdp, LocalIdpError, type IdpClient } from "../lib/local/client/idp.js";

export const IDP_HELP = `The built-in identity provider (OAuth2/OpenID Connect at <endpoint>/_local/idp).

Usage: npm run local -- idp <command> [options]

Commands:
  create-user --username NAME (--password PASSWORD | --password-stdin) [--name "Full Name"] [--email ADDRESS]
  create-client --client-id ID [--grant client_credentials|authorization_code|refresh_token|urn:ietf:params:oauth:grant-type:token-exchange|urn:ietf:params:oauth:grant-type:jwt-bearer]...
                [--redirect-uri URI]... [--scope "calendar.read calendar.write ..."] [--public]
                prints the client secret once (confidential clients); keep it, it is not shown again
  delete-client ID
  list                print users, clients and the issuer's endpoints

Options: --help, --version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

const describeClient = (c: IdpClient) =>
  `  ${c.clientId}  ${c.confidential ? "confidential" : "public"}  grants: ${c.grantTypes.join(",")}  scope: ${c.scope}${c.redirectUris.length ? `  redirect: ${c.redirectUris.join(" ")}` : ""}`;

export async function runIdpCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
      username: { type: "string" },
      password: { type: "string" },
      "password-stdin": { type: "boolean" },
      name: { type: "string" },
      email: { type: "string" },
      "client-id": { type: "string" },
      grant: { type: "string", multiple: true },
      "redirect-uri": { type: "string", multiple: true },
      scope: { type: "string" },
      public: { type: "boolean" },
    },
  });
  if (values.version) {
    console.log(version());
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(IDP_HELP);
    return values.help ? 0 : 2;
  }
  try {
    const idp = localIdp();
    switch (command) {
      case "create-user": {
        const password = values["password-stdin"] ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : values.password;
        if (!values.username || !password) {
          console.error("create-user needs --username and --password (or --password-stdin). Run: npm run local -- idp --help");
          return 2;
        }
        const user = await idp.createUser({ username: values.username, password, name: values.name, email: values.email });
        console.log(`User ${user.username} created (sub ${user.sub}). Sign in at the identity provider's login page: ${idp.issuer}`);
        return 0;
      }
      case "create-client": {
        if (!values["client-id"]) {
          console.error("create-client needs --client-id. Run: npm run local -- idp --help");
          return 2;
        }
        const created = await idp.createClient({
          clientId: values["client-id"],
          grantTypes: values.grant as IdpClient["grantTypes"] | undefined,
          redirectUris: values["redirect-uri"],
          scope: values.scope,
          confidential: !values.public,
        });
        console.log(`Client ${created.client.clientId} created.`);
        console.log(describeClient(created.client));
        if (created.clientSecret) console.log(`  client secret (shown once): ${created.clientSecret}`);
        console.log(`  discovery: ${created.discoveryUrl}\n  token endpoint: ${created.tokenEndpoint}`);
        return 0;
      }
      case "delete-client": {
        if (!rest[0]) {
          console.error("delete-client needs the client id. Run: npm run local -- idp --help");
          return 2;
        }
        await idp.deleteClient(rest[0]);
        console.log(`Client ${rest[0]} deleted.`);
        return 0;
      }
      case "list": {
        const [users, clients] = await Promise.all([idp.listUsers(), idp.listClients()]);
        console.log(`Issuer ${clients.issuer} (discovery ${clients.discoveryUrl})`);
        console.log(`Users (${users.length}):`);
        for (const u of users) console.log(`  ${u.username}  sub ${u.sub}${u.email ? `  ${u.email}` : ""}`);
        console.log(`Clients (${clients.clients.length}):`);
        for (const c of clients.clients) console.log(describeClient(c));
        return 0;
      }
      default:
        console.error(`Unknown idp command "${command}". Run: npm run local -- idp --help`);
        return 2;
    }
  } catch (e) {
    if (e instanceof LocalIdpError) {
      console.error(`${e.code}: ${e.message}`);
      return 1;
    }
    if (e instanceof TypeError && /fetch failed/.test(e.message)) {
      console.error("Local AgentCore is not running. Start it with: npm run local -- start");
      return 1;
    }
    throw e;
  }
}
