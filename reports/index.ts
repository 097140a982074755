// The one registry of renderers: one per --format value, (report, options) => string, each loaded
// when a run asks for it (the JUnit and SARIF writers and the Markdown table builder are not worth
// loading for a run that prints JSON). The CLI and the tests both go through it.

import type { Report } from "../src/engine/types.js";
import { visibleStrings } from "../src/core/visible.js";
import { FORMATS, type Format } from "./formats.js";
import type { RenderOptions } from "./shared.js";

export type Renderer = (report: Report, options: RenderOptions) => string;

export async function loadRenderer(format: Format): Promise<Renderer> {
  switch (format) {
    // Text and Markdown reach a person's terminal or page: what came from Azure or a snapshot is
    // shown with its control characters made visible, and so is JUnit's text (XML cannot escape most of
    // them, and a CI page shows it to a person). JSON and SARIF keep the text, escaped.
    case "text": {
      const { renderText } = await import("./text.js");
      return (report, options) => renderText(visibleStrings(report), options);
    }
    case "json":
      return (await import("./json.js")).renderJson;
    case "junit": {
      const { renderJunit } = await import("./junit.js");
      return (report, options) => renderJunit(visibleStrings(report), options);
    }
    case "sarif":
      return (await import("./sarif.js")).renderSarif;
    case "markdown": {
      const { renderMarkdown } = await import("./markdown.js");
      return (report, options) => renderMarkdown(visibleStrings(report), options);
    }
  }
}

/** Every renderer at once, for a caller that renders every format (the tests, a fleet's Markdown pages). */
export async function loadRenderers(): Promise<Record<Format, Renderer>> {
  const loaded = await Promise.all(FORMATS.map(async (format) => [format, await loadRenderer(format)] as const));
  return Object.fromEntries(loaded) as Record<Format, Renderer>;
}
