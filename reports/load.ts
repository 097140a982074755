// The renderer of one --format, loaded when a run asks for it: the JUnit and SARIF writers and the
// Markdown table builder are not worth loading for a run that prints JSON.

import type { Report } from "../src/engine/types.js";
import type { Format } from "./formats.js";
import type { RenderOptions } from "./shared.js";

export type Renderer = (report: Report, options: RenderOptions) => string;

export async function loadRenderer(format: Format): Promise<Renderer> {
  switch (format) {
    case "text":
      return (await import("./text.js")).renderText;
    case "json":
      return (await import("./json.js")).renderJson;
    case "junit":
      return (await import("./junit.js")).renderJunit;
    case "sarif":
      return (await import("./sarif.js")).renderSarif;
    case "markdown":
      return (await import("./markdown.js")).renderMarkdown;
  }
}
