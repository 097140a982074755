// The config file (docs/waivers.md): `--config FILE`, else preflight.config.yaml (.yml, .json) in the
// working directory. It holds defaults for the audit and fleet flags and the waivers. It is held to
// src/cli/config.schema.json, which ships with the package, and then to what a schema cannot say (a
// check that exists, a real date, at most a year out); anything wrong is one line naming the file, the
// entry and the field, and exit 2, before any request.

import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import type { ErrorObject } from "ajv";
import leven from "leven";
import { CHECKS, findCheck } from "../../checks/index.js";
import { PreflightError } from "../core/errors.js";
import type { FailOn } from "../core/status.js";
import type { Waiver, WaiverSet } from "../engine/waivers.js";
import type { ParsedArgs } from "./args.js";
import type { WaiverNote } from "../../reports/shared.js";
import { visibleStrings } from "../core/visible.js";
import { docsUrlProblem, type Output } from "./common.js";
import type { CliIo } from "./io.js";
import validateGenerated from "./generated/config.validate.js";
import schema from "./config.schema.json" with { type: "json" };

/** The files looked for in the working directory when --config is not given. */
const CONFIG_FILES = ["preflight.config.yaml", "preflight.config.yml", "preflight.config.json"] as const;

/** What the file gives as flag defaults (a flag on the command line beats each). */
export interface ConfigDefaults {
  failOn?: FailOn;
  only?: string[];
  skip?: string[];
  docsUrl?: string;
  fleet?: { subscription?: string[]; "management-group"?: string[]; "resource-group"?: string[]; tag?: string[] };
}

/** A config file, read and checked. */
export interface LoadedConfig {
  file: string;
  defaults: ConfigDefaults;
  /** Absent when the file lists none. */
  waivers?: WaiverSet;
}

/** The file as its schema describes it. */
interface ConfigFile {
  "fail-on"?: FailOn;
  only?: string[];
  skip?: string[];
  "docs-url"?: string;
  fleet?: ConfigDefaults["fleet"];
  waivers?: Waiver[];
}

// Generated from the schema by `npm run generate`, as the snapshot's validator is: nothing is compiled at start.
const validate = validateGenerated as ((data: unknown) => data is ConfigFile) & { errors?: ErrorObject[] | null };

/** The longest config file read: a few thousand waivers fit in far less. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** A waiver may run at most this long from the day it is read. */
const LONGEST_WAIVER_YEARS = 1;

/**
 * The run's config: the file --config names (`--no-config`: none), else the one of CONFIG_FILES in the
 * working directory, else none. `now` is the run's clock: waivers' expiry is judged by its day in UTC.
 */
export async function loadConfig(args: ParsedArgs, now: Date): Promise<LoadedConfig | undefined> {
  const given: unknown = Array.isArray(args.config) ? (args.config as unknown[]).at(-1) : args.config;
  if (given === false) return undefined;
  if (given !== undefined && (typeof given !== "string" || given.trim() === ""))
    throw new PreflightError("--config was given without a file; name one, or give --no-config to use none");
  const file = typeof given === "string" ? given : await foundConfig();
  if (file === undefined) return undefined;
  return checkConfig(await parseConfig(await readConfig(file), file), file, now.toISOString().slice(0, 10));
}

/** The one config file of the working directory, if any; two are refused rather than one picked. */
async function foundConfig(): Promise<string | undefined> {
  const present = (
    await Promise.all(
      CONFIG_FILES.map(async (name) => ((await stat(name).catch(() => undefined))?.isFile() ? name : "")),
    )
  ).filter(Boolean);
  if (present.length > 1)
    throw new PreflightError(
      `${present.join(" and ")} are both in this directory; keep one, or choose with --config FILE`,
    );
  return present[0];
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
};

async function readConfig(file: string): Promise<string> {
  try {
    const { size } = await stat(file);
    if (size > MAX_CONFIG_BYTES)
      throw new PreflightError(`cannot read config ${file}: it is ${Math.round(size / 1024)} KB, more than 1 MB`);
    return await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof PreflightError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new PreflightError(`cannot read config ${file}: ${code ? (READ_FAILURES[code] ?? code) : String(error)}`);
  }
}

