// `preflight env --check-index`: where requests go, and what may be shown of them. Index and channel URLs
// are split into what is fetched, what is printed and the credentials they carry; the credentials are
// remembered so that no message or evidence can show them.

import { Redactor } from "../../core/redact.js";

/** An index or channel URL: what is fetched, what is printed, and the credentials it carried. */
export interface Source {
  /** Fetched: no userinfo, no trailing slash. */
  base: string;
  /** Printed: `base` with a conda `/t/<token>/` hidden too. */
  display: string;
  /** `Basic ...` from the URL's userinfo. */
  authorization?: string;
  /** Set when the URL cannot be used at all. */
  invalid?: string;
}

export interface ChannelSource extends Source {
  /** As the user wrote it (`conda-forge`, `defaults`, a URL). */
  name: string;
}

/**
 * Strings that must never be shown: userinfo parts and conda tokens of every configured URL. The shared
 * redactor hides them as `***`; a userinfo still in a printed URL (an unparseable one's) is dropped after.
 */
export class SourceRedactor {
  // Very short values would blank out ordinary text; nobody's token is 2 characters long.
  private readonly redactor = new Redactor({ minSecretLength: 3, placeholder: "***" });

  remember(value: string): void {
    this.redactor.remember(value);
  }

  redact(text: string): string {
    return this.redactor.redact(text).replace(/\/\/[^/@\s]*@/g, "//");
  }
}

export function parseSource(raw: string, secrets: SourceRedactor): Source {
  const trimmed = raw.trim().replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    // Unparseable: everything up to the last `@` after the scheme may be userinfo; hide it all.
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/(.*)@/i.exec(trimmed)?.[1];
    if (userinfo !== undefined) secretsOfUserinfo(userinfo, secrets);
    return { base: "", display: trimmed.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, "$1"), invalid: "not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    secretsOfUserinfo(`${url.username}:${url.password}`, secrets);
    url.username = "";
    url.password = "";
    return { base: "", display: url.toString(), invalid: `${url.protocol} URLs cannot be fetched` };
  }
  let authorization: string | undefined;
  if (url.username !== "" || url.password !== "") {
    const user = safeDecode(url.username);
    const password = safeDecode(url.password);
    secretsOfUserinfo(`${url.username}:${url.password}`, secrets);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  const base = url.toString().replace(/\/+$/, "");
  // anaconda.org private channels carry a token in the path: /t/<token>/<channel>.
  const token = /\/t\/([^/]+)\//.exec(`${url.pathname}/`)?.[1];
  if (token !== undefined) secrets.remember(token);
  const display = token === undefined ? base : base.replace(`/t/${token}`, "/t/***");
  return { base, display, ...(authorization ? { authorization } : {}) };
}

/** An index or channel as it may be printed: no userinfo, a conda `/t/<token>/` hidden. */
export function displayIndexUrl(raw: string): string {
  return parseSource(raw, new SourceRedactor()).display;
}

/**
 * The password of `user:password`, raw and decoded; the user name only when there is no password (a token
 * written as the user, `https://<token>@host/`). Ordinary user names stay readable in messages.
 */
function secretsOfUserinfo(userinfo: string, secrets: SourceRedactor): void {
  const colon = userinfo.indexOf(":");
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const password = colon === -1 ? "" : userinfo.slice(colon + 1);
  for (const value of password !== "" ? [password, safeDecode(password)] : [user, safeDecode(user)])
    secrets.remember(value);
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
