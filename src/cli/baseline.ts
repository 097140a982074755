// Reading the report --baseline names: checked before anything is collected, so a wrong file costs
// no ARM traffic, and held to the audited workspace once the report is built.

import { readFile, stat } from "node:fs/promises";
import { PreflightError } from "../core/errors.js";
import { applyBaseline, checkBaseline, refuseOtherWorkspace } from "../engine/baseline.js";
import type { Report } from "../engine/types.js";
import { idKey } from "../snapshot/ids.js";
import type { ParsedArgs } from "./args.js";
import { baselineSettings } from "./baseline-options.js";

/** A JSON report is a few MB; a larger file is not one. */
const MAX_BASELINE_BYTES = 200 * 1024 * 1024;

const READ_FAILURES: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory, not a report",
};

/** --baseline's report, read and checked, and --fail-on-new. */
export interface Baseline {
  file: string;
  failOnNew: boolean;
  report: Report;
}

/**
 * The baseline the flags name, read and checked; undefined without --baseline. `workspace` (the
 * --workspace flag, a name or an ID) refuses another workspace's report before anything is read from ARM.
 */
export async function readBaseline(args: ParsedArgs, workspace?: string): Promise<Baseline | undefined> {
  const { file, failOnNew } = baselineSettings(args);
  if (file === undefined) return undefined;
  const report = await loadReport(file);
  const named = workspace?.trim().replace(/\/+$/, "") ?? "";
  const theirs = named.includes("/") ? idKey(report.target.workspaceId) : report.target.workspace.toLowerCase();
  const ours = named.includes("/") ? idKey(named) : named.toLowerCase();
  if (named !== "" && theirs !== ours)
    throw new PreflightError(
      `--baseline ${file} is a report of ${report.target.workspaceId}, not of --workspace ${named}; give an earlier report of this workspace`,
    );
  return { file, failOnNew, report };
}

async function loadReport(file: string): Promise<Report> {
  let text: string;
  try {
    if ((await stat(file)).size > MAX_BASELINE_BYTES)
      throw new PreflightError(`--baseline ${file} is larger than a JSON report can be; give an earlier JSON report`);
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof PreflightError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new PreflightError(`cannot read --baseline ${file}: ${code ? (READ_FAILURES[code] ?? code) : String(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new PreflightError(
      `--baseline ${file} is not JSON; give the JSON report of an earlier audit (preflight ... --format json --out FILE)`,
    );
  }
  return checkBaseline(data, file);
}

/** The report compared with the baseline (refused when the baseline is another workspace's); as it is without one. */
export function withBaseline(report: Report, baseline: Baseline | undefined): Report {
  if (!baseline) return report;
  refuseOtherWorkspace(report, baseline.report, baseline.file);
  return applyBaseline(report, baseline.report, { file: baseline.file, failOnNew: baseline.failOnNew });
}
