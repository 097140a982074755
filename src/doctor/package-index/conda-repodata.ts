// `preflight env --check-index`, conda's side: a channel subdir's repodata.json, read as it streams in and
// kept only as an index of name, version and build.

import { Readable } from "node:stream";

/** One package build in a channel: all that is kept of a repodata.json entry. */
export interface CondaRecord {
  version: string;
  build: string;
  subdir: string;
}

export type Repodata =
  { kind: "ok"; packages: Map<string, CondaRecord[]> } | { kind: "absent" } | { kind: "error"; message: string };

interface JsonFrame {
  kind: "object" | "array";
  /** The key whose value is being read (objects). */
  key: string | undefined;
  expectingKey: boolean;
  /** The key this container is the value of, in its parent. */
  parentKey: string | undefined;
}

const PACKAGE_SECTIONS = new Set(["packages", "packages.conda"]);
const RECORD_FIELDS = new Set(["name", "version", "build"]);

/**
 * Reads repodata.json as it streams in, keeping name, version and build of each entry of `packages` and
 * `packages.conda`. conda-forge's files run to hundreds of megabytes: a whole-body JSON.parse would hold
 * the text and every record at once (and can pass V8's string limit); this holds only the index.
 */
class RepodataScanner {
  readonly packages = new Map<string, CondaRecord[]>();
  private readonly stack: JsonFrame[] = [];
  private inString = false;
  private stringParts: string[] = [];
  /** undefined: not in an escape; "": just after `\`; "u...": collecting a \uXXXX escape. */
  private escape: string | undefined;
  private record: { name?: string; version?: string; build?: string } | undefined;
  private started = false;
  private finished = false;

  constructor(private readonly subdir: string) {}

  write(chunk: string): void {
    let index = 0;
    const length = chunk.length;
    while (index < length) {
      if (this.inString) {
        if (this.escape !== undefined) {
          index = this.readEscape(chunk, index);
          continue;
        }
        let end = index;
        while (end < length) {
          const code = chunk.charCodeAt(end);
          if (code === 34 || code === 92) break;
          end += 1;
        }
        if (end > index) this.stringParts.push(chunk.slice(index, end));
        if (end === length) return;
        if (chunk.charCodeAt(end) === 34) {
          this.inString = false;
          const value = this.stringParts.join("");
          this.stringParts = [];
          this.onString(value);
        } else {
          this.escape = "";
        }
        index = end + 1;
        continue;
      }
      const char = chunk[index] ?? "";
      index += 1;
      if (this.finished) {
        if (!/\s/.test(char)) throw new Error("unexpected text after the JSON document");
        continue;
      }
      switch (char) {
        case '"':
          if (this.stack.length === 0) throw new Error("not a JSON object");
          this.inString = true;
          break;
        case "{":
        case "[":
          this.open(char === "{" ? "object" : "array");
          break;
        case "}":
        case "]":
          this.close();
          break;
        case ",": {
          const top = this.stack.at(-1);
          if (top?.kind === "object") {
            top.expectingKey = true;
            top.key = undefined;
          }
          break;
        }
        default:
          if (this.stack.length === 0 && !/\s/.test(char)) throw new Error("not a JSON object");
      }
    }
  }

  /** Throws when the document ended early (a truncated download). */
  end(): void {
    if (!this.finished || this.inString) throw new Error("the repodata.json ended early");
  }

  private readEscape(chunk: string, index: number): number {
    const char = chunk[index] ?? "";
    if (this.escape === "") {
      if (char === "u") {
        this.escape = "u";
        return index + 1;
      }
      const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };
      this.stringParts.push(simple[char] ?? char);
      this.escape = undefined;
      return index + 1;
    }
    this.escape += char;
    if ((this.escape ?? "").length === 5) {
      this.stringParts.push(String.fromCharCode(parseInt((this.escape ?? "u0000").slice(1), 16)));
      this.escape = undefined;
    }
    return index + 1;
  }

  private open(kind: "object" | "array"): void {
    if (this.stack.length === 0) {
      if (this.started || kind !== "object") throw new Error("not a JSON object");
      this.started = true;
    }
    const parent = this.stack.at(-1);
    this.stack.push({ kind, key: undefined, expectingKey: kind === "object", parentKey: parent?.key });
    if (this.stack.length === 3 && kind === "object" && this.inPackageSection()) this.record = {};
  }

  private close(): void {
    const closing = this.stack.pop();
    if (!closing) throw new Error("unbalanced JSON");
    if (this.stack.length === 2 && this.record) {
      const { name, version, build } = this.record;
      this.record = undefined;
      if (name !== undefined && version !== undefined) {
        const key = name.toLowerCase();
        const records = this.packages.get(key) ?? [];
        records.push({ version, build: build ?? "", subdir: this.subdir });
        this.packages.set(key, records);
      }
    }
    if (this.stack.length === 0) this.finished = true;
  }

  private inPackageSection(): boolean {
    const section = this.stack[1];
    return section?.kind === "object" && section.parentKey !== undefined && PACKAGE_SECTIONS.has(section.parentKey);
  }

  private onString(value: string): void {
    const top = this.stack.at(-1);
    if (!top) throw new Error("not a JSON object");
    if (top.kind === "object" && top.expectingKey) {
      top.key = value;
      top.expectingKey = false;
      return;
    }
    if (this.record && this.stack.length === 3 && top.key !== undefined && RECORD_FIELDS.has(top.key)) {
      this.record[top.key as "name" | "version" | "build"] = value;
    }
  }
}

/**
 * The index of a repodata.json body as it streams in. A body that pauses for longer than `idleTimeoutMs` is
 * dropped; a stream error's first line passes through `redact`, since it may echo the URL.
 */
export async function readRepodata(
  stream: NodeJS.ReadableStream,
  subdir: string,
  idleTimeoutMs: number,
  redact: (text: string) => string,
): Promise<Repodata> {
  const scanner = new RepodataScanner(subdir);
  const decoder = new TextDecoder("utf-8");
  let idle: NodeJS.Timeout | undefined;
  const stalled = new Error(`no data for ${idleTimeoutMs} ms`);
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (stream instanceof Readable) stream.destroy(stalled);
    }, idleTimeoutMs);
  };
  try {
    arm();
    for await (const chunk of stream) {
      arm();
      scanner.write(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    }
    scanner.write(decoder.decode());
    scanner.end();
  } catch (error) {
    if (stream instanceof Readable) stream.destroy();
    const message =
      error === stalled
        ? stalled.message
        : redact((error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "");
    return { kind: "error", message: `${subdir}/repodata.json: ${message}` };
  } finally {
    clearTimeout(idle);
  }
  return { kind: "ok", packages: scanner.packages };
}
