// A Dockerfile for an Azure ML environment (a custom base image or a build context): its image
// references, the conda it ends up with, and what its `pip install` lines pin. dockerfile-ast does the
// parsing (continuations, the escape directive, ARG/ENV expansion, with line numbers).

import { DockerfileParser, type Argument } from "dockerfile-ast";
import type { DoctorFinding } from "../types.js";
import {
  isAzureMlBaseImage,
  isUnpinned,
  judgeImageReference,
  type ImageContext,
  type ImageReference,
} from "./image-reference.js";
import { lintPipEntry, type PipSink } from "./requirements.js";
import {
  emptyHints,
  envFinding,
  fillPlaceholders,
  placeholderFinding,
  placeholderMayBeTag,
  placeholdersIn,
  type LintResult,
  type PlaceholderSeen,
  type SourceFile,
} from "./shared.js";

/** Azure ML's minimum conda for a custom base image. */
const MINIMUM_CONDA = "4.5.4";
// Anaconda 5.2.0 was the first distribution to ship conda 4.5.4; later ones are year-numbered (2019.03, ...).
const FIRST_ANACONDA_WITH_MINIMUM_CONDA = "5.2.0";

interface CondaEvidence {
  line: number;
  /** A conda version, or "latest" (an installer or update that takes the newest). */
  version: string;
  /** Old when below the minimum; undefined when the evidence is an Anaconda distribution version. */
  old: boolean;
  how: string;
}

