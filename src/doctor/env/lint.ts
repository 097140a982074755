// `preflight env`: lint one environment file, and the files an Azure ML environment spec names. The
// caller supplies the reading (the CLI reads the disk), so this stays testable without files.

import { posix } from "node:path";
import { PreflightError } from "../../core/errors.js";
import { sortFindings } from "../report.js";
import type { DoctorFinding, SourceKind } from "../types.js";
import { isAzureMlEnvironment, lintAzureMlEnvironment } from "./azureml-environment.js";
import { lintCondaFile } from "./conda.js";
import { lintDockerfile } from "./dockerfile.js";
import type { ImageContext } from "./image-reference.js";
import { lintPipEntry, requirementEntries, type PipSink } from "./requirements.js";
import {
  emptyHints,
  envFinding,
  placeholderFinding,
  sourceFile,
  type EnvKind,
  type IndexHints,
  type LintResult,
  type SourceFile,
} from "./shared.js";

export type { EnvKind } from "./shared.js";

export interface EnvLintOptions extends ImageContext {
  /** Overrides what the file name and content say the file is. */
  kind?: EnvKind;
}

export interface EnvLint {
  source: { path: string; kind: SourceKind; lines: number };
  files: { path: string; kind: SourceKind; lines: number }[];
  findings: DoctorFinding[];
  hints: IndexHints;
  /** Each file's text by path, for excerpts of findings made later (--check-index). */
  texts: Map<string, string>;
}

/** What a file is, from its name, else its content. */
export function detectKind(path: string, text: string): EnvKind {
  const name = posix.basename(path.replaceAll("\\", "/"));
  if (/^(?:Dockerfile|Containerfile)(?:\..*)?$|\.(?:dockerfile|containerfile)$/i.test(name)) return "dockerfile";
  if (/\.txt$|requirements/i.test(name)) return "requirements";
  if (/\.ya?ml$/i.test(name)) return isAzureMlEnvironment(text) ? "azureml-environment" : "conda";
  const first =
    text
      .split("\n")
      .find((line) => line.trim() !== "" && !line.trim().startsWith("#"))
      ?.trim() ?? "";
  if (/^(?:FROM|ARG)\s/i.test(first)) return "dockerfile";
  if (/^(?:name|channels|dependencies|\$schema|image|conda_file|build|docker):/.test(first))
    return isAzureMlEnvironment(text) ? "azureml-environment" : "conda";
  return "requirements";
}

function lintOne(file: SourceFile, options: EnvLintOptions): LintResult {
  switch (file.kind) {
    case "conda":
      return lintCondaFile(file);
    case "dockerfile":
      return lintDockerfile(file, options);
    case "azureml-environment":
      return lintAzureMlEnvironment(file, options);
    default: {
      const sink: PipSink = { findings: [], hints: emptyHints(), follow: [], placeholders: [] };
      for (const entry of requirementEntries(file)) lintPipEntry(entry, file, sink);
      const placeholder = placeholderFinding(file, sink.placeholders);
      return {
        findings: placeholder ? [placeholder, ...sink.findings] : sink.findings,
        hints: sink.hints,
        follow: sink.follow ?? [],
      };
    }
  }
}

export async function lintEnvironment(
  path: string,
  text: string,
  read: (path: string) => Promise<string | undefined>,
  options: EnvLintOptions = {},
): Promise<EnvLint> {
  const kind = options.kind ?? detectKind(path, text);
  const source = sourceFile(path, kind, text);
  const main = lintOne(source, options);
  const findings = [...main.findings];
  const hints = main.hints;
  const files: EnvLint["files"] = [];
  const texts = new Map([[path, text]]);
  // Followed breadth-first, each file once (requirements files may name each other).
  const queue = main.follow.map((followed) => ({ ...followed, from: source }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (texts.has(next.path)) continue;
    const followedText = await read(next.path);
    if (followedText === undefined) {
      findings.push(
        envFinding("environment-file-missing", next.from, next.line, {
          message: `${next.path} (named here) cannot be read.`,
          evidence: { path: next.path },
        }),
      );
      continue;
    }
    const file = sourceFile(next.path, next.kind, followedText);
    texts.set(file.path, followedText);
    files.push({ path: file.path, kind: file.kind, lines: file.lines.length });
    const result = lintOne(file, options);
    findings.push(...result.findings);
    mergeHints(hints, result.hints);
    queue.push(...result.follow.map((followed) => ({ ...followed, from: file })));
  }
  if (source.lines.length === 0) throw new PreflightError(`${path} is empty`);
  return {
    source: { path, kind, lines: source.lines.length },
    files,
    findings: sortFindings(findings, [path, ...files.map((file) => file.path)]),
    hints,
    texts,
  };
}

function mergeHints(into: IndexHints, from: IndexHints): void {
  into.pip.push(...from.pip);
  into.conda.push(...from.conda);
  into.indexUrl ??= from.indexUrl;
  into.extraIndexUrls.push(...from.extraIndexUrls);
  into.channels.push(...from.channels.filter((channel) => !into.channels.includes(channel)));
  into.python ??= from.python;
}
