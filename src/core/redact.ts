// Secrets never leave memory. Raw bodies lose secret-looking fields before they are kept, and
// every text that may echo a response (SDK error messages) passes through the run's redactor.

const SECRET_FIELD =
  /(password|secret|connectionstring|primarykey|secondarykey|accesskey|privatekey|sastoken|accesstoken|refreshtoken|^token$|instrumentationkey|^userstoragekey$|credentials?$|^value$)/i;

export const REDACTED = "[redacted]";

function isSecretField(key: string, parentKey: string): boolean {
  // `value` is only secret inside key/password lists; elsewhere (tags, settings) it is data.
  return key.toLowerCase() === "value" ? /keys|passwords/i.test(parentKey) : SECRET_FIELD.test(key);
}

/** A copy of an ARM body with the values of secret-looking fields replaced. */
export function redactFields(value: unknown, parentKey = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => redactFields(item, parentKey));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      isSecretField(key, parentKey) && child !== null && child !== undefined ? REDACTED : redactFields(child, key);
  }
  return out;
}

/** Secret-bearing pairs in free text: connection strings, SAS query strings, JSON fragments. */
const SECRET_PAIR =
  /\b(AccountKey|SharedAccessKey|SharedAccessSignature|sig|password|pwd|secret|client_secret|access_token|refresh_token)=([^;&\s"'<>]+)/gi;
const SECRET_JSON_FIELD =
  /("(?:value|key|password|secret|primaryKey|secondaryKey|accessKey|connectionString|userStorageKey|token)"\s*:\s*)"[^"]*"/gi;
/** The user:password of a URL (a pip index, a git remote): the password is a secret whatever it looks like. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;
/** Runs of base64 characters long enough to be a key (storage keys are 88, registry passwords 52). */
const LONG_BASE64_RUN = /[A-Za-z0-9+/=]{24,}/g;
const CAMEL_WORD = /^[A-Za-z][a-z]+(?:[A-Z][a-z]+)*[0-9]*$/;
const LOWER_NAME = /^[a-z0-9]+$/;

/** A resource path or identifier ("Microsoft.Network/networkSecurityGroups/read", "mlresearchstore2"), not a key. */
function isWordy(run: string): boolean {
  return (
    !/[+=]/.test(run) &&
    run.split("/").every((segment) => segment === "" || CAMEL_WORD.test(segment) || LOWER_NAME.test(segment))
  );
}

/**
 * Text that came from a server (an ARM error message, an SDK error echoing a body) may hold
 * secrets this run never saw as such: URL passwords, key=value pairs, JSON secret fields, and
 * random-looking base64 runs are replaced. Identifiers and resource paths are kept; a random 32-character key
 * passes for one a few times in a million (measured), a longer one less often.
 */
export function scrubFreeText(text: string): string {
  return text
    .replace(URL_USERINFO, (_whole, scheme: string) => `${scheme}${REDACTED}@`)
    .replace(SECRET_PAIR, (_whole, name: string) => `${name}=${REDACTED}`)
    .replace(SECRET_JSON_FIELD, (_whole, head: string) => `${head}"${REDACTED}"`)
    .replace(LONG_BASE64_RUN, (run) => (isWordy(run) ? run : REDACTED));
}

/** Remembers the secrets a run has seen so that no text it prints can carry them. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly minSecretLength: number;
  private readonly placeholder: string;
  /** HASH_BASE to the power minSecretLength - 1, in 32-bit arithmetic: what the leaving character weighs. */
  private readonly hashTop: number;

  /** The secrets by a hash of their first minSecretLength characters, longest first; rebuilt after a new secret. */
  private byPrefixHash: Map<number, string[]> | undefined;

  constructor({
    minSecretLength = MIN_SECRET_LENGTH,
    placeholder = REDACTED,
  }: {
    /** Shorter values are not remembered; also the window of the one-pass search. */
    minSecretLength?: number;
    /** What a secret, a Bearer token or a JWT is replaced with. */
    placeholder?: string;
  } = {}) {
    // An empty secret would match everywhere and stall the one-pass search.
    if (!Number.isInteger(minSecretLength) || minSecretLength < 1)
      throw new RangeError(`minSecretLength must be a positive integer, not ${minSecretLength}`);
    this.minSecretLength = minSecretLength;
    this.placeholder = placeholder;
    this.hashTop = Array.from({ length: minSecretLength - 1 }).reduce<number>(
      (power) => Math.imul(power, HASH_BASE),
      1,
    );
  }

  remember(secret: unknown): void {
    // Short values ("", "<value>") would redact ordinary words.
    if (typeof secret === "string" && secret.length >= this.minSecretLength && !this.secrets.has(secret)) {
      this.secrets.add(secret);
      this.byPrefixHash = undefined;
    }
  }

  /** Remembers every secret-looking field of a body (listKeys, listCredentials answers). */
  rememberFieldsOf(value: unknown, parentKey = ""): void {
    if (Array.isArray(value)) {
      for (const item of value) this.rememberFieldsOf(item, parentKey);
      return;
    }
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (isSecretField(key, parentKey) && typeof child === "string") this.remember(child);
      else this.rememberFieldsOf(child, key);
    }
  }

  /** A copy of `value` with every string, object keys included, redacted. */
  redactDeep<T>(value: T): T {
    const walk = (node: unknown): unknown => {
      if (typeof node === "string") return this.redact(node);
      if (Array.isArray(node)) return node.map(walk);
      if (node === null || typeof node !== "object") return node;
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [this.redact(key), walk(child)]));
    };
    return walk(value) as T;
  }

  /** For text from a server: known secrets, then anything shaped like one (see scrubFreeText). */
  redactMessage(text: string): string {
    return scrubFreeText(this.redact(text));
  }

  redact(text: string): string {
    let out = this.secrets.size > FEW_SECRETS ? this.redactIndexed(text) : text;
    if (this.secrets.size <= FEW_SECRETS)
      for (const secret of this.secrets) out = out.split(secret).join(this.placeholder);
    // Bearer tokens and JWTs are never useful in a line a person reads.
    return out
      .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, `Bearer ${this.placeholder}`)
      .replace(/eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, this.placeholder);
  }

  /**
   * Every known secret in one pass (Rabin-Karp over windows of minSecretLength characters): a fleet
   * knows thousands of keys, and a search per secret over every string of its report took minutes.
   */
  private redactIndexed(text: string): string {
    const window = this.minSecretLength;
    if (text.length < window) return text;
    const index = (this.byPrefixHash ??= indexByPrefixHash(this.secrets, window));
    const pieces: string[] = [];
    let copiedTo = 0;
    let at = 0;
    let hash = windowHash(text, 0, window);
    while (at + window <= text.length) {
      const found = index.get(hash)?.find((secret) => text.startsWith(secret, at));
      if (found !== undefined) {
        pieces.push(text.slice(copiedTo, at), this.placeholder);
        at += found.length;
        copiedTo = at;
        if (at + window <= text.length) hash = windowHash(text, at, window);
        continue;
      }
      if (at + window < text.length) {
        hash =
          (Math.imul(hash - Math.imul(text.charCodeAt(at), this.hashTop), HASH_BASE) + text.charCodeAt(at + window)) |
          0;
      }
      at += 1;
    }
    if (copiedTo === 0) return text;
    pieces.push(text.slice(copiedTo));
    return pieces.join("");
  }
}

/** Shorter values are not remembered as secrets (unless the options say otherwise): they would redact ordinary words. */
const MIN_SECRET_LENGTH = 8;
/** Up to this many secrets, one search per secret is quicker than building the index. */
const FEW_SECRETS = 8;
const HASH_BASE = 31;

/** The 32-bit hash of the `window` characters of `text` from `start`. */
function windowHash(text: string, start: number, window: number): number {
  let hash = 0;
  for (let offset = 0; offset < window; offset++)
    hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(start + offset)) | 0;
  return hash;
}

function indexByPrefixHash(secrets: Iterable<string>, window: number): Map<number, string[]> {
  const index = new Map<number, string[]>();
  for (const secret of secrets) {
    const hash = windowHash(secret, 0, window);
    const bucket = index.get(hash);
    if (bucket) bucket.push(secret);
    else index.set(hash, [secret]);
  }
  // Where one secret starts another, the longer one is redacted whole.
  for (const bucket of index.values()) bucket.sort((a, b) => b.length - a.length);
  return index;
}
