// Pip requirements: a requirements.txt, or the `- pip:` list of a conda file (the same syntax, one
// entry per item). A line is judged as pip reads it: PEP 508 parsing is pip-requirements-js's, each
// version specifier is held to PEP 440 by @renovatebot/pep440 (what pip 24.1 and newer, through
// `packaging`, accept), and pip's own options and per-requirement flags (--hash) are handled here because
// that library parses requirement lines only.

import { validRange } from "@renovatebot/pep440";
import {
  parsePipRequirementsLine,
  parsePipRequirementsLineLoosely,
  type LooseProjectNameRequirement,
  type Requirement,
} from "pip-requirements-js";
import type { DoctorFinding } from "../types.js";
import { posix } from "node:path";
import {
  envFinding,
  fillPlaceholders,
  placeholdersIn,
  type IndexHints,
  type LintResult,
  type PlaceholderSeen,
  type SourceFile,
} from "./shared.js";

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

/** Where a linter collects what its requirement entries say. */
export interface PipSink {
  hints: IndexHints;
  findings: DoctorFinding[];
  /** Nested requirements files (`-r`), when the caller follows them. */
  follow?: LintResult["follow"];
  placeholders: PlaceholderSeen[];
}

export interface PipContext {
  /**
   * The pip that installs these is pinned below 24.1, which still took a non-PEP 440 version or
   * specifier (`>=1.*`, `==latest`) as a legacy one: a risk then, not a refusal.
   */
  legacyPip?: string;
}

/** What one requirement entry came to. */
export type PipEntryVerdict = "option" | "not-judged" | "pinned" | "unpinned" | "invalid" | "placeholder";

/**
 * Judges one requirement entry: unpinned (warn), refused by pip (fail), a template placeholder, or pinned
 * (a pin for --check-index). Options are recorded (index URLs) or passed over (-r, -e, --find-links, ...).
 */
