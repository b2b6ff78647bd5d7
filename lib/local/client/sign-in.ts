/**
 * Offline only: plays the user's browser through a user-federation (3LO) authorization URL against
 * Local AgentCore's built-in identity provider. It follows redirects with a cookie jar, fills in
 * the identity provider's real sign-in form with the user's username and password, answers its
 * consent page (Allow or Deny), and stops at the app's return URL, which it does not visit (so a
 * headless notebook can hand `session_id` to CompleteResourceTokenAuth itself).
 *
 * It is a client like any browser: it grants nothing Local AgentCore would not grant a person
 * clicking through the same pages, and it does not work against a real vendor's pages.
 */
export interface SignInOptions {
  /** The `authorizationUrl` GetResourceOauth2Token returned. */
  authorizationUrl: string;
  username: string;
  password: string;
  /** Where the flow ends: the first redirect to a URL starting with this is returned. */
  returnUrl: string;
  /** Deny instead of allow on the consent page. */
  deny?: boolean;
  fetch?: typeof fetch;
}

export interface SignInResult {
  /** The return URL the browser was sent to (with `session_id`, and `state` for a customState). */
  url: string;
  sessionId: string | null;
}

export class SignInError extends Error {}

const MAX_STEPS = 30;

export async function signInAndConsent(opts: SignInOptions): Promise<SignInResult> {
  const doFetch = opts.fetch ?? fetch;
  const jar = new Map<string, string>();
  let url = opts.authorizationUrl;
  let form: Record<string, string> | undefined;
  for (let step = 0; step < MAX_STEPS; step++) {
    const res = await doFetch(url, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      const i = pair.indexOf("=");
      const value = pair.slice(i + 1);
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(pair.slice(0, i).trim());
      else jar.set(pair.slice(0, i).trim(), value);
    }
    form = undefined;
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url).href;
      if (next.startsWith(opts.returnUrl)) return { url: next, sessionId: new URL(next).searchParams.get("session_id") };
      url = next;
      continue;
    }
    const body = await res.text();
    const action = (name: string) => {
      const m = new RegExp(`<form method="post" action="([^"]+/${name})"`).exec(body);
      return m ? new URL(m[1]!.replace(/&amp;/g, "&"), url).href : undefined;
    };
    const login = action("login");
    const confirm = action("confirm");
    const abort = action("abort");
    if (res.status === 401 && login) throw new SignInError(`The identity provider refused the sign-in of ${opts.username} (wrong username or password).`);
    if (login) {
      url = login;
      form = { username: opts.username, password: opts.password };
    } else if (confirm && abort) {
      url = opts.deny ? abort : confirm;
      form = opts.deny ? {} : { decision: "allow" };
    } else {
      // An error page (an expired or reused authorization URL, …): its own message says why.
      let message = body.slice(0, 500);
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
      } catch {
        // not JSON
      }
      throw new SignInError(`The browser stopped at ${new URL(url).pathname} (HTTP ${res.status}): ${message}`);
    }
  }
  throw new SignInError("Too many steps: the flow never reached the return URL.");
}
