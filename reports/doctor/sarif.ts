// SARIF 2.1.0 for `build-log` and `env`: code-scanning views (a pull request's annotations, Azure
// DevOps' Scans tab) put each finding on its file and line. One rule per finding id, one result per
// finding that did not pass or skip; an `unknown` is kind "open" (could not determine), level "none",
// as in the audit's SARIF.

import { safeJson } from "../../src/core/visible.js";
import type { Log, ReportingDescriptor, Result } from "sarif";
import { doctorExitSentence } from "../../src/doctor/report.js";
import type { DoctorFinding, DoctorReport } from "../../src/doctor/types.js";
import { DEFAULT_DOCTOR_OPTIONS, type DoctorRenderOptions } from "./text.js";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export function renderDoctorSarif(report: DoctorReport, options: DoctorRenderOptions = DEFAULT_DOCTOR_OPTIONS): string {
  const shown = report.findings.filter((finding) => finding.status !== "pass" && finding.status !== "skip");
  const ids = [...new Set(shown.map((finding) => finding.id))];
  const rules = ids.map((id) => rule(shown.find((finding) => finding.id === id) as DoctorFinding));
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: { name: report.tool.name, version: report.tool.version, semanticVersion: report.tool.version, rules },
        },
        automationDetails: { id: `aml-preflight-${report.command}/${report.source.path}/` },
        // Paths are as given on the command line: relative to where it ran.
        originalUriBaseIds: { SRCROOT: { description: { text: "The directory preflight ran in" } } },
        results: shown.map((finding) => result(finding, ids.indexOf(finding.id))),
        properties: {
          command: report.command,
          summary: report.summary,
          exit: doctorExitSentence(report, options.failOn),
          ...(report.outcome ? { outcome: report.outcome } : {}),
        },
      },
    ],
  };
  // JSON as the JSON report writes it: what a terminal could act on stays escaped.
  return safeJson(log);
}

function rule(finding: DoctorFinding): ReportingDescriptor {
  return {
    id: finding.id,
    name: finding.id.replace(/(^|-)([a-z0-9])/g, (_whole, _dash: string, letter: string) => letter.toUpperCase()),
    shortDescription: { text: finding.title },
    defaultConfiguration: {
      level: finding.status === "warn" ? "warning" : finding.status === "unknown" ? "none" : "error",
    },
    properties: { tags: ["azure-machine-learning", "aml-preflight", finding.file === "-" ? "stdin" : "file"] },
  };
}

function result(finding: DoctorFinding, ruleIndex: number): Result {
  const anchor = finding.excerpt.find((line) => line.line === finding.line);
  return {
    ruleId: finding.id,
    ruleIndex,
    ...(finding.status === "unknown"
      ? { kind: "open" as const, level: "none" as const }
      : { kind: "fail" as const, level: finding.status === "warn" ? ("warning" as const) : ("error" as const) }),
    message: { text: `${finding.message} Fix: ${finding.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation:
            finding.file === "-"
              ? { uri: "stdin" }
              : { uri: uriOf(finding.file), ...(isAbsolute(finding.file) ? {} : { uriBaseId: "SRCROOT" }) },
          region: { startLine: finding.line, ...(anchor ? { snippet: { text: anchor.text } } : {}) },
        },
      },
    ],
    partialFingerprints: {
      "amlPreflightDoctor/v1": `${finding.id}|${finding.file}|${(finding.packages ?? []).join(",")}|${anchor?.text.trim() ?? finding.line}`,
    },
    properties: {
      status: finding.status,
      ...(finding.packages ? { packages: finding.packages } : {}),
      evidence: finding.evidence,
      ...(finding.related ? { related: finding.related } : {}),
    },
  };
}

/** The path as given, as a URI: relative to SRCROOT, or a file:// URL when absolute. */
function uriOf(path: string): string {
  const slashed = path.replaceAll("\\", "/");
  const encoded = slashed
    .split("/")
    .map((segment) => (/^[A-Za-z]:$/.test(segment) ? segment : encodeURIComponent(segment)))
    .join("/");
  if (slashed.startsWith("/")) return `file://${encoded}`;
  if (/^[A-Za-z]:\//.test(slashed)) return `file:///${encoded}`;
  return encoded;
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(path);
}
