// An Azure ML environment spec (CLI v2 YAML): its image, and the conda file and Docker build context
// it names, which the caller reads and lints in turn.

import { posix } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import { PreflightError } from "../../core/errors.js";
import type { DoctorFinding } from "../types.js";
import { isUnpinned, judgeImageReference, type ImageContext } from "./image-reference.js";
import { emptyHints, envFinding, type LintResult, type SourceFile } from "./shared.js";

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
    keys.includes("build")
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

  const imageNode = document.get("image", true);
  if (isScalar(imageNode) && typeof imageNode.value === "string") {
    const image = imageNode.value;
    const line = lineOf(imageNode);
    const verdict = judgeImageReference(image, context);
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
    else if (isUnpinned(verdict.reference))
      findings.push(
        envFinding("image-unpinned", file, line, {
          message: `"${image}" is not pinned: it means the moving tag latest.`,
          evidence: { image },
        }),
      );
  }

  const condaFile = document.get("conda_file", true);
  if (isScalar(condaFile) && typeof condaFile.value === "string") {
    result.follow.push({ path: posix.join(here, condaFile.value), kind: "conda", line: lineOf(condaFile) });
  }
  const build = document.get("build", true);
  if (isMap(build)) {
    const path = build.get("path", true);
    const dockerfile = build.get("dockerfile_path", true);
    const context = isScalar(path) && typeof path.value === "string" ? path.value : undefined;
    // A build context in a git repository or storage is not ours to read.
    if (context !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(context)) {
      const name = isScalar(dockerfile) && typeof dockerfile.value === "string" ? dockerfile.value : "Dockerfile";
      result.follow.push({
        path: posix.join(here, context, name),
        kind: "dockerfile",
        line: lineOf(isScalar(dockerfile) ? dockerfile : path),
      });
    }
  }
  return result;
}
