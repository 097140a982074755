// Meta tests: the registry (checks/index.ts), the files in checks/, the pages in docs/checks/ and
// the tests in test/checks/ agree; docs share one outline. (The layering is eslint.config.js's,
// proven by test/meta/layers.test.ts.)

import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { READ_PERMISSIONS } from "../../src/collect/permissions.js";
import { CHECKS } from "../../checks/index.js";
import { createParser } from "../../src/cli/main.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const IDS = CHECKS.map((check) => check.id);
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const DOC_SECTIONS = [
  "## What it checks",
  "## Why builds break",
  "## Evidence",
  "## How to fix",
  "## Unknown and skip",
];
/** Files in checks/ that are not checks. */
const CHECK_SUPPORT_FILES = ["index.ts", "shared.ts"];
/** Tests in test/checks/ that are not one check's table. */
const CHECK_SUPPORT_TESTS = ["smoke", "advice-quoting"];

async function filesIn(dir: string, suffix: string): Promise<string[]> {
  const path = join(ROOT, dir);
  if (!existsSync(path)) return [];
  return (await readdir(path)).filter((name) => name.endsWith(suffix)).sort();
}

const checkFiles = (await filesIn("checks", ".ts")).filter((name) => !CHECK_SUPPORT_FILES.includes(name));

describe("the registry, checks/, docs/checks/ and test/checks/ agree", () => {
  test("ids are unique and kebab-case", () => {
    expect(IDS.length).toBeGreaterThanOrEqual(5);
    expect(new Set(IDS).size).toBe(IDS.length);
    for (const id of IDS) expect(id, id).toMatch(KEBAB);
  });

  test("the seed check ids are all still registered (ids are permanent)", () => {
    expect(IDS).toEqual(
      expect.arrayContaining([
        "subnet-colocation",
        "private-endpoint-region",
        "acr-vnet-image-build",
        "service-tags-outbound",
        "key-sync",
      ]),
    );
  });

  test("checks/<id>.ts files are exactly the registered checks", () => {
    expect(checkFiles.map((name) => basename(name, ".ts"))).toEqual([...IDS].sort());
  });

  test.each(checkFiles)("checks/%s exports the check whose id is its file name", async (file) => {
    const module = (await import(pathToFileURL(join(ROOT, "checks", file)).href)) as { default?: { id?: unknown } };
    expect(module.default?.id).toBe(basename(file, ".ts"));
    expect(CHECKS).toContain(module.default);
  });

  test.each(IDS)("%s: metadata (docs path, title, severity, requires)", (id) => {
    const check = CHECKS.find((candidate) => candidate.id === id);
    expect(check?.docs).toBe(`docs/checks/${id}.md`);
    // The title states the healthy condition, not an instruction.
    expect(check?.title.trim()).not.toBe("");
    expect(check?.title).not.toMatch(/^(Ensure|Check|Verify)\b/i);
    expect(["critical", "high", "medium", "low"]).toContain(check?.severity);
    expect(check?.requires.length).toBeGreaterThan(0);
  });

  test("docs/checks/<id>.md pages are exactly the registered checks (none missing, none orphaned)", async () => {
    expect((await filesIn("docs/checks", ".md")).map((name) => basename(name, ".md"))).toEqual([...IDS].sort());
  });

  test.each(IDS)("docs/checks/%s.md: titled by its id, with the five sections in order", async (id) => {
    const path = join(ROOT, "docs/checks", `${id}.md`);
    expect(existsSync(path), `docs/checks/${id}.md is missing`).toBe(true);
    const text = await readFile(path, "utf8");
    // Headings inside fenced code blocks are examples, not sections.
    const prose = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
    expect(prose.split("\n")[0]?.trim()).toBe(`# ${id}`);
    const sections = prose
      .split("\n")
      .filter((line) => /^## /.test(line))
      .map((line) => line.trimEnd());
    expect(sections).toEqual(DOC_SECTIONS);
    for (const section of DOC_SECTIONS) {
      const body = prose.slice(prose.indexOf(section) + section.length).split(/^## /m)[0] ?? "";
      expect(body.trim(), `${id}: "${section}" is empty`).not.toBe("");
    }
  });

  test("every check has test/checks/<id>.test.ts, and every test there is a check's (or a known shared one)", async () => {
    const tests = (await filesIn("test/checks", ".test.ts")).map((name) => basename(name, ".test.ts"));
    expect(
      IDS.filter((id) => !tests.includes(id)),
      "checks without test/checks/<id>.test.ts",
    ).toEqual([]);
    expect(
      tests.filter((name) => !IDS.includes(name) && !CHECK_SUPPORT_TESTS.includes(name)),
      "orphaned check tests",
    ).toEqual([]);
  });
});

describe("README.md", () => {
  test("stays a newcomer's page: at most 40 KB, the rest under docs/", async () => {
    const readme = await readFile(join(ROOT, "README.md"));
    expect(readme.length).toBeLessThanOrEqual(40 * 1024);
    for (const section of [
      "## Install",
      "## Try it",
      "## Use it with Azure",
      "## Permissions",
      "## The checks",
      "## Exit codes",
    ])
      expect(readme.toString("utf8")).toContain(`\n${section}`);
  });

  test("its checks table lists every check, in registry order, with its severity and page", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf("\n## The checks");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    const rows = [
      ...section.matchAll(
        /^\| `([a-z0-9-]+)` \| (critical|high|medium|low) \| .* \| \[docs\]\((docs\/checks\/[a-z0-9-]+\.md)\) \|$/gm,
      ),
    ];
    expect(rows.map((row) => row[1])).toEqual(IDS);
    for (const [, id, severity, docs] of rows) {
      const check = CHECKS.find((candidate) => candidate.id === id);
      expect({ id, severity, docs }).toEqual({ id, severity: check?.severity, docs: check?.docs });
    }
  });
});

describe("README.md's custom role", () => {
  test("grants exactly the actions preflight's reads need, and is a role definition az accepts", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const block = /<!-- permissions:role -->\n```json\n([\s\S]*?)\n```\n<!-- \/permissions:role -->/.exec(readme)?.[1];
    expect(block, "README.md has no <!-- permissions:role --> block").toBeDefined();
    const role = JSON.parse(block ?? "") as Record<string, unknown>;
    expect(role.Actions).toEqual([...new Set(Object.values(READ_PERMISSIONS))].sort());
    // What `az role definition create --role-definition` requires of a custom role.
    expect(role).toMatchObject({ Name: expect.any(String), IsCustom: true, NotActions: [], DataActions: [] });
    expect(role.AssignableScopes).toEqual([expect.stringMatching(/^\/subscriptions\//)]);
    expect(readme).toContain(`--role "${String(role.Name)}"`);
  });
});

describe("docs/fleet.md", () => {
  test("names every flag `preflight fleet --help` lists", async () => {
    const page = await readFile(join(ROOT, "docs/fleet.md"), "utf8");
    const section = page.slice(0, page.indexOf("\n## Fleet reports"));
    let help = "";
    await createParser(["fleet", "--help"], async () => {}).parseAsync(
      ["fleet", "--help"],
      {},
      (_error, _argv, output) => {
        help = output;
      },
    );
    const flags = [
      ...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]+)/gm)].map((match) => match[1] as string)),
    ].filter((flag) => flag !== "--help" && flag !== "--version");
    expect(flags.length).toBeGreaterThan(15);
    // --keys is documented as its negation, as users type it.
    const named = (flag: string) =>
      section.includes(`\`${flag}\``) || (flag === "--keys" && section.includes("`--no-keys`"));
    expect(flags.filter((flag) => !named(flag))).toEqual([]);
  });
});
