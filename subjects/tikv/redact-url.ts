// A URL as it may be shown (messages, evidence, --json): a password in it never is.

/** `http://user:secret@pd1:2379` → `http://user:***@pd1:2379`; other text unchanged. */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:***@");
}
