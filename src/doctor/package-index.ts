// `preflight env --check-index`: are the pinned packages on the indexes the build will use? Asks PyPI-style
// indexes (the PEP 691 JSON simple API, PEP 503 HTML as a fallback) and conda channels (`repodata.json`)
// the way pip and conda would, and says per pin: there, missing, there but not installable on the target,
// or not known (the index did not answer). It only reads; credentials in index URLs are sent, never shown.

import { Readable } from "node:stream";
import { rootCertificates } from "node:tls";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import pLimit, { type LimitFunction } from "p-limit";
import { compare as comparePep440, valid as validPep440 } from "@renovatebot/pep440";
import { preflightRetryPolicy } from "../core/retry.js";
import {
  describeWheelTarget,
  evaluateMarker,
  normalizeProjectName,
  parseSdistFilename,
  parseWheelFilename,
  requiresPythonAdmits,
  versionMatches,
  wheelSupported,
  wheelTagText,
} from "./wheel-tags.js";

// ---- API ----------------------------------------------------------------------------------------

/** A pip requirement pinned with `name==version` (or `===`). */
export interface PipPin {
  name: string;
  version: string;
  /** `==` (PEP 440 equality, the default) or `===` (string equality). */
  operator?: "==" | "===";
  line: number;
  file: string;
  /** PEP 508 marker; a pin whose marker is false on the target is not looked up. */
  marker?: string;
}

/**
 * A conda spec pinned to a version: `name=1.2` (fuzzy: 1.2 and 1.2.*), `name==1.2.3` (exact),
 * `name=1.2.3=py310h1234_0` (with a build string, `*` allowed), `channel::name=1.2` (only that channel).
 */
export interface CondaPin {
  name: string;
  version: string;
  build?: string;
  channel?: string;
  line: number;
  file: string;
  exact: boolean;
}

export interface IndexTarget {
  /** CPython of the image, "3.10"; undefined when not known (any Python tag is then accepted). */
  python?: string;
  /** Conda platform subdir, "linux-64". */
  condaSubdir: string;
  platform: "linux_x86_64" | "linux_aarch64";
  /** glibc of the base image, "2.31". */
  glibc: string;
}

export interface PackageIndexOptions {
  /** First: `--index-url`; the rest: `--extra-index-url`s. pip consults them all. Empty: pypi.org. */
  pipIndexUrls: string[];
  /** Channel names or URLs, highest priority first; `defaults` stands for `condaDefaultChannels`. */
  condaChannels: string[];
  /** What channel names resolve against: `conda-forge` -> `<alias>/conda-forge`. */
  condaChannelAlias: string;
  /** The channels `defaults` means. */
  condaDefaultChannels: string[];
  /** PEM of a CA to trust besides the system's (a private index, a TLS-inspecting proxy). */
  ca?: string;
  /** Per request: time to the response headers, and the longest pause while a body streams in. */
  requestTimeoutMs: number;
  /** Retries after the first attempt (5xx, 408, 429, dropped connections). */
  retries: number;
  /** Requests in flight at once; default 8. */
  concurrency?: number;
  /** Base of the exponential back-off between retries; default 1000. */
  retryDelayMs?: number;
  /** Longest Retry-After waited for; a longer one ends the request; default 10 000. */
  maxRetryAfterMs?: number;
}

export type IndexVerdictId =
  "package-missing-from-index" | "package-no-compatible-file" | "package-index-unreachable" | "package-on-index";

export interface IndexVerdict {
  pin: PipPin | CondaPin;
  kind: "pip" | "conda";
  id: IndexVerdictId;
  /** `skip` (with id package-on-index): a pip pin whose marker excludes the target, not looked up. */
  status: "pass" | "fail" | "warn" | "unknown" | "skip";
  message: string;
  /** What decided; URLs without credentials. */
  evidence: Record<string, string | number | boolean | string[]>;
}

const DEFAULT_PIP_INDEX_URL = "https://pypi.org/simple";

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 10_000;
const MAX_RETRY_DELAY_MS = 10_000;
/** pip's Accept: JSON first, HTML for indexes that do not speak PEP 691. */
const SIMPLE_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
/** How many versions, files or tags a message lists. */
const LIST_LIMIT = 5;

// ---- Where requests go, and what may be shown of it --------------------------------------------

/** An index or channel URL: what is fetched, what is printed, and the credentials it carried. */
interface Source {
  /** Fetched: no userinfo, no trailing slash. */
  base: string;
  /** Printed: `base` with a conda `/t/<token>/` hidden too. */
  display: string;
  /** `Basic ...` from the URL's userinfo. */
  authorization?: string;
  /** Set when the URL cannot be used at all. */
  invalid?: string;
}

/** Strings that must never be shown: userinfo parts and conda tokens of every configured URL. */
class Secrets {
  private readonly values = new Set<string>();

  add(value: string): void {
    // Very short values would blank out ordinary text; nobody's token is 2 characters long.
    if (value.length >= 3) this.values.add(value);
  }

