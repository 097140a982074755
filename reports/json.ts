import { safeJson } from "../src/core/visible.js";
import type { Report } from "../src/engine/types.js";

/** The report as docs/report-format.md describes it, as is. */
export function renderJson(report: Report): string {
  return safeJson(report);
}
