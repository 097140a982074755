// Pip requirements: a requirements.txt, or the `- pip:` list of a conda file (the same syntax, one
// entry per item). PEP 508 parsing is pip-requirements-js's; pip's own options and per-requirement
// flags (--hash) are handled here because that library parses requirement lines only.

import {
  parsePipRequirementsLine,
  parsePipRequirementsLineLoosely,
  type LooseProjectNameRequirement,
  type Requirement,
} from "pip-requirements-js";
import type { DoctorFinding } from "../types.js";
import { posix } from "node:path";
import { envFinding, type IndexHints, type LintResult, type SourceFile } from "./shared.js";

/** One requirement as pip reads it: continuation lines joined, the comment dropped. */
export interface PipEntry {
  line: number;
  end: number;
  text: string;
}

export function requirementEntries(file: SourceFile): PipEntry[] {
  const entries: PipEntry[] = [];
  let pending: PipEntry | undefined;
  file.lines.forEach((raw, index) => {
    const line = index + 1;
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, "") : raw;
    pending = pending
      ? { ...pending, end: line, text: `${pending.text} ${part.trim()}` }
      : { line, end: line, text: part };
    if (continued) return;
    entries.push(pending);
    pending = undefined;
  });
  if (pending) entries.push(pending);
  return entries
    .map((entry) => ({ ...entry, text: stripComment(entry.text).trim() }))
    .filter((entry) => entry.text !== "");
}

/** pip: a comment starts at a `#` at the line's start or after whitespace (a URL's #egg= is not one). */
function stripComment(text: string): string {
  return text.replace(/(^|\s)#.*$/, "");
}

const INDEX_URL = /^(?:-i|--index-url)(?:\s+|=)(\S+)/;
const EXTRA_INDEX_URL = /^--extra-index-url(?:\s+|=)(\S+)/;
const REQUIREMENTS_FILE = /^(?:-r|--requirement)(?:\s+|=)(\S+)/;
// URLs, paths, archives and VCS checkouts name no version to pin.
const NOT_A_PROJECT = /^(?:[a-z]+\+)?(?:https?|file|ftp):|^\.{0,2}\/|^[A-Za-z]:\\|\.(?:whl|zip|tar\.gz|tgz|tar\.bz2)$/i;

/**
 * Judges one requirement entry: unpinned (warn), unparseable (fail), or pinned (a pin for --check-index).
 * Options are recorded (index URLs) or passed over (-r, -e, --find-links, ...).
 */
export function lintPipEntry(
  entry: PipEntry,
  file: SourceFile,
  hints: IndexHints,
  findings: DoctorFinding[],
  follow?: LintResult["follow"],
): void {
  const text = entry.text;
  if (text.startsWith("-")) {
    const index = INDEX_URL.exec(text)?.[1];
    if (index) hints.indexUrl = index;
    const extra = EXTRA_INDEX_URL.exec(text)?.[1];
    if (extra) hints.extraIndexUrls.push(extra);
    // pip reads a nested requirements file relative to the file that names it (conda: to the environment file).
    const nested = REQUIREMENTS_FILE.exec(text)?.[1];
    if (nested && follow && !/^[a-z][a-z0-9+.-]*:\/\//i.test(nested)) {
      follow.push({
        path: posix.join(posix.dirname(file.path.replaceAll("\\", "/")), nested),
        kind: "requirements",
        line: entry.line,
      });
    }
    return;
  }
  // Per-requirement options (--hash=..., --config-settings) follow the requirement.
  const requirement = text.split(/\s+--?[A-Za-z]/)[0]?.trim() ?? "";
  if (NOT_A_PROJECT.test(requirement) || /^\S+\s*@\s*\S+/.test(requirement)) return;
  const parsed = parseRequirement(requirement);
  if (!parsed) {
    findings.push(
      envFinding("requirement-invalid", file, entry.line, {
        message: `pip cannot parse "${requirement}".`,
        end: entry.end,
        evidence: { requirement },
      }),
    );
    return;
  }
  const only = parsed.versionSpec.length === 1 ? parsed.versionSpec[0] : undefined;
  const pin =
    only && (only.operator === "==" || only.operator === "===") && !only.version.includes("*")
      ? { version: only.version, operator: only.operator }
      : undefined;
  if (pin === undefined) {
    const spec = parsed.versionSpec.map((part) => `${part.operator}${part.version}`).join(",");
    findings.push(
      envFinding("package-unpinned", file, entry.line, {
        message: `${parsed.name} is not pinned to a version${spec ? ` (${spec})` : ""}.`,
        packages: [parsed.name],
        end: entry.end,
        evidence: { requirement, ...(spec ? { specifier: spec } : {}) },
      }),
    );
    return;
  }
  const marker = requirement.includes(";") ? requirement.slice(requirement.indexOf(";") + 1).trim() : undefined;
  hints.pip.push({
    name: parsed.name,
    version: pin.version,
    operator: pin.operator === "===" ? "===" : "==",
    file: file.path,
    line: entry.line,
    ...(marker ? { marker } : {}),
  });
}

interface ParsedRequirement {
  name: string;
  versionSpec: { operator: string; version: string }[];
}

function parseRequirement(requirement: string): ParsedRequirement | undefined {
  const parsers: ((text: string) => Requirement | LooseProjectNameRequirement | null)[] = [
    (text) => parsePipRequirementsLine(text),
    (text) => parsePipRequirementsLineLoosely(text),
  ];
  for (const parse of parsers) {
    let parsed: Requirement | LooseProjectNameRequirement | null;
    try {
      parsed = parse(requirement);
    } catch {
      continue;
    }
    if (!parsed || parsed.type !== "ProjectName") continue;
    const versionSpec = (parsed.versionSpec ?? []).map((part) => ({
      operator: String(part.operator),
      version: part.version ?? "",
    }));
    // The loose parser accepts "name ===" with no version; pip does not.
    if (versionSpec.some((part) => part.version === "")) return undefined;
    return { name: parsed.name, versionSpec };
  }
  return undefined;
}