/** JSON for a .json file, YAML for any other (an empty YAML file is no settings at all). */
async function parseConfig(text: string, file: string): Promise<unknown> {
  if (extname(file).toLowerCase() === ".json") {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new PreflightError(`${file}: not valid JSON (${firstLine(error)})`);
    }
  }
  // Loaded only for a YAML file: an audit without one does not pay for the parser at start. The
  // bundle hands a CommonJS package to import() as its default export only.
  const yaml: typeof import("yaml") & { default?: typeof import("yaml") } = await import("yaml");
  const parseYaml = yaml.default?.parse ?? yaml.parse;
  try {
    return (parseYaml(text) as unknown) ?? {};
  } catch (error) {
    // `check: *` is the likeliest way to meet YAML's aliases.
    const alias = /\balias\b/i.test(firstLine(error)) ? '; a value starting with * must be quoted: check: "*"' : "";
    throw new PreflightError(`${file}: not valid YAML (${firstLine(error)})${alias}`);
  }
}

function firstLine(error: unknown): string {
  return ((error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "").replace(/:\s*$/, "");
}

/** The parsed file held to the schema and then to what the schema cannot say, as flag defaults and waivers. */
export function checkConfig(data: unknown, file: string, today: string): LoadedConfig {
  if (!validate(data)) {
    const first = validate.errors?.[0];
    throw new PreflightError(`${file}: ${first ? schemaProblem(first, data) : "does not match the config schema"}`);
  }
  const refuse = (where: string, problem: string) => new PreflightError(`${file}: ${where} ${problem}`);
  for (const key of ["only", "skip"] as const)
    (data[key] ?? []).forEach((id, at) => {
      if (!findCheck(id)) throw refuse(`${key}[${at}]`, `"${id}" is not a check${nearestCheck(id)}`);
    });
  const docsProblem = data["docs-url"] === undefined ? undefined : docsUrlProblem(data["docs-url"]);
  if (docsProblem) throw refuse("docs-url", docsProblem);
  const latest = yearFrom(today);
  (data.waivers ?? []).forEach((waiver, at) => {
    const entry = `${waiverLabel(at, waiver)}:`;
    if (waiver.check !== "*" && !findCheck(waiver.check))
      throw refuse(entry, `check "${waiver.check}" is neither a check id nor *${nearestCheck(waiver.check)}`);
    if (!/^\/subscriptions\//i.test(waiver.resource))
      throw refuse(entry, `resource must be an ARM resource ID or a glob over IDs, starting /subscriptions/`);
    if (!isCalendarDate(waiver.expires))
      throw refuse(entry, `expires ${waiver.expires} is not a date; give the last day it holds, YYYY-MM-DD`);
    if (waiver.expires > latest)
      throw refuse(
        entry,
        `expires ${waiver.expires} is more than a year out (${latest} at the latest): review the risk by then and renew it`,
      );
  });
  const { fleet } = data;
  return {
    file,
    defaults: {
      ...(data["fail-on"] !== undefined ? { failOn: data["fail-on"] } : {}),
      ...(data.only !== undefined ? { only: data.only } : {}),
      ...(data.skip !== undefined ? { skip: data.skip } : {}),
      ...(data["docs-url"] !== undefined ? { docsUrl: data["docs-url"] } : {}),
      ...(fleet !== undefined ? { fleet } : {}),
    },
    ...(data.waivers && data.waivers.length > 0 ? { waivers: { file, today, waivers: data.waivers } } : {}),
  };
}

/** "waivers[2] (key-sync)": the entry by its place in the list (from 0) and its check, when it has one. */
function waiverLabel(at: number, waiver: unknown): string {
  const check = (waiver as { check?: unknown } | null)?.check;
  return `waivers[${at}]${typeof check === "string" && check !== "" ? ` (${check})` : ""}`;
}

/** "; did you mean key-sync?" for a check id that is nearly one, else the list to pick from. */
function nearestCheck(id: string): string {
  const ids = CHECKS.map((check) => check.id);
  const near = ids
    .map((candidate) => ({ candidate, distance: leven(id, candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  return near && near.distance <= Math.max(2, Math.floor(id.length / 3))
    ? `; did you mean ${near.candidate}?`
    : ` (known: ${ids.join(", ")})`;
}

/** YYYY-MM-DD that is a day of the calendar (not 2026-02-30). */
function isCalendarDate(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === text;
}

/** The same day a year after `today` (1 March after 29 February), YYYY-MM-DD. */
function yearFrom(today: string): string {
  const [year, month, day] = today.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year + LONGEST_WAIVER_YEARS, month - 1, day)).toISOString().slice(0, 10);
}

/** What a field is, as a message says it must be. */
const PATTERN_MEANING: Readonly<Record<string, string>> = {
  check: "must be a check id (preflight checks lists them) or * for every check",
  resource: "must be an ARM resource ID or a glob over IDs, starting /subscriptions/",
  reason: "must say why the risk is accepted (it is empty)",
  owner: "must name who answers for the waiver (it is empty)",
  expires: "must be the last day the waiver holds, YYYY-MM-DD",
  "docs-url": "must contain {id}, e.g. https://example.org/docs/checks/{id}.md",
  only: "must be a check id (preflight checks lists them)",
  skip: "must be a check id (preflight checks lists them)",
  tag: "must be key=value, e.g. team=vision",
};

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: "a mapping (key: value)",
  array: "a list",
  string: "text",
};

/** One line for the schema's first objection: the entry and field, what it must be, and what it is. */
function schemaProblem(error: ErrorObject, data: unknown): string {
  const segments = error.instancePath.split("/").slice(1);
  const where = location(segments, data);
  const value = valueAt(segments, data);
  const field = [...segments].reverse().find((segment) => !/^\d+$/.test(segment)) ?? "";
  const inWaiver = segments[0] === "waivers" && segments.length >= 2;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const missing = String(params.missingProperty);
      const rule = inWaiver ? "; every waiver needs check, resource, reason and expires" : "";
      return `${where}: ${missing} is missing${rule}`;
    }
    case "additionalProperties": {
      const extra = String(params.additionalProperty);
      return `${segments.length === 0 ? "" : `${where}: `}unknown field "${extra}"${nearestField(extra, segments)}`;
    }
    case "type":
      return `${where} must be ${TYPE_WORDS[String(params.type)] ?? String(params.type)}, got ${shown(value)}`;
    case "enum":
      return `${where} must be one of ${(params.allowedValues as unknown[]).map(String).join(", ")}, got ${shown(value)}`;
    case "pattern":
      return `${where} ${PATTERN_MEANING[field] ?? "is not valid"}, got ${shown(value)}`;
    case "minItems":
      return `${where} is an empty list; list at least one, or leave ${field} out`;
    default:
      return `${where} ${error.message ?? "is not valid"}`;
  }
}

/** Where in the file: "waivers[1] (key-sync) reason", "fleet tag[0]", "fail-on"; the top for the file itself. */
function location(segments: readonly string[], data: unknown): string {
  if (segments.length === 0) return "the file";
  const parts: string[] = [];
  for (let at = 0; at < segments.length; at += 1) {
    const segment = segments[at] as string;
    const next = segments[at + 1];
    if (next !== undefined && /^\d+$/.test(next)) {
      parts.push(
        segment === "waivers" && at === 0
          ? waiverLabel(Number(next), valueAt(segments.slice(0, 2), data))
          : `${segment}[${next}]`,
      );
      at += 1;
    } else parts.push(segment);
  }
  const [entry, ...field] = parts;
  return field.length > 0 ? `${entry ?? ""}: ${field.join(".")}` : (entry ?? "");
}

function valueAt(segments: readonly string[], data: unknown): unknown {
  let node = data;
  for (const segment of segments) node = (node as Record<string, unknown> | undefined)?.[segment];
  return node;
}

/** A value as typed, short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** "; did you mean reason?" for a misspelt field, else the fields the place takes. */
function nearestField(extra: string, segments: readonly string[]): string {
  type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode };
  let node: SchemaNode | undefined = schema as SchemaNode;
  for (const segment of segments) node = /^\d+$/.test(segment) ? node?.items : node?.properties?.[segment];
  const known = Object.keys(node?.properties ?? {}).filter((name) => name !== "$schema");
  const near = known
    .map((candidate) => ({ candidate, distance: leven(extra.toLowerCase(), candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  if (near && near.distance <= Math.max(2, Math.floor(extra.length / 3))) return `; did you mean ${near.candidate}?`;
  return known.length > 0 ? ` (known: ${known.join(", ")})` : "";
}

/**
 * The waivers to look at (expired, stale, expiring) as warning lines on stderr, unless the report on
 * stdout is the text one, which shows them itself. None of them changes the exit code.
 */
export function warnAboutWaivers(
  io: CliIo,
  notes: readonly WaiverNote[],
  outputs: ReadonlyArray<Output<string>>,
): void {
  const main = outputs[0];
  if (main && main.format === "text" && !main.path) return;
  for (const note of visibleStrings(notes)) io.stderr(`preflight: warning: ${note.text}\n`);
}
