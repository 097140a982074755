// `preflight build-log`: read an image build log and name each cause it shows. Pure: text in, report
// out. A failed build with nothing recognised says so and shows its last error lines; it never guesses.

import { summarise } from "../report.js";
import type { DoctorFinding, DoctorReport, SourceLine } from "../types.js";
import { CAUSES, relatedChecks, type CauseDefinition, type CauseMatch } from "./causes.js";
import { isClosingLine, looksLikeError, outcomeOf, stepBefore, toLogLines, type LogLine } from "./log.js";

export interface BuildLogOptions {
  /** The path as the user gave it (`-` for stdin): findings name it. */
  path: string;
  toolVersion: string;
  /** Fills the workspace into the `preflight --workspace` command offered for service-side causes. */
  workspace?: string;
}

const CONTEXT_BEFORE = 2;
const MAX_EXCERPT = 12;
const LAST_ERROR_LINES = 5;

const NO_KNOWN_CAUSE = {
  id: "no-known-cause",
  title: "No known cause in the log",
  fix:
    "Read the last error lines shown. If the build stopped in a Dockerfile step, rebuild that step locally with `docker build` " +
    "to see it fail; `az ml environment show` and the job's `20_image_build_log.txt` give the full context.",
} as const;

export function analyzeBuildLog(text: string, options: BuildLogOptions): DoctorReport {
  const lines = toLogLines(text);
  const outcome = outcomeOf(lines);
  const matches: { cause: CauseDefinition; match: CauseMatch }[] = CAUSES.flatMap((cause) =>
    cause.find(lines, outcome).map((match) => ({ cause, match })),
  );

  // Pip that timed out and then says "(from versions: none)" never saw the index: that is the timeout.
  const network = matches.find(({ cause }) => cause.id === "network-timeout");
  const neverReachedIndex = ({ cause, match }: (typeof matches)[number]) =>
    network !== undefined &&
    cause.id === "pip-package-not-found" &&
    match.evidence?.versionsOnIndex === "none" &&
    match.line > network.match.line;
  const explained = matches.filter((entry) => !neverReachedIndex(entry));
  const unreached = matches.filter(neverReachedIndex).flatMap(({ match }) => match.packages?.slice(0, 1) ?? []);
  if (network && unreached.length > 0) {
    network.match.evidence = { ...network.match.evidence, thenNotFound: unreached };
    network.match.message += ` Pip then found no versions of ${unreached.join(", ")}: it never reached the index.`;
  }

  const findings: DoctorFinding[] = explained
    .sort(
      (left, right) => left.match.line - right.match.line || CAUSES.indexOf(left.cause) - CAUSES.indexOf(right.cause),
    )
    .map(({ cause, match }) => {
      const related = relatedChecks(cause, match, options.workspace);
      return {
        id: cause.id,
        status: cause.status,
        title: cause.title,
        message: match.message,
        file: options.path,
        line: match.line,
        excerpt: excerpt(lines, match.line, match.end ?? match.line),
        fix: match.fix ?? cause.fix,
        ...(match.packages && match.packages.length > 0 ? { packages: match.packages } : {}),
        evidence: match.evidence ?? {},
        ...(related ? { related } : {}),
      };
    });

  let lastErrorLines: SourceLine[] | undefined;
  if (outcome === "failed" && !findings.some((finding) => finding.status === "fail")) {
    const errorLines = lines.filter(looksLikeError);
    // A Dockerfile that does not parse, a file missing from the context: the runner's closing line is all there is.
    lastErrorLines = (errorLines.length > 0 ? errorLines : lines.filter(isClosingLine))
      .slice(-LAST_ERROR_LINES)
      .map(({ line, text: shown }) => ({ line, text: shown }));
    const last = lastErrorLines.at(-1);
    const step = stepBefore(lines, last?.line ?? lines.length);
    findings.push({
      id: NO_KNOWN_CAUSE.id,
      status: "unknown",
      title: NO_KNOWN_CAUSE.title,
      message: `The build failed${step ? ` in \`${step}\`` : ""}, but on nothing this tool recognises: its last error lines are shown.`,
      file: options.path,
      line: last?.line ?? lines.length,
      excerpt: lastErrorLines,
      fix: NO_KNOWN_CAUSE.fix,
      evidence: step ? { failingStep: step } : {},
    });
  }

  return {
    schemaVersion: 1,
    tool: { name: "aml-preflight", version: options.toolVersion },
    command: "build-log",
    source: { path: options.path, kind: "build-log", lines: lines.length },
    files: [],
    summary: summarise(findings),
    findings,
    outcome,
    ...(lastErrorLines ? { lastErrorLines } : {}),
  };
}

function excerpt(lines: readonly LogLine[], from: number, to: number): SourceLine[] {
  const start = Math.max(1, from - CONTEXT_BEFORE);
  const end = Math.min(lines.length, Math.max(from, to), start + MAX_EXCERPT - 1);
  return lines.slice(start - 1, end).map(({ line, text }) => ({ line, text }));
}
