// One renderer per --format value: (report, options) => string. The CLI decides where it goes.

import type { Report } from "../src/engine/types.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";
import type { RenderOptions } from "./shared.js";
import { renderText } from "./text.js";

import { FORMATS, type Format } from "./formats.js";

const RENDERERS: Record<Format, (report: Report, options: RenderOptions) => string> = {
  text: renderText,
  json: renderJson,
  junit: renderJunit,
  sarif: renderSarif,
  markdown: renderMarkdown,
};

export function render(format: Format, report: Report, options: RenderOptions): string {
  return RENDERERS[format](report, options);
}

export { FORMATS, type Format };
export type { RenderOptions } from "./shared.js";
