import type { Report } from "../src/engine/types.js";

/** CONTRACTS.md section 4, as is. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
