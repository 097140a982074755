import { safeJson } from "../../src/core/visible.js";
import type { DiffReport } from "../../src/engine/diff.js";

/** The diff as reports/diff/diff-report.schema.json describes it, as is. */
export function renderDiffJson(diff: DiffReport): string {
  return safeJson(diff);
}
