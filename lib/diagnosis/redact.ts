// Secrets never leave the process: passwords in URLs, bearer tokens, Authorization headers, API
// keys and any secret value the caller knows are replaced before text goes to an LLM.

export const REDACTED = "[REDACTED]";

const PATTERNS: [RegExp, string][] = [
  // scheme://user:password@host → keep the user, drop the password
  [/([a-z][a-z0-9+.-]*:\/\/)([^\s:@/"'\\]*):([^\s@/"'\\]+)@/gi, `$1$2:${REDACTED}@`],
  // an Authorization scheme and its credentials (8+ characters, so prose like "bearer tokens" stays)
  [/\b(Bearer|bearer|BEARER|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // header or field: Authorization / x-api-key / password / secret / token = value
  [
    /((?:authorization|proxy-authorization|x-api-key|api[_-]?key|password|passwd|secret|client[_-]?secret|access[_-]?token|auth[_-]?token|admin[_-]?token|token)\\?["']?\s*[:=]\s*\\?["']?)(?!\[REDACTED\]|Bearer |bearer |Basic )([^\s"'\\,;}&]+)/gi,
    `$1${REDACTED}`,
  ],
  // well-known API key shapes
  [/\b(sk-(?:ant-)?[A-Za-z0-9_-]{16,})\b/g, REDACTED],
];

/** Replaces every secret in `text`: the known `secrets` first, then the usual shapes. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Redacts every string (and object key) inside a JSON-like value. */
export function redactDeep<T>(value: T, secrets: readonly string[] = []): T {
  const walk = (x: unknown): unknown => {
    if (typeof x === "string") return redactText(x, secrets);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === "object") {
      return Object.fromEntries(
        Object.entries(x as Record<string, unknown>).map(([k, v]) => [redactText(k, secrets), isSecretField(k) && typeof v === "string" ? REDACTED : walk(v)]),
      );
    }
    return x;
  };
  return walk(value) as T;
}

const isSecretField = (key: string) => /^(authorization|password|passwd|secret|client_secret|api_?key|x-api-key|access_?token|auth_?token|admin_?token|token)$/i.test(key);
