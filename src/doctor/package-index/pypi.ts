// `preflight env --check-index`, pip's side: the PyPI simple API project page (PEP 691 JSON, PEP 503 HTML
// as a fallback), and what one index's page says about a pin on the target.

import {
  normalizeProjectName,
  parseSdistFilename,
  parseWheelFilename,
  requiresPythonAdmits,
  versionMatches,
  wheelSupported,
} from "../wheel-tags.js";
import type { Source } from "./sources.js";
import { safeDecode } from "./sources.js";
import type { IndexTarget, PipPin } from "./types.js";

/** pip's Accept: JSON first, HTML for indexes that do not speak PEP 691. */
export const SIMPLE_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

interface IndexFile {
  filename: string;
  requiresPython?: string;
  yanked: boolean;
  yankedReason?: string;
}

export type ProjectPage =
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

/** A 200 answer's body as a project page: JSON unless the server says HTML, HTML when JSON fails and anchors show. */
export function parseProjectPage(body: string, contentType: string): ProjectPage {
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

/** The version a file distributes, when it is a wheel or sdist of `project`; other files pip does not install. */
function fileDistribution(file: IndexFile, project: string): { version: string; wheel: boolean } | undefined {
  const wheel = parseWheelFilename(file.filename);
  if (wheel) return normalizeProjectName(wheel.name) === project ? { version: wheel.version, wheel: true } : undefined;
  const version = parseSdistFilename(file.filename, project);
  return version === undefined ? undefined : { version, wheel: false };
}

/** How installable a pin's file is on the target, best first (pip prefers any non-yanked file to a yanked one). */
export type FileGrade = "wheel" | "sdist" | "yanked-wheel" | "yanked-sdist";
export const GRADE_ORDER: readonly FileGrade[] = ["wheel", "sdist", "yanked-wheel", "yanked-sdist"];

/** What one index says about a pip pin. */
export type PipOutcome =
  | { state: "installable"; source: Source; grade: FileGrade; files: IndexFile[]; version: string }
  | { state: "incompatible"; source: Source; files: IndexFile[]; excludedByPython: string[] }
  | { state: "version-missing"; source: Source; versions: string[] }
  | { state: "absent"; source: Source }
  | { state: "error"; source: Source; message: string };

/** What one index's project page says about `pin` on `target`. */
export function judgePipPage(
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