  redact(text: string): string {
    let result = text;
    for (const value of this.values) result = result.split(value).join("***");
    return result.replace(/\/\/[^/@\s]*@/g, "//");
  }
}

function parseSource(raw: string, secrets: Secrets): Source {
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
  if (token !== undefined) secrets.add(token);
  const display = token === undefined ? base : base.replace(`/t/${token}`, "/t/***");
  return { base, display, ...(authorization ? { authorization } : {}) };
}

/** An index or channel as it may be printed: no userinfo, a conda `/t/<token>/` hidden. */
export function displayIndexUrl(raw: string): string {
  return parseSource(raw, new Secrets()).display;
}

/**
 * The password of `user:password`, raw and decoded; the user name only when there is no password (a token
 * written as the user, `https://<token>@host/`). Ordinary user names stay readable in messages.
 */
function secretsOfUserinfo(userinfo: string, secrets: Secrets): void {
  const colon = userinfo.indexOf(":");
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const password = colon === -1 ? "" : userinfo.slice(colon + 1);
  for (const value of password !== "" ? [password, safeDecode(password)] : [user, safeDecode(user)]) secrets.add(value);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// ---- PyPI simple API ------------------------------------------------------------------------------

interface IndexFile {
  filename: string;
  requiresPython?: string;
  yanked: boolean;
  yankedReason?: string;
}

type ProjectPage =
  { kind: "found"; files: IndexFile[]; versions: string[] } | { kind: "absent" } | { kind: "error"; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A PEP 691 project page; undefined when the body is not one. */
function parseProjectJson(text: string): { files: IndexFile[]; versions: string[] } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(body) || !Array.isArray(body.files)) return undefined;
  const files: IndexFile[] = [];
  for (const entry of body.files) {
    if (!isRecord(entry) || typeof entry.filename !== "string") continue;
    const requiresPython = entry["requires-python"];
    const yanked = entry.yanked;
    files.push({
      filename: entry.filename,
      ...(typeof requiresPython === "string" ? { requiresPython } : {}),
      yanked: yanked === true || typeof yanked === "string",
      ...(typeof yanked === "string" && yanked !== "" ? { yankedReason: yanked } : {}),
    });
  }
  const versions = Array.isArray(body.versions)
    ? body.versions.filter((version): version is string => typeof version === "string")
    : [];
  return { files, versions };
}

function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos|#39);/gi, (entity, code: string) => {
    const lower = code.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(Number(lower.slice(1)));
    return { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[lower] ?? entity;
  });
}

