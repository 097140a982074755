// What the environment linters share: the file being read, findings built from rule ids, and the
// pins `--check-index` later looks up.

import type { DoctorFinding, SourceKind, SourceLine } from "../types.js";
import { ENV_RULES, type ActiveEnvRuleId } from "./rules.js";

export type { EnvKind } from "./kinds.js";

export interface SourceFile {
  /** The path as the user gave it, or as the environment spec names it relative to itself. */
  path: string;
  kind: SourceKind;
  text: string;
  lines: string[];
}

export function sourceFile(path: string, kind: SourceKind, text: string): SourceFile {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  if (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return { path, kind, text, lines };
}

export function excerptOf(file: SourceFile, from: number, to = from): SourceLine[] {
  const start = Math.max(1, from);
  const end = Math.min(file.lines.length, Math.max(from, to));
  return file.lines.slice(start - 1, end).map((text, index) => ({ line: start + index, text }));
}

export interface FindingDetails {
  message: string;
  packages?: string[];
  evidence?: DoctorFinding["evidence"];
  fix?: string;
  /** Last line of the excerpt (a continued line); default the anchor line. */
  end?: number;
}

export function envFinding(
  rule: ActiveEnvRuleId,
  file: SourceFile,
  line: number,
  details: FindingDetails,
): DoctorFinding {
  const definition = ENV_RULES[rule];
  return {
    id: rule,
    status: definition.status,
    title: definition.title,
    message: details.message,
    file: file.path,
    line,
    excerpt: excerptOf(file, line, details.end ?? line),
    fix: details.fix ?? definition.fix,
    ...(details.packages ? { packages: details.packages } : {}),
    evidence: details.evidence ?? {},
  };
}

// A template placeholder: `{{latest-image-tag}}`, `{{latest-pypi-version}}`, `{{asset.name}}`, or with a
// pattern, `{{latest-image-tag:biweekly\.\d{6}\.\d{1}.*}}` (azureml-assets fills them when it publishes an
// environment). A name comes first, so a Go template's `{{ .Value }}` in a shell string is not one.
const PLACEHOLDER = /\{\{\s*[A-Za-z_][\w.-]*(?::[^\n]*?)?\s*\}\}/g;
// What a placeholder is judged as: valid as a version, a tag, a path component and a host, and never `latest`.
const FILLED = "0.0";

/** The template placeholders in a value, as written. */
export function placeholdersIn(text: string): string[] {
  return text.match(PLACEHOLDER) ?? [];
}

/** The value with each placeholder replaced by a neutral stand-in, so that the rest of it can be judged. */
export function fillPlaceholders(text: string): string {
  return text.replace(PLACEHOLDER, FILLED);
}

/** Whether a placeholder stands where an image's tag would be (`{{base-image}}`, `base{{suffix}}`). */
export function placeholderMayBeTag(image: string): boolean {
  return placeholdersIn(image.split("/").at(-1) ?? image).length > 0;
}

/** A placeholder met while reading a file. */
export interface PlaceholderSeen {
  line: number;
  placeholder: string;
}

/** One finding per file, on the first placeholder's line, naming every one (a template repeats them). */
export function placeholderFinding(file: SourceFile, seen: readonly PlaceholderSeen[]): DoctorFinding | undefined {
  const ordered = [...seen].sort((left, right) => left.line - right.line);
  const first = ordered[0];
  if (!first) return undefined;
  const distinct = [...new Set(ordered.map((entry) => entry.placeholder))];
  const lines = [...new Set(ordered.map((entry) => entry.line))];
  return envFinding("template-placeholder", file, first.line, {
    message: `${distinct.join(", ")} ${distinct.length === 1 ? "is a template placeholder" : "are template placeholders"} (line${lines.length === 1 ? "" : "s"} ${lines.join(", ")}), filled in before the build: what ${distinct.length === 1 ? "it becomes" : "they become"} cannot be judged here.`,
    evidence: { placeholders: distinct, lines: lines.map(String) },
  });
}

/** A pip requirement pinned to one version, for --check-index. */
interface PipPinned {
  name: string;
  version: string;
  /** `==` (PEP 440 equality) or `===` (the exact string). */
  operator: "==" | "===";
  file: string;
  line: number;
  /** The PEP 508 marker, when the requirement has one (it may not apply to the target). */
  marker?: string;
}

/** A conda spec pinned to a version (`=1.2` fuzzy, `==1.2.3` exact), for --check-index. */
interface CondaPinned {
  name: string;
  version: string;
  exact: boolean;
  build?: string;
  channel?: string;
  file: string;
  line: number;
}

/** What a file tells --check-index: pins, and the indexes and channels it names. */
export interface IndexHints {
  pip: PipPinned[];
  conda: CondaPinned[];
  indexUrl?: string;
  extraIndexUrls: string[];
  channels: string[];
  /** The Python the conda file pins ("3.10"). */
  python?: string;
}

export function emptyHints(): IndexHints {
  return { pip: [], conda: [], extraIndexUrls: [], channels: [] };
}

export interface LintResult {
  findings: DoctorFinding[];
  hints: IndexHints;
  /** Files this one names (an Azure ML environment's conda file and Dockerfile), resolved by the caller. */
  follow: { path: string; kind: SourceKind; line: number }[];
}
