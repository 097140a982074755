// Text that came from elsewhere (ARM, a snapshot someone attached to a ticket, a build log, an
// environment file, a config file, a baseline report) is printed for a person with its control
// characters made visible: an escape sequence in a rule name must not set the reader's terminal title
// or clear their screen, and a bidirectional control must not reorder what they read. JSON keeps the
// text as it was (escaped); a shell script, and each command the advice names, gets each such name as
// one quoted word (shellWord, sh).

/** C0 and C1 controls but newline and tab, DEL, and Unicode's bidirectional controls (Bidi_Control). */
// eslint-disable-next-line no-control-regex -- matching control characters is what this is for
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_TEST = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every unsafe character written out (`\x1b`, `\u202e`): for one line on stderr, say. */
export function visibleText(text: string): string {
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
  if (typeof node === "string") return visibleText(node);
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
    const safeKey = visibleText(key);
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
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON for a file or a terminal: as JSON.stringify writes it, with the characters it leaves raw and a
 * terminal might act on written as \u escapes. The document parses to the same value.
 */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(JSON_RAW, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}

/** What a shell word may hold as it is: nothing a shell reads specially. */
const SHELL_PLAIN = /^[\w@%+=:,./-]+$/;
/** What is written as an escape in a shell word: the unsafe characters above, newline and tab. */
// eslint-disable-next-line no-control-regex -- as above
const SHELL_ESCAPED = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UTF8 = new TextEncoder();

/**
 * `text` as one bash word that bash reads back as exactly `text`, and that shows no control character
 * when the script is printed: as it is when it is plain, in single quotes when it needs quoting, and in
 * ANSI-C quotes ($'...') with each control character written as its UTF-8 bytes (\x1b) when it holds
 * one. A NUL cannot be in an argument at all: it is written as the four characters \x00, which name
 * nothing in Azure, so the command fails rather than act on a shorter name.
 */
export function shellWord(text: string): string {
  if (SHELL_PLAIN.test(text)) return text;
  if (!SHELL_ESCAPED.test(text)) return `'${text.replaceAll("'", "'\\''")}'`;
  let word = "";
  for (const character of text) {
    if (character === "\u0000") word += "\\\\x00";
    else if (character === "'" || character === "\\") word += `\\${character}`;
    else if (SHELL_ESCAPED.test(character))
      for (const byte of UTF8.encode(character)) word += `\\x${byte.toString(16).padStart(2, "0")}`;
    else word += character;
  }
  return `$'${word}'`;
}

/**
 * Words of a command line that are shell words already: what `shWords` makes (a fragment such as
 * `-n WS -g RG`) and `placeholder` names. An `sh` template puts them in as they are.
 */
export class ShellWords {
  /** Use `shWords` or `placeholder`: what is in one is read by bash as it stands. */
  constructor(readonly text: string) {}
}

type ShellItem = string | number | ShellWords;
/** What an `sh` template takes: ShellWords as they are, undefined as nothing, anything else quoted. */
export type ShellValue = ShellItem | undefined | readonly ShellItem[];

function shellValue(value: ShellValue): string {
  if (value === undefined) return "";
  if (value instanceof ShellWords) return value.text;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return shellWord(value);
  if (Array.isArray(value)) return value.map(shellValue).join(" ");
  // What a snapshot held where its type says a name (an object, say) is one quoted word all the same.
  return shellWord(JSON.stringify(value) ?? "");
}

/**
 * A command line for a person to paste, from a template: the template's own text as it is, and each
 * value in it a shell word (`shellWord`) — a list a word per item, a number as it is, `shWords` and
 * `placeholder` as they are, undefined as nothing. A plain name (letters, digits, `-_./`) is written
 * bare, so only a name that could end the word or run code (`$(…)`, a quote, a space) is quoted.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
  return strings.reduce((line, text, index) => line + shellValue(values[index - 1]) + text);
}

/** A fragment of a command line made as `sh` makes one, to put into an `sh` template. */
export function shWords(strings: TemplateStringsArray, ...values: ShellValue[]): ShellWords {
  return new ShellWords(sh(strings, ...values));
}

/** A value the reader fills in (`<firewall-private-ip>`), left unquoted so that it reads as one to edit. */
export function placeholder(text: `<${string}>`): ShellWords {
  return new ShellWords(text);
}
