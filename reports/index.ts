import type { Report } from "../src/engine/types.js";
import { renderJson } from "./json.js";
import { renderText, type TextOptions } from "./text.js";

export const FORMATS = ["text", "json"] as const;
export type Format = (typeof FORMATS)[number];

export function render(format: Format, report: Report, options: TextOptions): string {
  return format === "json" ? renderJson(report) : renderText(report, options);
}

export { renderJson, renderText };