export function lintPipEntry(
  entry: PipEntry,
  file: SourceFile,
  sink: PipSink,
  context: PipContext = {},
): PipEntryVerdict {
  const { hints, findings, follow } = sink;
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
    return "option";
  }
  // Per-requirement options (--hash=..., --config-settings) follow the requirement.
  const requirement = text.split(/\s+--?[A-Za-z]/)[0]?.trim() ?? "";
  if (NOT_A_PROJECT.test(requirement) || /^\S+\s*@\s*\S+/.test(requirement)) return "not-judged";
  const placeholders = placeholdersIn(requirement);
  if (placeholders.length > 0) {
    sink.placeholders.push(...placeholders.map((placeholder) => ({ line: entry.line, placeholder })));
    // The rest is still judged as if filled (`name>={{v}}` is a range whatever it becomes); a line that
    // only the filled value could make valid is left to the placeholder finding.
    const filled = judgeRequirement(fillPlaceholders(requirement));
    const name = requirement.split(/[\s[<>=!~;(]/)[0] ?? requirement;
    if (filled.verdict === "unpinned" && placeholdersIn(name).length === 0)
      reportUnpinned(filled, requirement, entry, file, findings);
    return "placeholder";
  }
  const judged = judgeRequirement(requirement);
  if (judged.verdict === "not-a-project") return "not-judged";
  if (judged.verdict === "legacy" && context.legacyPip) {
    reportUnpinned(
      { ...judged, note: `pip ${context.legacyPip} takes it as a legacy specifier; pip 24.1 and newer refuse it` },
      requirement,
      entry,
      file,
      findings,
    );
    return "unpinned";
  }
  if (judged.verdict === "invalid" || judged.verdict === "legacy") {
    findings.push(
      envFinding("requirement-invalid", file, entry.line, {
        message: `pip refuses "${requirement}": ${judged.reason}.`,
        end: entry.end,
        evidence: {
          requirement,
          ...("suggestion" in judged && judged.suggestion ? { suggestion: judged.suggestion } : {}),
        },
        ...("fix" in judged && judged.fix ? { fix: judged.fix } : {}),
      }),
    );
    return "invalid";
  }
  if (judged.verdict === "unpinned") {
    reportUnpinned(judged, requirement, entry, file, findings);
    return "unpinned";
  }
  // A series pin (`==1.6.*`) names no single version to look up.
  if (judged.version !== undefined && judged.operator !== undefined) {
    const marker = requirement.includes(";") ? requirement.slice(requirement.indexOf(";") + 1).trim() : undefined;
    hints.pip.push({
      name: judged.name,
      version: judged.version,
      operator: judged.operator,
      file: file.path,
      line: entry.line,
      ...(marker ? { marker } : {}),
    });
  }
  return "pinned";
}

function reportUnpinned(
  judged: { name: string; specifier: string; note?: string },
  requirement: string,
  entry: PipEntry,
  file: SourceFile,
  findings: DoctorFinding[],
): void {
  const spec = judged.specifier;
  findings.push(
    envFinding("package-unpinned", file, entry.line, {
      message: `${judged.name} is not pinned to a version${spec ? ` (${spec})` : ""}${judged.note ? `: ${judged.note}` : ""}.`,
      packages: [judged.name],
      end: entry.end,
      evidence: { requirement, ...(spec ? { specifier: spec } : {}) },
    }),
  );
}

/** PEP 440's comparison operators: the only ones pip takes. */
const OPERATORS = new Set(["~=", "==", "!=", "<=", ">=", "<", ">", "==="]);

/** How pip reads one requirement (no options, no URL). */
export type RequirementJudgement =
  | { verdict: "not-a-project" }
  | {
      verdict: "invalid";
      reason: string;
      /** The line as pip would take it, when the mistake is a known one (`numpy=1.26.4`). */
      suggestion?: string;
      fix?: string;
    }
  | {
      /** Refused by pip 24.1 and newer (`packaging` 22+), taken as a legacy specifier by older pip. */
      verdict: "legacy";
      name: string;
      specifier: string;
      reason: string;
    }
  | { verdict: "unpinned"; name: string; specifier: string }
  | {
      verdict: "pinned";
      name: string;
      specifier: string;
      /** The one version, for --check-index; absent for a series pin (`==1.6.*`). */
      version?: string;
      operator?: "==" | "===";
    };

export function judgeRequirement(requirement: string): RequirementJudgement {
  let parsed: Requirement | LooseProjectNameRequirement | null;
  try {
    parsed = parsePipRequirementsLine(requirement);
  } catch {
    // The strict grammar tries `==` before `===` and so refuses `name===1.0`, which PEP 440 allows:
    // only that line is read loosely (its specifiers are still held to PEP 440 below).
    const loose = looseParse(requirement);
    if (!requirement.includes("===") || !loose) return refused(requirement, loose);
    parsed = loose;
  }
  if (!parsed || parsed.type !== "ProjectName") return { verdict: "not-a-project" };
  const name = parsed.name;
  const parts = (parsed.versionSpec ?? []).map((part) => ({
    operator: String(part.operator),
    version: part.version ?? "",
  }));
  const specifier = parts.map((part) => `${part.operator}${part.version}`).join(",");
  for (const part of parts) {
    if (!OPERATORS.has(part.operator) || part.version === "") return refused(requirement, parsed);
    if (validRange(`${part.operator}${part.version}`)) continue;
    // No pip ever took `~=` outside PEP 440 (`~=1`, `~=1.*`): older pip's legacy specifiers had no `~=`.
    if (part.operator === "~=")
      return {
        verdict: "invalid",
        reason: `~=${part.version} is not a PEP 440 specifier (~= takes a release of at least two numbers, e.g. ~=1.4)`,
      };
    return {
      verdict: "legacy",
      name,
      specifier,
      reason: `${part.operator}${part.version} is not a PEP 440 version specifier (pip 24.1 and newer refuse it)`,
    };
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.operator === "===") return { verdict: "pinned", name, specifier, version: only.version, operator: "===" };
  if (only?.operator === "==" && !only.version.includes("*"))
    return { verdict: "pinned", name, specifier, version: only.version, operator: "==" };
  // `==1.6.*` is PEP 440's prefix match: one release series, as conda's `=1.6` is. `==1.*` spans a major version.
  if (only?.operator === "==" && /^\d+(?:\.\d+)+\.\*$/.test(only.version))
    return { verdict: "pinned", name, specifier };
  return { verdict: "unpinned", name, specifier };
}

function looseParse(requirement: string): LooseProjectNameRequirement | undefined {
  try {
    const loose = parsePipRequirementsLineLoosely(requirement);
    return loose?.type === "ProjectName" ? loose : undefined;
  } catch {
    return undefined;
  }
}

/** Why pip refuses a line, with pip's own hint for conda's `=` and the reversed `=>`, `=<`. */
function refused(
  requirement: string,
  loose: LooseProjectNameRequirement | Requirement | undefined,
): Extract<RequirementJudgement, { verdict: "invalid" }> {
  const parts = loose?.type === "ProjectName" ? (loose.versionSpec ?? []) : [];
  const wrong = parts.find((part) => !OPERATORS.has(String(part.operator)));
  if (loose?.type === "ProjectName" && wrong) {
    const operator = String(wrong.operator);
    const meant = operator === "=" ? "==" : operator === "=>" ? ">=" : operator === "=<" ? "<=" : undefined;
    if (meant) {
      const suggestion = requirement.replace(operator === "=" ? /(?<![<>=!~])=(?!=)/ : operator, meant);
      return {
        verdict: "invalid",
        reason: `${operator} is not a valid operator (${operator === "=" ? "conda pins with =, pip with ==" : `did you mean ${meant}?`}: "${suggestion}")`,
        suggestion,
        fix:
          operator === "="
            ? `Write \`${suggestion}\` for pip, or move it to the conda dependencies, where \`${requirement}\` is conda's pin.`
            : `Write \`${suggestion}\`.`,
      };
    }
    return {
      verdict: "invalid",
      reason: `${operator} is not a valid operator (pip takes ~=, ==, !=, <=, >=, <, >, ===)`,
    };
  }
  if (parts.some((part) => !part.version)) return { verdict: "invalid", reason: "a version specifier has no version" };
  return { verdict: "invalid", reason: "it is not a PEP 508 requirement" };
}
