// One renderer per diff --format value.

import { visibleStrings } from "../../src/core/visible.js";
import type { DiffReport } from "../../src/engine/diff.js";
import type { DiffFormat } from "./formats.js";
import { renderDiffJson } from "./json.js";
import { renderDiffMarkdown } from "./markdown.js";
import type { DiffRenderOptions } from "./shared.js";
import { renderDiffText } from "./text.js";

const RENDERERS: Record<DiffFormat, (diff: DiffReport, options: DiffRenderOptions) => string> = {
  // What came from the snapshots (rule names, property values) is shown with its control characters made visible.
  text: (diff, options) => renderDiffText(visibleStrings(diff), options),
  json: renderDiffJson,
  markdown: (diff, options) => renderDiffMarkdown(visibleStrings(diff), options),
};

export function renderDiff(format: DiffFormat, diff: DiffReport, options: DiffRenderOptions): string {
  return RENDERERS[format](diff, options);
}
