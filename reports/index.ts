// The one registry of renderers: one per --format value, (report, options) => string, each loaded
// when a run asks for it (the JUnit and SARIF writers and the Markdown table builder are not worth
// loading for a run that prints JSON). The CLI and the tests both go through it.

import type { Report } from "../src/engine/types.js";
import { FORMATS, type Format } from "./formats.js";
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

/** Every renderer at once, for a caller that renders every format (the tests, a fleet's Markdown pages). */
export async function loadRenderers(): Promise<Record<Format, Renderer>> {
  const loaded = await Promise.all(FORMATS.map(async (format) => [format, await loadRenderer(format)] as const));
  return Object.fromEntries(loaded) as Record<Format, Renderer>;
}
