/** A minimal browser for the tests: a cookie jar and manual redirects, over fetch. */
export interface Browser {
  /** Follows redirects until a page (2xx/4xx) or a URL outside `stopAt` is reached. */
  go(url: string, init?: { method?: string; form?: Record<string, string> }, stopAt?: (url: string) => boolean): Promise<{ url: string; status: number; body: string; headers: Headers }>;
}

export function createBrowser(): Browser {
  const jar = new Map<string, string>();
  const remember = (headers: Headers) => {
    for (const c of (headers as Headers & { getSetCookie(): string[] }).getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
  };
  return {
    async go(url, init = {}, stopAt = () => false) {
      let current = url;
      let method = init.method ?? "GET";
      let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
      for (let hops = 0; hops < 20; hops++) {
        const res = await fetch(current, {
          method,
          redirect: "manual",
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "), ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
          body,
        });
        remember(res.headers);
        const location = res.headers.get("location");
        if (res.status >= 300 && res.status < 400 && location) {
          current = new URL(location, current).href;
          method = "GET";
          body = undefined;
          if (stopAt(current)) return { url: current, status: res.status, body: "", headers: res.headers };
          continue;
        }
        return { url: current, status: res.status, body: await res.text(), headers: res.headers };
      }
      throw new Error("too many redirects");
    },
  };
}