export function lintDockerfile(file: SourceFile, context: ImageContext = {}): LintResult {
  const dockerfile = DockerfileParser.parse(file.text);
  const findings: DoctorFinding[] = [];
  const hints = emptyHints();
  const evidence: CondaEvidence[] = [];
  let finalBase: { reference?: ImageReference; line: number; stage?: string } | undefined;
  const stageBases = new Map<string, { reference?: ImageReference; line: number }>();
  const placeholders: PlaceholderSeen[] = [];
  let usesConda = false;

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const line = instruction.getRange().start.line + 1;
    const args = instruction.getExpandedArguments();
    if (keyword === "FROM") {
      const image = args.find((arg) => !arg.getValue().startsWith("--"));
      if (!image) continue;
      const stageName =
        args.length >= 3 && args.at(-2)?.getValue().toUpperCase() === "AS"
          ? args.at(-1)?.getValue().toLowerCase()
          : undefined;
      const value = rawOrExpanded(file, image);
      const previousStage = stageBases.get(value.toLowerCase());
      let base: { reference?: ImageReference; line: number } = { line };
      if (previousStage) base = previousStage;
      else if (value !== "scratch" && !value.includes("$")) {
        const imageLine = image.getRange().start.line + 1;
        // A template's `:{{latest-image-tag}}` is judged as a tag; the repository and host still are.
        const template = placeholdersIn(value);
        placeholders.push(...template.map((placeholder) => ({ line: imageLine, placeholder })));
        const verdict = judgeImageReference(template.length > 0 ? fillPlaceholders(value) : value, context);
        if (!verdict.ok && verdict.problem === "malformed") {
          findings.push(
            envFinding("image-reference-malformed", file, imageLine, {
              message: `The image reference "${value}" is malformed: ${verdict.reason}.`,
              evidence: { image: value },
            }),
          );
        } else if (!verdict.ok) {
          findings.push(
            envFinding("image-registry-missing", file, imageLine, {
              message: `"${value}" names no registry host: ${verdict.reason}.`,
              evidence: { image: value, suggestion: verdict.suggestion },
              fix: `Write the host: ${verdict.suggestion}.`,
            }),
          );
        } else {
          base = { reference: verdict.reference, line };
          if (isUnpinned(verdict.reference) && !placeholderMayBeTag(value)) {
            findings.push(
              envFinding("image-unpinned", file, imageLine, {
                message: `"${value}" is not pinned: it means ${verdict.reference.tag ? "the moving tag latest" : "latest"}.`,
                evidence: { image: value },
              }),
            );
          }
          // A placeholder tag says nothing about the conda the base carries.
          const fromBase = template.length > 0 ? undefined : condaFromBaseImage(verdict.reference, line);
          if (fromBase) evidence.push(fromBase);
        }
      }
      if (stageName) {
        stageBases.set(stageName, base);
      }
      finalBase = { ...base, ...(stageName ? { stage: stageName } : {}) };
      continue;
    }
    if (keyword === "ENV" || keyword === "ARG") {
      for (const arg of args) {
        const match = /^(?:CONDA_VERSION)=["']?(\d+(?:\.\d+)+)["']?$/.exec(arg.getValue());
        if (match?.[1])
          evidence.push(condaVersionEvidence(match[1], arg.getRange().start.line + 1, `${keyword} CONDA_VERSION`));
      }
      continue;
    }
    if (keyword === "RUN") {
      const tokens = args.map((arg) => ({
        value: arg.getValue().replace(/^["']|["']$/g, ""),
        line: arg.getRange().start.line + 1,
      }));
      if (tokens.some((token) => token.value === "conda" || token.value.endsWith("/conda"))) usesConda = true;
      evidence.push(...condaFromRun(tokens));
      lintPipInstalls(tokens, file, { hints, findings, placeholders });
    }
  }

  const last = evidence.at(-1);
  if (last?.old) {
    // An installer is usually downloaded on one line and run on the next: anchor where it first shows.
    let anchor = last;
    for (let at = evidence.length - 2; at >= 0 && evidence[at]?.version === last.version; at -= 1)
      anchor = evidence[at] ?? anchor;
    findings.push(
      envFinding("conda-too-old", file, anchor.line, {
        message: `The image gets conda ${last.version} (${last.how}); Azure ML needs ${MINIMUM_CONDA} or newer.`,
        evidence: { conda: last.version, minimum: MINIMUM_CONDA, how: last.how },
      }),
    );
  } else if (!last && usesConda && finalBase && !(finalBase.reference && isAzureMlBaseImage(finalBase.reference))) {
    findings.push(
      envFinding("conda-version-unknown", file, finalBase.line, {
        message: "The Dockerfile runs conda from its base image but does not show which conda that is.",
        evidence: { base: finalBase.reference ? describe(finalBase.reference) : "unknown", minimum: MINIMUM_CONDA },
      }),
    );
  }
  const placeholder = placeholderFinding(file, placeholders);
  if (placeholder) findings.unshift(placeholder);
  findings.sort((left, right) => left.line - right.line);
  return { findings, hints, follow: [] };
}

/** The argument as written (a backslash in an image name is the problem to report), unless it uses a variable. */
function rawOrExpanded(file: SourceFile, argument: Argument): string {
  const range = argument.getRange();
  const raw =
    range.start.line === range.end.line
      ? file.lines[range.start.line]?.slice(range.start.character, range.end.character)
      : undefined;
  return raw && !raw.includes("$") ? raw : argument.getValue();
}

function describe(reference: ImageReference): string {
  return `${reference.registry ? `${reference.registry}/` : ""}${reference.repository}${reference.tag ? `:${reference.tag}` : ""}${reference.digest ? `@${reference.digest}` : ""}`;
}

function compareVersions(left: string, right: string): number {
  const a = left.split(".").map((part) => Number.parseInt(part, 10) || 0);
  const b = right.split(".").map((part) => Number.parseInt(part, 10) || 0);
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function condaVersionEvidence(version: string, line: number, how: string): CondaEvidence {
  return { line, version, old: compareVersions(version, MINIMUM_CONDA) < 0, how };
}

function anacondaEvidence(version: string, line: number, how: string): CondaEvidence {
  return {
    line,
    version: `from Anaconda ${version}`,
    old: compareVersions(version, FIRST_ANACONDA_WITH_MINIMUM_CONDA) < 0,
    how,
  };
}

function condaFromBaseImage(reference: ImageReference, line: number): CondaEvidence | undefined {
  const repository = reference.repository.toLowerCase();
  const tag = reference.tag ?? "latest";
  const version = /^(\d+(?:\.\d+)+)/.exec(tag)?.[1];
  if (/^continuumio\/miniconda3?$/.test(repository)) {
    return version
      ? condaVersionEvidence(version, line, `base image ${repository}:${tag}`)
      : { line, version: "latest", old: false, how: `base image ${repository}:${tag}` };
  }
  if (/^continuumio\/anaconda3?$/.test(repository)) {
    return version
      ? anacondaEvidence(version, line, `base image ${repository}:${tag}`)
      : { line, version: "latest", old: false, how: `base image ${repository}:${tag}` };
  }
  return undefined;
}

interface Token {
  value: string;
  line: number;
}

function condaFromRun(tokens: readonly Token[]): CondaEvidence[] {
  const found: CondaEvidence[] = [];
  for (const [index, token] of tokens.entries()) {
    const miniconda = /Miniconda[23]?-(?:py\d+_)?(\d+(?:\.\d+)+)(?:-\d+)?-(?:Linux|MacOSX)/.exec(token.value);
    if (miniconda?.[1])
      found.push(
        condaVersionEvidence(miniconda[1], token.line, `installer ${token.value.split("/").at(-1) ?? token.value}`),
      );
    else if (/Miniconda[23]?-latest-Linux/.test(token.value))
      found.push({ line: token.line, version: "latest", old: false, how: "the latest Miniconda installer" });
    const anaconda = /Anaconda[23]?-(\d+(?:\.\d+)+)(?:-\d+)?-Linux/.exec(token.value);
    if (anaconda?.[1])
      found.push(
        anacondaEvidence(anaconda[1], token.line, `installer ${token.value.split("/").at(-1) ?? token.value}`),
      );
    // conda install / update ... conda=4.3 (a pin of conda itself)
    const pinned = /^conda==?(\d+(?:\.\d+)+)$/.exec(token.value);
    if (pinned?.[1] && isCondaCommand(tokens, index))
      found.push(condaVersionEvidence(pinned[1], token.line, `conda install ${token.value}`));
    // `conda update conda` (any flags): the newest conda the channels have.
    if (
      token.value === "conda" &&
      index > 0 &&
      isCondaCommand(tokens, index) &&
      tokens.slice(0, index).some((earlier) => earlier.value === "update")
    ) {
      found.push({ line: token.line, version: "latest", old: false, how: "conda update conda" });
    }
  }
  return found;
}

/** Whether the token at `index` is an argument of a `conda install|update` in the same shell command. */
function isCondaCommand(tokens: readonly Token[], index: number): boolean {
  for (let at = index - 1; at >= 0; at -= 1) {
    const value = tokens[at]?.value ?? "";
    if (["&&", "||", ";", "|"].includes(value)) return false;
    if (
      (value === "install" || value === "update") &&
      (tokens[at - 1]?.value === "conda" ||
        tokens[at - 1]?.value.endsWith("/conda") ||
        tokens
          .slice(Math.max(0, at - 4), at)
          .some((earlier) => earlier.value === "conda" || earlier.value.endsWith("/conda")))
    )
      return true;
  }
  return false;
}

// pip install options that take a value as the next word.
const PIP_VALUE_OPTIONS = new Set([
  "-r",
  "--requirement",
  "-c",
  "--constraint",
  "-e",
  "--editable",
  "-i",
  "--index-url",
  "--extra-index-url",
  "-f",
  "--find-links",
  "-t",
  "--target",
  "--prefix",
  "--root",
  "--trusted-host",
  "--cache-dir",
  "--progress-bar",
  "--timeout",
  "--retries",
  "--platform",
  "--python-version",
  "--implementation",
  "--abi",
  "--no-binary",
  "--only-binary",
  "--upgrade-strategy",
  "--global-option",
  "--config-settings",
  "-C",
  "--src",
  "--log",
  "--proxy",
  "--cert",
  "--client-cert",
  "--report",
]);

function lintPipInstalls(tokens: readonly Token[], file: SourceFile, sink: PipSink): void {
  const hints = sink.hints;
  let index = 0;
  while (index < tokens.length) {
    const value = tokens[index]?.value ?? "";
    const isPip = /(?:^|\/)pip3?(?:\.\d+)?$/.test(value) || (value === "-m" && tokens[index + 1]?.value === "pip");
    const installAt = value === "-m" ? index + 2 : index + 1;
    if (!isPip || tokens[installAt]?.value !== "install") {
      index += 1;
      continue;
    }
    index = installAt + 1;
    while (index < tokens.length) {
      const token = tokens[index];
      if (!token || ["&&", "||", ";", "|"].includes(token.value)) break;
      if (token.value.startsWith("-")) {
        // Index options matter to --check-index; other options are skipped with their values.
        const option = token.value.split("=")[0] ?? token.value;
        const inline = token.value.includes("=") ? token.value.slice(token.value.indexOf("=") + 1) : undefined;
        const optionValue = inline ?? (PIP_VALUE_OPTIONS.has(option) ? tokens[index + 1]?.value : undefined);
        if ((option === "-i" || option === "--index-url") && optionValue) hints.indexUrl = optionValue;
        if (option === "--extra-index-url" && optionValue) hints.extraIndexUrls.push(optionValue);
        index += PIP_VALUE_OPTIONS.has(option) && inline === undefined ? 2 : 1;
        continue;
      }
      if (token.value !== "" && token.value !== "\\")
        lintPipEntry({ line: token.line, end: token.line, text: token.value }, file, sink);
      index += 1;
    }
  }
}
