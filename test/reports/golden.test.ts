// Golden reports: the demo workspace collected through the real SDK against the fake ARM, rendered
// in every format with the clock, duration and docs URL fixed. The files in docs/examples/ are the
// goldens. README.md shows, between <!-- example:FORMAT --> markers, the text golden whole and the
// other formats for three of the checks (`--only`, README_CHECKS), so the README stays readable and
// its examples are still generated, never hand-written. `UPDATE_GOLDEN=1 npx vitest run test/reports/golden`
// rewrites both after a deliberate change.

import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { FORMATS, type Format } from "../../reports/formats.js";
import { loadRenderers } from "../../reports/index.js";
import type { RenderOptions } from "../../reports/shared.js";

import type { Report } from "../../src/engine/types.js";
import { auditScenario, demoScenario, ROOT } from "../harness.js";
import packageJson from "../../package.json" with { type: "json" };

/** Through the registry the CLI uses. */
const RENDERERS = await loadRenderers();
const render = (format: Format, report: Report, options: RenderOptions): string => RENDERERS[format](report, options);

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const DIR = join(ROOT, "docs/examples");
const README = join(ROOT, "README.md");
const FILE: Record<Format, string> = {
  text: "demo-report.txt",
  json: "demo-report.json",
  junit: "demo-report.junit.xml",
  sarif: "demo-report.sarif",
  markdown: "demo-report.md",
};
const FENCE: Record<Format, string> = { text: "text", json: "json", junit: "xml", sarif: "json", markdown: "markdown" };
/** The README's examples of the structured formats: a failure with its fix, one with NSG evidence, a pass. */
const README_CHECKS = ["key-sync", "service-tags-outbound", "private-dns"];
/** The pipeline's --docs-url for a repository in Azure Repos (see azure-pipelines.yml). */
const DOCS_URL = "https://dev.azure.com/contoso/ml-platform/_git/aml-preflight?path=/docs/checks/{id}.md";

const rendered = {} as Record<Format, string>;
/** What README.md shows per format: the text golden, and the README_CHECKS run for the others. */
const shown = {} as Record<Format, string>;

/** The demo audited (only `checks`, when given) and rendered in every format, clock and versions fixed. */
async function renderDemo(only?: string[]): Promise<Record<Format, string>> {
  const { report } = await auditScenario(demoScenario(), {
    now: "2026-11-25T09:00:00.000Z",
    ...(only ? { only } : {}),
  });
  const fixed: Report = {
    ...report,
    tool: { ...report.tool, version: packageJson.version },
    ticket: "2611250010000421",
    startedAt: "2026-11-25T09:00:00.000Z",
    durationMs: 612,
  };
  const out = {} as Record<Format, string>;
  for (const format of FORMATS) {
    out[format] = render(format, fixed, {
      colour: false,
      verbose: false,
      failOn: "fail",
      docsUrl: (check) => DOCS_URL.replace("{id}", check.id),
    });
  }
  return out;
}

beforeAll(async () => {
  Object.assign(rendered, await renderDemo());
  const subset = await renderDemo(README_CHECKS);
  for (const format of FORMATS) shown[format] = format === "text" ? rendered[format] : subset[format];
  if (UPDATE) {
    await mkdir(DIR, { recursive: true });
    for (const format of FORMATS) await writeFile(join(DIR, FILE[format]), rendered[format]);
    let readme = await readFile(README, "utf8");
    for (const format of FORMATS) readme = replaceBlock(readme, format, shown[format]);
    await writeFile(README, readme);
  }
});

/** The README text between the markers of one format, fenced. */
function block(format: Format, body: string): string {
  const fence = "`".repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((match) => match[0].length + 1)));
  return `<!-- example:${format} -->\n${fence}${FENCE[format]}\n${body.trimEnd()}\n${fence}\n<!-- /example:${format} -->`;
}

function replaceBlock(readme: string, format: Format, body: string): string {
  const pattern = new RegExp(`<!-- example:${format} -->[\\s\\S]*?<!-- /example:${format} -->`);
  if (!pattern.test(readme)) throw new Error(`README.md has no <!-- example:${format} --> block`);
  return readme.replace(pattern, () => block(format, body));
}

describe("golden reports of the demo workspace (docs/examples/)", () => {
  test.each(FORMATS)("%s matches its golden file", async (format) => {
    const path = join(DIR, FILE[format]);
    expect(existsSync(path), `${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/reports/golden`).toBe(true);
    expect(rendered[format]).toBe(await readFile(path, "utf8"));
  });

  test("no orphaned goldens: docs/examples/ holds exactly one file per format", async () => {
    expect((await readdir(DIR)).sort()).toEqual(Object.values(FILE).sort());
  });

  test.each(FORMATS)("README.md shows the %s golden, as generated", async (format) => {
    const readme = await readFile(README, "utf8");
    const expected = block(format, shown[format]);
    expect(
      readme.includes(expected),
      `README's ${format} example differs from docs/examples/${FILE[format]}; run UPDATE_GOLDEN=1`,
    ).toBe(true);
  });

  test("the goldens show the demo's failures and its ticket", () => {
    for (const format of FORMATS) {
      for (const id of ["acr-vnet-image-build", "key-sync", "service-tags-outbound"])
        expect(rendered[format]).toContain(id);
      expect(rendered[format]).toContain("2611250010000421");
    }
  });
});
