// Text that came from elsewhere (ARM, a snapshot someone attached to a ticket, a build log, an
// environment file) is printed for a person with its control characters made visible: an escape
// sequence in a rule name must not set the reader's terminal title or clear their screen, and a
// bidirectional override must not reorder what they read. JSON keeps the text as it was (escaped).

/** C0 and C1 controls but newline and tab, DEL, and the Unicode bidirectional overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is what this is for
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_TEST = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every unsafe character written out (`\x1b`, `\u202e`). */
function visible(text: string): string {
  return UNSAFE_TEST.test(text) ? text.replace(UNSAFE, escaped) : text;
}

/**
 * `value` with every string in it (object keys too) made visible. What needs no change is returned
 * as it is, so a clean report of a thousand workspaces is not copied.
 */
export function visibleStrings<T>(value: T): T {
  return walk(value) as T;
}

function walk(node: unknown): unknown {
  if (typeof node === "string") return visible(node);
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined;
    node.forEach((item, index) => {
      const safe = walk(item);
      if (safe !== item) (copy ??= [...(node as unknown[])])[index] = safe;
    });
    return copy ?? node;
  }
  if (node === null || typeof node !== "object") return node;
  let copy: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(node)) {
    const safeKey = visible(key);
    const safe = walk(child);
    if (safe !== child || safeKey !== key) {
      copy ??= { ...(node as Record<string, unknown>) };
      if (safeKey !== key) delete copy[key];
      copy[safeKey] = safe;
    }
  }
  return copy ?? node;
}

/** What JSON.stringify leaves raw but a terminal may act on: DEL, the C1 controls, the bidirectional controls. */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON for a file or a terminal: as JSON.stringify writes it, with the characters it leaves raw and a
 * terminal might act on written as \u escapes. The document parses to the same value.
 */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(JSON_RAW, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}