/** A PEP 503 project page: one anchor per file, `data-requires-python` and `data-yanked` as attributes. */
function parseProjectHtml(text: string): { files: IndexFile[]; versions: string[] } {
  const files: IndexFile[] = [];
  // Attribute values are quoted; some servers leave `>` unescaped inside them (`data-requires-python=">=3.8"`).
  for (const anchor of text.matchAll(/<a\s((?:[^>"']|"[^"]*"|'[^']*')*)>([^<]*)<\/a\s*>/gi)) {
    const attributes = new Map<string, string>();
    for (const attribute of (anchor[1] ?? "").matchAll(/([a-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/gi)) {
      attributes.set(
        (attribute[1] ?? "").toLowerCase(),
        decodeHtmlEntities(attribute[2] ?? attribute[3] ?? attribute[4] ?? ""),
      );
    }
    const href = attributes.get("href") ?? "";
    const filename =
      decodeHtmlEntities(anchor[2] ?? "").trim() || safeDecode(href.split("#")[0]?.split("/").pop() ?? "");
    if (filename === "") continue;
    const requiresPython = attributes.get("data-requires-python");
    const yankedReason = attributes.get("data-yanked");
    files.push({
      filename,
      ...(requiresPython ? { requiresPython } : {}),
      yanked: attributes.has("data-yanked"),
      ...(yankedReason ? { yankedReason } : {}),
    });
  }
  return { files, versions: [] };
}

/** The version a file distributes, when it is a wheel or sdist of `project`; other files pip does not install. */
function fileDistribution(file: IndexFile, project: string): { version: string; wheel: boolean } | undefined {
  const wheel = parseWheelFilename(file.filename);
  if (wheel) return normalizeProjectName(wheel.name) === project ? { version: wheel.version, wheel: true } : undefined;
  const version = parseSdistFilename(file.filename, project);
  return version === undefined ? undefined : { version, wheel: false };
}

/** `below` versions just under `pin` and `above` just over it, from a list sorted ascending. */
function nearest(
  sorted: readonly string[],
  pin: string,
  compareTo: (version: string, pin: string) => number,
  below = 3,
  above = 2,
): string[] {
  const insertAt = sorted.findIndex((version) => compareTo(version, pin) > 0);
  const split = insertAt === -1 ? sorted.length : insertAt;
  return [...sorted.slice(Math.max(0, split - below), split), ...sorted.slice(split, split + above)];
}

function comparePep440Safe(a: string, b: string): number {
  try {
    return comparePep440(a, b);
  } catch {
    return a.localeCompare(b);
  }
}

function sortPep440(versions: Iterable<string>): string[] {
  return [...new Set(versions)].filter((version) => validPep440(version) !== null).sort(comparePep440Safe);
}

/** How installable a pin's file is on the target, best first (pip prefers any non-yanked file to a yanked one). */
type FileGrade = "wheel" | "sdist" | "yanked-wheel" | "yanked-sdist";
const GRADE_ORDER: readonly FileGrade[] = ["wheel", "sdist", "yanked-wheel", "yanked-sdist"];

/** What one index says about a pip pin. */
type PipOutcome =
  | { state: "installable"; source: Source; grade: FileGrade; files: IndexFile[]; version: string }
  | { state: "incompatible"; source: Source; files: IndexFile[]; excludedByPython: string[] }
  | { state: "version-missing"; source: Source; versions: string[] }
  | { state: "absent"; source: Source }
  | { state: "error"; source: Source; message: string };

function judgePipPage(
  page: ProjectPage,
  source: Source,
  project: string,
  pin: PipPin,
  target: IndexTarget,
): PipOutcome {
  if (page.kind === "absent") return { state: "absent", source };
  if (page.kind === "error") return { state: "error", source, message: page.message };
  const versions = new Set(page.versions);
  const pinned: { file: IndexFile; version: string; wheel: boolean }[] = [];
  for (const file of page.files) {
    const distribution = fileDistribution(file, project);
    if (!distribution) continue;
    versions.add(distribution.version);
    if (versionMatches(distribution.version, pin.version, pin.operator)) pinned.push({ file, ...distribution });
  }
  const versionListed = [...versions].some((version) => versionMatches(version, pin.version, pin.operator));
  if (pinned.length === 0 && !versionListed) return { state: "version-missing", source, versions: [...versions] };
  const graded = new Map<FileGrade, { files: IndexFile[]; version: string }>();
  const excludedByPython = new Set<string>();
  for (const { file, version, wheel } of pinned) {
    if (!requiresPythonAdmits(file.requiresPython, target.python)) {
      if (file.requiresPython) excludedByPython.add(file.requiresPython.trim());
      continue;
    }
    const parsedWheel = wheel ? parseWheelFilename(file.filename) : undefined;
    if (parsedWheel && !wheelSupported(parsedWheel, target)) continue;
    const grade: FileGrade = `${file.yanked ? "yanked-" : ""}${wheel ? "wheel" : "sdist"}`;
    const entry = graded.get(grade) ?? { files: [], version };
    entry.files.push(file);
    graded.set(grade, entry);
  }
  for (const grade of GRADE_ORDER) {
    const entry = graded.get(grade);
    if (entry) return { state: "installable", source, grade, files: entry.files, version: entry.version };
  }
  return {
    state: "incompatible",
    source,
    files: pinned.map(({ file }) => file),
    excludedByPython: [...excludedByPython],
  };
}

function pinText(pin: PipPin): string {
  return `${pin.name}${pin.operator ?? "=="}${pin.version}`;
}

function listText(items: readonly string[], limit = LIST_LIMIT): string {
  const shown = items.slice(0, limit).join(", ");
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}

// ---- conda repodata ---------------------------------------------------------------------------------

/** One package build in a channel: all that is kept of a repodata.json entry. */
interface CondaRecord {
  version: string;
  build: string;
  subdir: string;
}

type Repodata =
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

type VersionToken = number | string;

/** conda's VersionOrder, enough to compare and sort: epoch, then `.`/`_` components of number and letter runs. */
interface CondaVersion {
  epoch: number;
  release: VersionToken[][];
  local: VersionToken[][];
}

function condaComponents(text: string): VersionToken[][] {
  if (text === "") return [];
  return text.split(/[._-]/).map((part) => {
    const tokens: VersionToken[] = (part.match(/\d+|\D+/g) ?? []).map((token) =>
      /^\d/.test(token) ? Number(token) : token,
    );
    // conda puts a 0 before a component that starts with letters, so 1.a sorts like 1.0a.
    if (typeof tokens[0] === "string") tokens.unshift(0);
    return tokens;
  });
}

function parseCondaVersion(text: string): CondaVersion {
  let rest = text.trim().toLowerCase();
  let epoch = 0;
  const epochMatch = /^(\d+)!/.exec(rest);
  if (epochMatch) {
    epoch = Number(epochMatch[1]);
    rest = rest.slice(epochMatch[0].length);
  }
  const plus = rest.indexOf("+");
  const local = plus === -1 ? "" : rest.slice(plus + 1);
  if (plus !== -1) rest = rest.slice(0, plus);
  return { epoch, release: condaComponents(rest), local: condaComponents(local) };
}

/** conda: `dev` sorts before everything, `post` after everything, other letters before numbers. */
function compareToken(a: VersionToken, b: VersionToken): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") {
    if (a === b) return 0;
    if (a === "dev" || b === "post") return -1;
    if (b === "dev" || a === "post") return 1;
    return a < b ? -1 : 1;
  }
  const text = typeof a === "string" ? a : (b as string);
  const stringFirst = typeof a === "string";
  const stringIsLess = text !== "post";
  return stringFirst === stringIsLess ? -1 : 1;
}

function compareComponent(a: readonly VersionToken[], b: readonly VersionToken[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const order = compareToken(a[index] ?? 0, b[index] ?? 0);
    if (order !== 0) return order;
  }
  return 0;
}

function compareComponents(a: readonly VersionToken[][], b: readonly VersionToken[][]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const order = compareComponent(a[index] ?? [], b[index] ?? []);
    if (order !== 0) return order;
  }
  return 0;
}

export function compareCondaVersions(a: string, b: string): number {
  const left = parseCondaVersion(a);
  const right = parseCondaVersion(b);
  return (
    left.epoch - right.epoch ||
    compareComponents(left.release, right.release) ||
    compareComponents(left.local, right.local)
  );
}

/** The pin's version as written in the spec, without operators or a trailing `.*`. */
function condaPinVersion(pin: CondaPin): string {
  return pin.version
    .trim()
    .replace(/^==?/, "")
    .replace(/\.?\*$/, "");
}

/**
 * Does `candidate` match the pin? Exact: equal as conda versions (1.2 == 1.2.0). Fuzzy (`=1.2`, conda's
 * `1.2.*`): the candidate's leading components are the pin's, so 1.2 and 1.2.5 match but 1.20 does not.
 */
export function condaVersionMatches(candidate: string, pinVersion: string, exact: boolean): boolean {
  if (exact) return compareCondaVersions(candidate, pinVersion) === 0;
  const have = parseCondaVersion(candidate);
  const want = parseCondaVersion(pinVersion);
  if (have.epoch !== want.epoch) return false;
  const last = want.release.length - 1;
  for (let index = 0; index < last; index += 1) {
    if (compareComponent(have.release[index] ?? [], want.release[index] ?? []) !== 0) return false;
  }
  const wantLast = want.release[last] ?? [];
  const haveLast = have.release[last] ?? [];
  return wantLast.every((token, index) => compareToken(haveLast[index] ?? 0, token) === 0);
}

/** A conda build string pattern: `*` is any run of characters; otherwise the whole string. */
function buildMatches(build: string, pattern: string | undefined): boolean {
  if (pattern === undefined || pattern === "" || pattern === "*") return true;
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(build);
}

interface ChannelSource extends Source {
  /** As the user wrote it (`conda-forge`, `defaults`, a URL). */
  name: string;
}

// ---- the client -----------------------------------------------------------------------------------

type Fetched = { kind: "response"; response: PipelineResponse } | { kind: "error"; message: string };

export class PackageIndex {
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;
  /** At most `concurrency` index requests in flight. */
  private readonly limit: LimitFunction;
  private readonly secrets = new Secrets();
  private readonly pipSources: Source[];
  private readonly projectPages = new Map<string, Promise<ProjectPage>>();
  private readonly repodata = new Map<string, Promise<Repodata>>();
  private readonly resolvedChannels = new Map<string, ChannelSource[]>();
  /** The credentials of the index or channel a request was made for, and the origin they may go to. */
  private readonly requestCredentials = new WeakMap<PipelineRequest, { origin: string; authorization: string }>();
  /** HTTP attempts, retries and redirect hops included. */
  private attempts = 0;
  private readonly attemptsByRequest = new WeakMap<PipelineRequest, number>();

  constructor(private readonly options: PackageIndexOptions) {
    // No index given: pip's default.
    const pipIndexUrls = options.pipIndexUrls.length > 0 ? options.pipIndexUrls : [DEFAULT_PIP_INDEX_URL];
    this.pipSources = pipIndexUrls.map((url) => parseSource(url, this.secrets));
    this.httpClient = createDefaultHttpClient();
    this.limit = pLimit(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
    this.pipeline = createPipelineFromOptions({
      // An explicit `ca` replaces Node's roots; keep them, so public pypi.org still verifies next to a private index.
      ...(options.ca ? { tlsOptions: { ca: [...rootCertificates, options.ca] } } : {}),
      userAgentOptions: { userAgentPrefix: "aml-preflight" },
      // pip follows a redirect to another host (pypi.python.org -> pypi.org); credentials do not follow it.
      redirectOptions: { allowCrossOriginRedirects: true },
    });
    // The SDK's default waits out any Retry-After, however long: replace it with the capped one.
    this.pipeline.removePolicy({ name: "defaultRetryPolicy" });
    this.pipeline.addPolicy(
      preflightRetryPolicy({
        maxRetries: Math.max(0, options.retries),
        retryDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
        maxRetryDelayMs: MAX_RETRY_DELAY_MS,
        maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
      }),
      { phase: "Retry" },
    );
    // After the redirect policy, so every hop is counted and credentials stay on their index's host.
    this.pipeline.addPolicy(this.wirePolicy, { afterPhase: "Sign", afterPolicies: ["redirectPolicy"] });
  }

  /** HTTP requests sent so far (each retry and redirect counts). */
  get requests(): number {
    return this.attempts;
  }

  async checkPip(pins: PipPin[], target: IndexTarget): Promise<IndexVerdict[]> {
    return Promise.all(pins.map((pin) => this.checkPipPin(pin, target)));
  }

  async checkConda(pins: CondaPin[], target: IndexTarget): Promise<IndexVerdict[]> {
    return Promise.all(pins.map((pin) => this.checkCondaPin(pin, target)));
  }

  private readonly wirePolicy: PipelinePolicy = {
    name: "packageIndexWire",
    sendRequest: (request, next) => {
      this.attempts += 1;
      this.attemptsByRequest.set(request, (this.attemptsByRequest.get(request) ?? 0) + 1);
      // Credentials go with their own index's requests, and not across a redirect to another host.
      const credential = this.requestCredentials.get(request);
      if (credential && originOf(request.url) === credential.origin)
        request.headers.set("Authorization", credential.authorization);
      else request.headers.delete("Authorization");
      return next(request);
    },
  };

  /** GET `url` of `source`; a 200 body streams when `stream` is set. Never throws. */
  private async fetch(source: Source, url: string, accept: string, stream: boolean): Promise<Fetched> {
    const request = createPipelineRequest({
      url,
      method: "GET",
      headers: createHttpHeaders({ Accept: accept }),
      timeout: this.options.requestTimeoutMs,
      ...(stream ? { streamResponseStatusCodes: new Set([200]) } : {}),
      ...(url.startsWith("http:") ? { allowInsecureConnection: true } : {}),
    });
    if (source.authorization)
      this.requestCredentials.set(request, { origin: originOf(source.base), authorization: source.authorization });
    try {
      return { kind: "response", response: await this.pipeline.sendRequest(this.httpClient, request) };
    } catch (error) {
      return { kind: "error", message: this.describeError(error, request) };
    }
  }

  private describeError(error: unknown, request: PipelineRequest): string {
    const attempts = this.attemptsByRequest.get(request) ?? 1;
    const after = attempts > 1 ? ` (after ${attempts} attempts)` : "";
    if (error instanceof Error && error.name === "AbortError")
      return `no answer within ${this.options.requestTimeoutMs} ms${after}`;
    const text = error instanceof Error ? error.message : String(error);
    const code = isRestError(error) && error.code && !text.includes(error.code) ? ` (${error.code})` : "";
    // One line, no stack, no credentials.
    const line = (text.split("\n")[0] ?? "").trim().slice(0, 300);
    return this.secrets.redact(`${line}${code}${after}`);
  }

  private statusMessage(response: PipelineResponse): string {
    const attempts = this.attemptsByRequest.get(response.request) ?? 1;
    const hint =
      response.status === 401 || response.status === 403 ? " (the index refused the credentials, or wants some)" : "";
    return `HTTP ${response.status}${hint}${attempts > 1 ? ` after ${attempts} attempts` : ""}`;
  }

  // ---- pip ----

  /** The answer for `key`, loaded once per run within the concurrency limit. */
  private once<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let pending = cache.get(key);
    if (!pending) {
      pending = this.limit(load);
      cache.set(key, pending);
    }
    return pending;
  }

  private projectPage(source: Source, project: string): Promise<ProjectPage> {
    return this.once(this.projectPages, `${source.base}\n${project}`, () => this.loadProjectPage(source, project));
  }

  private async loadProjectPage(source: Source, project: string): Promise<ProjectPage> {
    if (source.invalid) return { kind: "error", message: source.invalid };
    const fetched = await this.fetch(source, `${source.base}/${encodeURIComponent(project)}/`, SIMPLE_ACCEPT, false);
    if (fetched.kind === "error") return fetched;
    const { response } = fetched;
    if (response.status === 404 || response.status === 410) return { kind: "absent" };
    if (response.status !== 200) return { kind: "error", message: this.statusMessage(response) };
    const body = response.bodyAsText ?? "";
    const contentType = response.headers.get("content-type") ?? "";
    const parsed = contentType.includes("html")
      ? parseProjectHtml(body)
      : (parseProjectJson(body) ?? (/<a\s/i.test(body) ? parseProjectHtml(body) : undefined));
    if (!parsed)
      return {
        kind: "error",
        message: `the answer is neither a PEP 691 JSON nor a PEP 503 HTML project page (content-type ${contentType || "none"})`,
      };
    return { kind: "found", ...parsed };
  }

  private async checkPipPin(pin: PipPin, target: IndexTarget): Promise<IndexVerdict> {
    const pythonKnown = target.python !== undefined;
    const targetEvidence = {
      python: target.python ?? "unknown",
      pythonKnown,
      platform: target.platform,
      glibc: target.glibc,
    };
    const indexes = this.pipSources.map((source) => source.display);
    if (pin.marker !== undefined && evaluateMarker(pin.marker, target) === false) {
      return this.verdict(
        pin,
        "pip",
        "package-on-index",
        "skip",
        `Not looked up: ${pinText(pin)} has the marker \`${pin.marker}\`, which is false on ${describeWheelTarget(target)}, so pip skips it.`,
        {
          ...targetEvidence,
          marker: pin.marker,
          markerApplies: false,
        },
      );
    }
    const project = normalizeProjectName(pin.name);
    const outcomes = await Promise.all(
      this.pipSources.map(async (source) =>
        judgePipPage(await this.projectPage(source, project), source, project, pin, target),
      ),
    );
    const where = describeWheelTarget(target);
    const unknownPython = pythonKnown ? "" : " The Python version was not known, so every Python tag was accepted.";

    let best: Extract<PipOutcome, { state: "installable" }> | undefined;
    for (const outcome of outcomes) {
      if (
        outcome.state === "installable" &&
        (!best || GRADE_ORDER.indexOf(outcome.grade) < GRADE_ORDER.indexOf(best.grade))
      )
        best = outcome;
    }
    if (best) {
      const files = best.files.map((file) => file.filename);
      const evidence = {
        ...targetEvidence,
        indexes,
        index: best.source.display,
        version: best.version,
        files: files.slice(0, LIST_LIMIT),
      };
      if (best.grade === "wheel") {
        return this.verdict(
          pin,
          "pip",
          "package-on-index",
          "pass",
          `${pinText(pin)} is on ${best.source.display} with a wheel for ${where} (${files[0] ?? ""}).${unknownPython}`,
          evidence,
        );
      }
      if (best.grade === "sdist") {
        return this.verdict(
          pin,
          "pip",
          "package-on-index",
          "warn",
          `${pinText(pin)} is on ${best.source.display}, but only as a source distribution for ${where} (${files[0] ?? ""}): pip builds it from source, which needs a compiler and the library headers in the image.${unknownPython}`,
          { ...evidence, sourceOnly: true },
        );
      }
      const reason = best.files.find((file) => file.yankedReason)?.yankedReason;
      return this.verdict(
        pin,
        "pip",
        "package-on-index",
        "warn",
        `${pinText(pin)} is on ${best.source.display} but yanked${reason ? ` ("${reason}")` : ""}: pip still installs a yanked release for an exact pin, with a warning. Its maintainers withdrew it; prefer another version.${best.grade === "yanked-sdist" ? " It is also only a source distribution (built with a compiler)." : ""}`,
        {
          ...evidence,
          yanked: true,
          ...(reason ? { yankedReason: reason } : {}),
          ...(best.grade === "yanked-sdist" ? { sourceOnly: true } : {}),
        },
      );
    }

    const errors = outcomes.filter(
      (outcome): outcome is Extract<PipOutcome, { state: "error" }> => outcome.state === "error",
    );
    const incompatible = outcomes.filter(
      (outcome): outcome is Extract<PipOutcome, { state: "incompatible" }> => outcome.state === "incompatible",
    );
    const versionMissing = outcomes.filter(
      (outcome): outcome is Extract<PipOutcome, { state: "version-missing" }> => outcome.state === "version-missing",
    );
    const elsewhere = outcomes
      .filter((outcome) => outcome.state !== "error")
      .map(
        (outcome) =>
          `${outcome.state === "absent" ? "no such project" : outcome.state === "version-missing" ? "no such version" : "no file for this target"} on ${outcome.source.display}`,
      );

    if (errors.length > 0) {
      return this.verdict(
        pin,
        "pip",
        "package-index-unreachable",
        "unknown",
        `Could not tell whether ${pinText(pin)} is available: ${errors.map((error) => `${error.source.display}: ${error.message}`).join("; ")}${elsewhere.length > 0 ? ` (${elsewhere.join("; ")})` : ""}.`,
        {
          ...targetEvidence,
          indexes,
          unreachable: errors.map((error) => error.source.display),
          errors: errors.map((error) => `${error.source.display}: ${error.message}`),
        },
      );
    }

    if (incompatible.length > 0) {
      const files = incompatible.flatMap((outcome) => outcome.files);
      const tags = [
        ...new Set(
          files.map((file) => {
            const wheel = parseWheelFilename(file.filename);
            return wheel ? wheelTagText(wheel) : "sdist";
          }),
        ),
      ];
      const excludedByPython = [...new Set(incompatible.flatMap((outcome) => outcome.excludedByPython))];
      const pythonNote =
        excludedByPython.length > 0
          ? ` requires-python ${listText(excludedByPython)} excludes Python ${target.python ?? ""}.`
          : "";
      const seen =
        files.length === 0 ? "the index lists the version but no installable file" : `seen ${listText(tags)}`;
      return this.verdict(
        pin,
        "pip",
        "package-no-compatible-file",
        "fail",
        `${pinText(pin)} is on ${incompatible.map((outcome) => outcome.source.display).join(", ")}, but none of its ${files.length} file(s) installs on ${where}: ${seen}.${pythonNote}${unknownPython}`,
        {
          ...targetEvidence,
          indexes,
          index: incompatible[0]?.source.display ?? "",
          files: files.map((file) => file.filename).slice(0, LIST_LIMIT),
          tagsSeen: tags.slice(0, LIST_LIMIT),
          ...(excludedByPython.length > 0 ? { requiresPython: excludedByPython } : {}),
        },
      );
    }

    if (versionMissing.length > 0) {
      const versions = sortPep440(versionMissing.flatMap((outcome) => outcome.versions));
      const close = nearest(versions, pin.version, comparePep440Safe);
      return this.verdict(
        pin,
        "pip",
        "package-missing-from-index",
        "fail",
        `${pin.name} has no version ${pin.version} on ${indexes.join(", ")}${close.length > 0 ? `; nearest versions: ${close.join(", ")}` : "; it lists no versions"}.`,
        { ...targetEvidence, indexes, projectFound: true, nearestVersions: close, versionsSeen: versions.length },
      );
    }

    return this.verdict(
      pin,
      "pip",
      "package-missing-from-index",
      "fail",
      `No project named ${pin.name} on ${indexes.join(", ")}.`,
      {
        ...targetEvidence,
        indexes,
        projectFound: false,
      },
    );
  }

  // ---- conda ----

  /** The URLs a channel spec stands for (resolved once: each resolution records the URL's secrets). */
  private resolveChannel(name: string): ChannelSource[] {
    const spec = name.trim().replace(/\/+$/, "");
    const known = this.resolvedChannels.get(spec);
    if (known) return known;
    const resolved = this.resolveChannelUrls(spec);
    this.resolvedChannels.set(spec, resolved);
    return resolved;
  }

  private resolveChannelUrls(spec: string): ChannelSource[] {
    if (spec === "defaults")
      return this.options.condaDefaultChannels.map((url) => ({ ...parseSource(url, this.secrets), name: "defaults" }));
    if (spec.includes("://")) {
      const source = parseSource(spec, this.secrets);
      return [{ ...source, name: source.display }];
    }
    // `pkgs/main` names a default channel, not `<alias>/pkgs/main`.
    const asDefault = this.options.condaDefaultChannels.find((url) => url.replace(/\/+$/, "").endsWith(`/${spec}`));
    const url = asDefault ?? `${this.options.condaChannelAlias.replace(/\/+$/, "")}/${spec}`;
    return [{ ...parseSource(url, this.secrets), name: spec }];
  }

  private channels(pin: CondaPin): ChannelSource[] {
    const listed = this.options.condaChannels.filter(
      (channel) => channel.trim() !== "" && channel.trim() !== "nodefaults",
    );
    // No channels at all: conda uses `defaults`.
    const names = pin.channel ? [pin.channel] : listed.length > 0 ? listed : ["defaults"];
    const seen = new Set<string>();
    return names
      .flatMap((name) => this.resolveChannel(name))
      .filter((channel) => !seen.has(channel.base) && seen.add(channel.base));
  }

  private subdirData(channel: Source, subdir: string): Promise<Repodata> {
    return this.once(this.repodata, `${channel.base}/${subdir}`, () => this.loadRepodata(channel, subdir));
  }

  private async loadRepodata(channel: Source, subdir: string): Promise<Repodata> {
    if (channel.invalid) return { kind: "error", message: channel.invalid };
    const fetched = await this.fetch(channel, `${channel.base}/${subdir}/repodata.json`, "application/json", true);
    if (fetched.kind === "error") return fetched;
    const { response } = fetched;
    if (response.status === 404) return { kind: "absent" };
    if (response.status !== 200)
      return { kind: "error", message: `${subdir}/repodata.json: ${this.statusMessage(response)}` };
    const stream = response.readableStreamBody;
    if (!stream) return { kind: "error", message: `${subdir}/repodata.json: empty answer` };
    const scanner = new RepodataScanner(subdir);
    const decoder = new TextDecoder("utf-8");
    let idle: NodeJS.Timeout | undefined;
    const stalled = new Error(`no data for ${this.options.requestTimeoutMs} ms`);
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (stream instanceof Readable) stream.destroy(stalled);
      }, this.options.requestTimeoutMs);
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
          : this.secrets.redact((error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "");
      return { kind: "error", message: `${subdir}/repodata.json: ${message}` };
    } finally {
      clearTimeout(idle);
    }
    return { kind: "ok", packages: scanner.packages };
  }

  private async checkCondaPin(pin: CondaPin, target: IndexTarget): Promise<IndexVerdict> {
    const channels = this.channels(pin);
    const version = condaPinVersion(pin);
    const spec = `${pin.channel ? `${pin.channel}::` : ""}${pin.name}${pin.exact ? "==" : "="}${version}${pin.build ? `=${pin.build}` : ""}`;
    const name = pin.name.toLowerCase();
    const subdirs = [...new Set([target.condaSubdir, "noarch"])];
    const channelData = await Promise.all(
      channels.map(async (channel) => ({
        channel,
        data: await Promise.all(
          subdirs.map(async (subdir) => ({ subdir, repodata: await this.subdirData(channel, subdir) })),
        ),
      })),
    );
    const shown = channels.map((channel) => channel.display);
    const baseEvidence = { channels: shown, subdirs, exact: pin.exact, ...(pin.build ? { build: pin.build } : {}) };

    const records: { channel: ChannelSource; record: CondaRecord }[] = [];
    for (const { channel, data } of channelData) {
      for (const { repodata } of data) {
        if (repodata.kind !== "ok") continue;
        for (const record of repodata.packages.get(name) ?? []) records.push({ channel, record });
      }
    }
    const versionMatched = records.filter(({ record }) => condaVersionMatches(record.version, version, pin.exact));
    const matched = versionMatched.filter(({ record }) => buildMatches(record.build, pin.build));
    // Channels are searched in priority order, as conda would.
    const firstChannel = channels.find((channel) => matched.some((entry) => entry.channel === channel));
    if (firstChannel) {
      // Newest first: what conda would pick.
      const inChannel = matched
        .filter((entry) => entry.channel === firstChannel)
        .map(({ record }) => record)
        .sort((a, b) => compareCondaVersions(b.version, a.version) || a.build.localeCompare(b.build));
      const builds = inChannel.map((record) => `${record.version}=${record.build}`);
      return this.verdict(
        pin,
        "conda",
        "package-on-index",
        "pass",
        `${spec} is on ${firstChannel.display} (${[...new Set(inChannel.map((record) => record.subdir))].join(", ")}): ${listText(builds, 3)}.`,
        {
          ...baseEvidence,
          channel: firstChannel.display,
          subdir: inChannel[0]?.subdir ?? "",
          matched: builds.slice(0, LIST_LIMIT),
        },
      );
    }

    const errors = channelData.flatMap(({ channel, data }) =>
      data.flatMap(({ repodata }) => (repodata.kind === "error" ? [`${channel.display}: ${repodata.message}`] : [])),
    );
    if (errors.length > 0) {
      return this.verdict(
        pin,
        "conda",
        "package-index-unreachable",
        "unknown",
        `Could not tell whether ${spec} is available: ${errors.join("; ")}.`,
        {
          ...baseEvidence,
          errors,
        },
      );
    }

    const missingChannels = channelData
      .filter(({ data }) => data.every(({ repodata }) => repodata.kind === "absent"))
      .map(({ channel }) => channel.display);
    const missingNote = missingChannels
      .map(
        (channel) =>
          ` Channel ${channel} has no ${target.condaSubdir}/repodata.json (nor noarch): it does not exist or is not a conda channel.`,
      )
      .join("");
    const where = `${shown.join(", ")} (${subdirs.join(", ")})`;
    const evidence = { ...baseEvidence, ...(missingChannels.length > 0 ? { missingChannels } : {}) };

    if (versionMatched.length > 0) {
      const builds = [...new Set(versionMatched.map(({ record }) => record.build))].sort();
      return this.verdict(
        pin,
        "conda",
        "package-missing-from-index",
        "fail",
        `${spec}: ${pin.name} ${version} is on ${where}, but no build matches ${pin.build ?? ""}; builds seen: ${listText(builds)}.${missingNote}`,
        {
          ...evidence,
          buildsSeen: builds.slice(0, LIST_LIMIT),
        },
      );
    }
    if (records.length > 0) {
      const versions = [...new Set(records.map(({ record }) => record.version))].sort(compareCondaVersions);
      const close = nearest(versions, version, compareCondaVersions);
      return this.verdict(
        pin,
        "conda",
        "package-missing-from-index",
        "fail",
        `${spec} is not on ${where}; nearest versions: ${close.join(", ")}.${missingNote}`,
        {
          ...evidence,
          packageFound: true,
          nearestVersions: close,
        },
      );
    }
    if (missingChannels.length === channels.length && channels.length > 0) {
      return this.verdict(
        pin,
        "conda",
        "package-missing-from-index",
        "fail",
        `${spec} cannot be found:${missingNote}`,
        { ...evidence, packageFound: false },
      );
    }
    return this.verdict(
      pin,
      "conda",
      "package-missing-from-index",
      "fail",
      `No package named ${pin.name} on ${where}.${missingNote}`,
      {
        ...evidence,
        packageFound: false,
      },
    );
  }

  /** Every verdict passes through here, so no message or evidence can carry a credential. */
  private verdict(
    pin: PipPin | CondaPin,
    kind: "pip" | "conda",
    id: IndexVerdictId,
    status: IndexVerdict["status"],
    message: string,
    evidence: IndexVerdict["evidence"],
  ): IndexVerdict {
    const clean: IndexVerdict["evidence"] = {};
    for (const [key, value] of Object.entries(evidence)) {
      clean[key] =
        typeof value === "string"
          ? this.secrets.redact(value)
          : Array.isArray(value)
            ? value.map((item) => this.secrets.redact(item))
            : value;
    }
    return { pin, kind, id, status, message: this.secrets.redact(message), evidence: clean };
  }
}
