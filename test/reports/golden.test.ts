// Golden reports: the demo workspace collected through the real SDK against the fake ARM, rendered
// in every format with the clock, duration and docs URL fixed, with the fix plan and its script as
// the CLI gives them. The files in docs/examples/ are the goldens. docs/reports.md shows, between
// <!-- example:NAME --> markers, the text report and the fix script whole and the other formats for
// three of the checks (`--only`, SAMPLE_CHECKS), so the page stays readable and its examples are
// still generated, never hand-written; README.md shows the text report. `UPDATE_GOLDEN=1 npx vitest
// run test/reports/golden` rewrites them all after a deliberate change.

import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { FORMATS, type Format } from "../../reports/formats.js";
import { loadRenderers } from "../../reports/index.js";
import { renderFixScript } from "../../reports/fix-script.js";
import type { RenderOptions } from "../../reports/shared.js";

import type { Report } from "../../src/engine/types.js";
import { auditScenario, demoScenario, ROOT } from "../harness.js";
import packageJson from "../../package.json" with { type: "json" };

/** Through the registry the CLI uses. */
const RENDERERS = await loadRenderers();
const render = (format: Format, report: Report, options: RenderOptions): string => RENDERERS[format](report, options);

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const DIR = join(ROOT, "docs/examples");
/** Each golden: a report format, or the fix script. */
type Example = Format | "fix-script";
const EXAMPLES: readonly Example[] = [...FORMATS, "fix-script"];
const FILE: Record<Example, string> = {
  text: "demo-report.txt",
  json: "demo-report.json",
  junit: "demo-report.junit.xml",
  sarif: "demo-report.sarif",
  markdown: "demo-report.md",
  "fix-script": "demo-fix.sh",
};
const FENCE: Record<Example, string> = {
  text: "text",
  json: "json",
  junit: "xml",
  sarif: "json",
  markdown: "markdown",
  "fix-script": "sh",
};
/** The pages that show examples, and which. */
const PAGES: Record<string, readonly Example[]> = { "README.md": ["text"], "docs/reports.md": EXAMPLES };
/** The page's examples of the structured formats: a failure with its fix, one with NSG evidence, a pass. */
const SAMPLE_CHECKS = ["key-sync", "service-tags-outbound", "private-dns"];
/** Shown whole on the pages; the others are shown for SAMPLE_CHECKS. */
const WHOLE: readonly Example[] = ["text", "fix-script"];
/** The pipeline's --docs-url for a repository in Azure Repos (see azure-pipelines.yml). */
const DOCS_URL = "https://dev.azure.com/contoso/ml-platform/_git/aml-preflight?path=/docs/checks/{id}.md";

const rendered = {} as Record<Example, string>;
/** What the pages show per example: the whole golden, or the SAMPLE_CHECKS run. */
const shown = {} as Record<Example, string>;

/** The demo audited (only `checks`, when given) and rendered in every format, clock and versions fixed. */
async function renderDemo(only?: string[]): Promise<Record<Example, string>> {
  const { report } = await auditScenario(demoScenario(), {
    now: "2026-11-25T09:00:00.000Z",
    fixPlan: true,
    ...(only ? { only } : {}),
  });
  const fixed: Report = {
    ...report,
    tool: { ...report.tool, version: packageJson.version },
    ticket: "2611250010000421",
    startedAt: "2026-11-25T09:00:00.000Z",
    durationMs: 612,
  };
  const out = { "fix-script": renderFixScript(fixed) } as Record<Example, string>;
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
  const subset = await renderDemo(SAMPLE_CHECKS);
  for (const example of EXAMPLES) shown[example] = WHOLE.includes(example) ? rendered[example] : subset[example];
  if (UPDATE) {
    await mkdir(DIR, { recursive: true });
    for (const example of EXAMPLES) await writeFile(join(DIR, FILE[example]), rendered[example]);
    for (const [page, examples] of Object.entries(PAGES)) {
      let text = await readFile(join(ROOT, page), "utf8");
      for (const example of examples) text = replaceBlock(page, text, example, shown[example]);
      await writeFile(join(ROOT, page), text);
    }
  }
});

/** A page's text between the markers of one example, fenced. */
function block(example: Example, body: string): string {
  const fence = "`".repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((match) => match[0].length + 1)));
  return `<!-- example:${example} -->\n${fence}${FENCE[example]}\n${body.trimEnd()}\n${fence}\n<!-- /example:${example} -->`;
}

function replaceBlock(page: string, text: string, example: Example, body: string): string {
  const pattern = new RegExp(`<!-- example:${example} -->[\\s\\S]*?<!-- /example:${example} -->`);
  if (!pattern.test(text)) throw new Error(`${page} has no <!-- example:${example} --> block`);
  return text.replace(pattern, () => block(example, body));
}

describe("golden reports of the demo workspace (docs/examples/)", () => {
  test.each(EXAMPLES)("%s matches its golden file", async (example) => {
    const path = join(DIR, FILE[example]);
    expect(existsSync(path), `${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/reports/golden`).toBe(true);
    expect(rendered[example]).toBe(await readFile(path, "utf8"));
  });

  test("no orphaned goldens: docs/examples/ holds exactly one file per format and the fix script", async () => {
    expect((await readdir(DIR)).sort()).toEqual(Object.values(FILE).sort());
  });

  test.each(Object.entries(PAGES).flatMap(([page, examples]) => examples.map((example) => [page, example] as const)))(
    "%s shows the %s golden, as generated",
    async (page, example) => {
      const text = await readFile(join(ROOT, page), "utf8");
      expect(
        text.includes(block(example, shown[example])),
        `${page}'s ${example} example differs from docs/examples/${FILE[example]}; run UPDATE_GOLDEN=1`,
      ).toBe(true);
    },
  );

  test("the goldens show the demo's failures and its ticket", () => {
    for (const format of FORMATS) {
      for (const id of ["acr-vnet-image-build", "key-sync", "service-tags-outbound"])
        expect(rendered[format]).toContain(id);
      expect(rendered[format]).toContain("2611250010000421");
    }
  });

  test("the goldens carry the proven fix plan the CLI prints: one command per root cause", () => {
    for (const example of ["text", "markdown", "fix-script"] as const) {
      expect(rendered[example]).toContain("-n DenyInternetOut --priority");
      expect(rendered[example]).toContain("--image-build-compute cpu-build");
      expect(rendered[example]).toContain("az ml workspace sync-keys");
      expect(rendered[example]).not.toContain("<cpu-cluster-name>");
    }
    expect(JSON.parse(rendered.json).fixPlan.steps).toHaveLength(3);
  });
});
