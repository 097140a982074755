// An Azure ML environment spec (CLI v2 YAML): its image, and the conda file and Docker build context
// it names, which the caller reads and lints in turn; keys the CLI v2 preview had and the current CLI and
// SDK refuse; template placeholders in an azureml-assets `spec.yaml`.

import { posix } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, visit, type Node } from "yaml";
import { PreflightError } from "../../core/errors.js";
import type { DoctorFinding } from "../types.js";
import { isUnpinned, judgeImageReference, type ImageContext } from "./image-reference.js";
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

// Keys of the CLI v2 preview's environment YAML that the current schema has no place for: azure-ai-ml's
// schemas refuse unknown keys ("Unknown field."). CLI v2 2.2.1 renamed build.local_path to build.path and
// removed build.context_uri (Learn: azure-machine-learning-release-notes-cli-v2).
const RETIRED_TOP_LEVEL: Record<string, string> = {
  docker: "it is the CLI v2 preview's image block, now the top-level `image:`",
};
const RETIRED_BUILD: Record<string, string> = {
  local_path: "CLI v2 2.2.1 renamed it `build.path`",
  context_uri: "CLI v2 2.2.1 removed it; the build context is `build.path`",
};
// The CLI v2 preview's prefix for a local file (`conda_file: file:conda.yml`).
const FILE_PREFIX = /^file:/i;

/** Whether YAML text is an Azure ML environment rather than a conda file. */
export function isAzureMlEnvironment(text: string): boolean {
  const document = parseDocument(text);
  const root = document.contents;
  if (!isMap(root)) return false;
  const keys = root.items.flatMap((pair) => (isScalar(pair.key) ? [String(pair.key.value)] : []));
  const declared = document.get("$schema");
  const schema = typeof declared === "string" ? declared : "";
  return (
    /environment\.schema\.json/i.test(schema) ||
    keys.includes("image") ||
    keys.includes("conda_file") ||
    keys.includes("build") ||
    keys.includes("docker")
  );
}

export function lintAzureMlEnvironment(file: SourceFile, context: ImageContext = {}): LintResult {
  const counter = new LineCounter();
  const document = parseDocument(file.text, { lineCounter: counter });
  if (document.errors.length > 0)
    throw new PreflightError(
      `${file.path} is not valid YAML: ${document.errors[0]?.message.split("\n")[0] ?? "parse error"}`,
    );
  const lineOf = (node: unknown): number => {
    const range = (node as Node | undefined)?.range;
    return range ? counter.linePos(range[0]).line : 1;
  };
  const findings: DoctorFinding[] = [];
  const result: LintResult = { findings, hints: emptyHints(), follow: [] };
  const here = posix.dirname(file.path.replaceAll("\\", "/"));

  // Every placeholder in the spec (name, version, image, paths) is one finding; a path that holds one is
  // not followed, since what it names is decided when the template is filled.
  const placeholders: PlaceholderSeen[] = [];
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      const line = lineOf(node);
      placeholders.push(...placeholdersIn(node.value).map((placeholder) => ({ line, placeholder })));
    },
  });
  const templated = (node: unknown): boolean =>
    isScalar(node) && typeof node.value === "string" && placeholdersIn(node.value).length > 0;

  const root = document.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const why = RETIRED_TOP_LEVEL[key];
      const image: unknown = isMap(pair.value) ? pair.value.get("image") : undefined;
      if (why)
        findings.push(
          retired(
            file,
            lineOf(pair.key),
            key,
            why,
            typeof image === "string" ? `Write \`image: ${image}\` in place of the \`docker:\` block.` : undefined,
          ),
        );
    }
  }

  const imageNode = document.get("image", true);
  if (isScalar(imageNode) && typeof imageNode.value === "string") {
    const image = imageNode.value;
    const line = lineOf(imageNode);
    const verdict = judgeImageReference(templated(imageNode) ? fillPlaceholders(image) : image, context);
    if (!verdict.ok && verdict.problem === "malformed")
      findings.push(
        envFinding("image-reference-malformed", file, line, {
          message: `The image reference "${image}" is malformed: ${verdict.reason}.`,
          evidence: { image },
        }),
      );
    else if (!verdict.ok)
      findings.push(
        envFinding("image-registry-missing", file, line, {
          message: `"${image}" names no registry host: ${verdict.reason}.`,
          evidence: { image, suggestion: verdict.suggestion },
          fix: `Write the host: ${verdict.suggestion}.`,
        }),
      );
    else if (isUnpinned(verdict.reference) && !placeholderMayBeTag(image))
      findings.push(
        envFinding("image-unpinned", file, line, {
          message: `"${image}" is not pinned: it means the moving tag latest.`,
          evidence: { image },
        }),
      );
  }

  const condaFile = document.get("conda_file", true);
  if (isScalar(condaFile) && typeof condaFile.value === "string" && !templated(condaFile)) {
    const named = condaFile.value;
    if (FILE_PREFIX.test(named)) {
      const meant = named.replace(FILE_PREFIX, "");
      findings.push(
        envFinding("environment-file-missing", file, lineOf(condaFile), {
          message: `conda_file "${named}" uses the CLI v2 preview's file: prefix: the current CLI and SDK read the value as a path relative to this file, and no file is named "${named}".`,
          evidence: { path: posix.join(here, named), suggestion: meant },
          fix: `Write \`conda_file: ${meant}\` (a path relative to the environment's YAML file, without the \`file:\` prefix).`,
        }),
      );
    } else result.follow.push({ path: posix.join(here, named), kind: "conda", line: lineOf(condaFile) });
  }
  const build = document.get("build", true);
  if (isMap(build)) {
    for (const pair of build.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const why = RETIRED_BUILD[key];
      if (why) findings.push(retired(file, lineOf(pair.key), `build.${key}`, why));
    }
    const path = build.get("path", true);
    const dockerfile = build.get("dockerfile_path", true);
    const context = isScalar(path) && typeof path.value === "string" ? path.value : undefined;
    // A build context in a git repository or storage is not ours to read.
    if (
      context !== undefined &&
      !templated(path) &&
      !templated(dockerfile) &&
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(context)
    ) {
      const name = isScalar(dockerfile) && typeof dockerfile.value === "string" ? dockerfile.value : "Dockerfile";
      result.follow.push({
        path: posix.join(here, context, name),
        kind: "dockerfile",
        line: lineOf(isScalar(dockerfile) ? dockerfile : path),
      });
    }
  }
  const placeholder = placeholderFinding(file, placeholders);
  if (placeholder) findings.unshift(placeholder);
  findings.sort((left, right) => left.line - right.line);
  return result;
}

function retired(file: SourceFile, line: number, key: string, why: string, fix?: string): DoctorFinding {
  return envFinding("environment-key-retired", file, line, {
    message: `The current Azure ML CLI and SDK refuse \`${key}\` ("Unknown field"): ${why}.`,
    evidence: { key },
    ...(fix ? { fix } : {}),
  });
}
