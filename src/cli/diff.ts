// `preflight diff A B`: two snapshots or JSON reports of one workspace compared (src/engine/diff.ts).
// Loaded only when it runs.

import { CHECKS } from "../../checks/index.js";
import { renderDiff } from "../../reports/diff/index.js";
import { diffExitSentence, diffSummaryLine } from "../../reports/diff/shared.js";
import { PreflightError } from "../core/errors.js";
import { checkReportJson } from "../engine/baseline.js";
import { diffStates, type DiffInput } from "../engine/diff.js";
import { checkSnapshot, readSnapshotText } from "../snapshot/io.js";
import type { ParsedArgs } from "./args.js";
import { writeOutputs } from "./common.js";
import { diffSettings } from "./diff-options.js";
import type { CliIo } from "./io.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const ACCEPTED =
  "give a snapshot (preflight collect --out) or a JSON report (preflight ... --format json --out) of one workspace";

/** A snapshot or a JSON report, told apart by what it holds and checked as what it is. */
async function readState(file: string): Promise<DiffInput> {
  let text: string;
  try {
    // The snapshot reader's size limit and one-line read errors hold for reports too.
    text = await readSnapshotText(file);
  } catch (error) {
    throw error instanceof PreflightError ? new PreflightError(error.message.replace("snapshot ", "")) : error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new PreflightError(`${file} is not JSON; ${ACCEPTED}`);
  }
  if (isRecord(data) && data.kind === "fleet")
    throw new PreflightError(`${file} is a fleet's snapshot or report; diff compares one workspace's: ${ACCEPTED}`);
  if (isRecord(data) && Array.isArray(data.checks))
    return { file, kind: "report", report: checkReportJson(data, file, ACCEPTED) };
  if (isRecord(data) && Array.isArray(data.resources))
    return { file, kind: "snapshot", snapshot: checkSnapshot(data, file) };
  throw new PreflightError(`${file} is neither a snapshot nor a JSON report of preflight; ${ACCEPTED}`);
}

export async function diffCommand(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  const settings = diffSettings(args);
  const [before, after] = await Promise.all([readState(settings.before), readState(settings.after)]);
  const diff = diffStates(before, after, { checks: CHECKS, toolVersion });
  await writeOutputs(settings.outputs, io, (format) => renderDiff(format, diff, { verbose: settings.verbose }), {
    verbose: settings.verbose,
    failOn: "fail",
    summary: () => `${diffSummaryLine(diff)}\n${diffExitSentence(diff)}`,
  });
  return diff.worse.length > 0 ? 1 : 0;
}
