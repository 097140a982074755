// A build log as lines: colour codes gone, and the text each tool printed separated from the prefix
// the runner put in front of it (ACR task timestamps, BuildKit step numbers), so one pattern matches
// pip's line whether it came through `docker build`, BuildKit or an ACR task.

import { stripVTControlCharacters } from "node:util";
import type { SourceLine } from "../types.js";

export interface LogLine extends SourceLine {
  /** What the tool printed, without the runner's prefix; what patterns match. */
  content: string;
}

export type Outcome = "failed" | "succeeded" | "not shown";

const RUNNER_PREFIXES = [
  // ACR task: 2024/03/11 09:12:41
  /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? /,
  // ISO timestamps (az ml job stream, container logs; the image-build compute writes "2025-01-14T09:32:16: ")
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?:? /,
  // The Azure ML run log: "[2021-05-18T10:26:53.917406] "
  /^\[\d{4}-\d{2}-\d{2}T[\d:.]+Z?\] /,
  // BuildKit plain progress: "#9 42.17 " (a step and the seconds into it)
  /^#\d+ \d+\.\d+ /,
];

export function toLogLines(text: string): LogLine[] {
  const lines = text.split("\n");
  // A file ending in a newline has no line after it.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((raw, index) => {
    const clean = stripVTControlCharacters(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    // Progress bars redraw with bare carriage returns: what stays on screen is the last draw.
    const shown = clean.includes("\r") ? clean.slice(clean.lastIndexOf("\r") + 1) : clean;
    let content = shown;
    for (const prefix of RUNNER_PREFIXES) content = content.replace(prefix, "");
    return { line: index + 1, text: shown, content };
  });
}

// The runner's own words for a build that stopped on an error: docker, BuildKit, ACR tasks, Azure ML. They
// say that it failed, not why. BuildKit ends with `ERROR: failed to solve` (Docker 28: `ERROR: failed to
// build: failed to solve`; Docker 20.10: `failed to solve with frontend ...`).
const CLOSING = alternatives(
  /returned a non-zero code: [1-9]|failed to run step ID|Run ID: \S+ failed after|did not complete successfully: exit code/,
  /ERROR: failed to (?:solve|build)\b|^(?:error: )?failed to solve\b|executor failed running|Container failed during run/,
  /^(?:Image build|Build) failed\b/,
);
// Errors that end a build and say why: conda's last word, and the daemon's error that is all the legacy
// builder prints when it stops outside a RUN step (`COPY failed:`, a pull refused, a full disk).
const FATAL = alternatives(
  /CondaEnvException:/,
  /^(?:(?:COPY|ADD) failed|failed to register layer|Error response from daemon|unable to prepare context|toomanyrequests): /,
  /^pull access denied for \S+, repository does not exist/,
);

function alternatives(...parts: RegExp[]): RegExp {
  return new RegExp(parts.map((part) => part.source).join("|"));
}

// BuildKit's export lines keep their step number (`#12 naming to ... done`).
const SUCCEEDED =
  /^Successfully built [0-9a-f]+|^Successfully tagged |Run ID: \S+ was successful after|^(?:#\d+ )?naming to \S+ done|^(?:#\d+ )?writing image sha256:[0-9a-f]+ done/;

/** Lines only a build runner prints: docker's and BuildKit's steps, ACR task headers, the outcome. */
const RUNNER_LINES =
  /^(?:Step \d+\/\d+ : |#\d+ \[[^\]]*\] |#\d+ (?:DONE|CACHED|ERROR)\b|Run ID: |Sending build context|\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} )/;

/** Whether a text is a build log rather than an environment file: a runner's step lines, or its outcome. */
export function looksLikeBuildLog(text: string): boolean {
  const lines = toLogLines(text);
  // ACR's own timestamps are a runner's mark; other timestamps (the compute's, a pipeline's) are set aside.
  const runnerLines = lines.filter((line) => RUNNER_LINES.test(line.text) || RUNNER_LINES.test(line.content)).length;
  return runnerLines >= 2 || outcomeOf(lines) !== "not shown";
}

/** The step a build was running last before `line` (docker's `Step 5/8 : RUN ...`, BuildKit's `#7 [3/6] RUN ...`). */
export function stepBefore(lines: readonly LogLine[], line: number): string | undefined {
  for (let index = Math.min(line, lines.length) - 1; index >= 0; index -= 1) {
    const text = lines[index]?.content ?? "";
    const step = /^(?:Step \d+\/\d+ : .*|#\d+ \[[^\]]*\d+\/\d+\] .*)$/.exec(text.trim());
    if (step) return step[0];
  }
  return undefined;
}

/**
 * Whether the log shows the build failing, succeeding, or neither (a pasted fragment). The runner's closing
 * line wins wherever it is; a daemon's error (`FATAL`) fails the build only when no success follows it, since
 * a script's `docker rm -f old || true` or a cache `docker pull ... || true` prints one before a clean build.
 */
export function outcomeOf(lines: readonly LogLine[]): Outcome {
  if (lines.some((line) => CLOSING.test(line.content))) return "failed";
  const lastSuccess = lines.findLastIndex((line) => SUCCEEDED.test(line.content));
  if (lines.some((line, index) => index > lastSuccess && FATAL.test(line.content))) return "failed";
  return lastSuccess >= 0 ? "succeeded" : "not shown";
}

// Lines a reader scans for when nothing is recognised. Pip's progress and success lines often carry
// package names such as "error-handler"; they are not errors.
// Beside the words: Python's exception names (`ModuleNotFoundError:`, conda's `UnsatisfiableError:`), apt's
// `E: ` and the shell's `Killed` when the kernel ends a process that ran out of memory.
const ERRORISH =
  /\b(?:error|errors|failed|failure|exception|fatal|denied|cannot|could not|not found|non-zero|exit (?:code|status))\b|^E: |^Killed\s*$/i;
// Apart, since the words above ignore case and a CamelCase exception name must not.
const EXCEPTION_NAME = /\b[A-Z]\w*(?:Error|Exception)\b/;
const NOT_ERRORS =
  /^(?:Collecting|Downloading|Requirement already satisfied|Installing collected packages|Successfully|Building wheel|Created wheel|Stored in directory|Using cached|WARNING: Running pip as)\b/;

export function looksLikeError(line: LogLine): boolean {
  const content = line.content.trimStart();
  // The runner's closing "returned a non-zero code" says that it failed, not why; conda's
  // CondaEnvException and the daemon's errors are the tools' own last word and stay.
  if (FATAL.test(content)) return true;
  if (CLOSING.test(content)) return false;
  return (ERRORISH.test(content) || EXCEPTION_NAME.test(content)) && !NOT_ERRORS.test(content);
}

/** A line where the runner says the build failed: what is left to show when no tool said why. */
export function isClosingLine(line: LogLine): boolean {
  return CLOSING.test(line.content.trimStart());
}

/** A package name at the start of a requirement or spec ("bad-package==0.0", "conda-forge::numpy=1.2"). */
export function packageName(spec: string): string {
  const withoutChannel = spec.includes("::") ? spec.slice(spec.lastIndexOf("::") + 2) : spec;
  const match = /^[A-Za-z0-9_][A-Za-z0-9._-]*/.exec(withoutChannel.trim());
  return match ? match[0] : withoutChannel.trim();
}
