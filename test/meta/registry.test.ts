// Meta tests: the registry (checks/index.ts), the files in checks/, the pages in docs/checks/ and
// the tests in test/checks/ agree; docs share one outline; checks/ and reports/ stay pure.

import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { builtinModules } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
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
/** The pure libraries a renderer may use: XML for JUnit, tables for Markdown, the SARIF object model (types only). */
const REPORT_PACKAGES = ["junit-report-builder", "markdown-table", "sarif"];
/** Tests in test/checks/ that are not one check's table. */
const CHECK_SUPPORT_TESTS = ["smoke"];

async function filesIn(dir: string, suffix: string): Promise<string[]> {
  const path = join(ROOT, dir);
  if (!existsSync(path)) return [];
  return (await readdir(path)).filter((name) => name.endsWith(suffix)).sort();
}

const checkFiles = (await filesIn("checks", ".ts")).filter((name) => !CHECK_SUPPORT_FILES.includes(name));
const reportFiles = await filesIn("reports", ".ts");

/**
 * TypeScript source with comments removed and, unless `keepStrings`, the contents of string and
 * template literals blanked. Enough for the patterns below; not a parser.
 */
function stripSource(source: string, keepStrings: boolean): string {
  let out = "";
  let index = 0;
  while (index < source.length) {
    const char = source[index] as string;
    const next = source[index + 1];
    if (char === "/" && next === "/") {
      while (index < source.length && source[index] !== "\n") index += 1;
      continue;
    }
    if (char === "/" && next === "*") {
      const end = source.indexOf("*/", index + 2);
      index = end === -1 ? source.length : end + 2;
      out += " ";
      continue;
    }
    if (char === '"' || char === "'" || char === "`") {
      let end = index + 1;
      while (end < source.length && source[end] !== char) end += source[end] === "\\" ? 2 : 1;
      out += keepStrings ? source.slice(index, end + 1) : `${char}${char}`;
      index = end + 1;
      continue;
    }
    out += char;
    index += 1;
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static, side-effect and dynamic). */
function importSpecifiers(source: string): string[] {
  const code = stripSource(source, true);
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1] as string));
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0] as string);
}

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

/** Files of only constants, which import nothing. */
const CONSTANTS_ONLY = ["reports/formats.ts"];

describe("checks/ and reports/ stay pure", () => {
  const files = [
    ...checkFiles.concat(CHECK_SUPPORT_FILES).map((name) => `checks/${name}`),
    ...reportFiles.map((name) => `reports/${name}`),
  ];

  test("the scanner sees multi-line, side-effect, dynamic and re-export imports", () => {
    const sample = [
      'import {\n  a,\n  b,\n} from "@azure/identity";',
      'import "node:fs";',
      'const x = await import("node:os");',
      'export { c } from "../src/collect/arm.js";',
      '// import { d } from "node:path";',
    ].join("\n");
    expect(importSpecifiers(sample)).toEqual(
      expect.arrayContaining(["@azure/identity", "node:fs", "node:os", "../src/collect/arm.js"]),
    );
    expect(importSpecifiers(sample)).not.toContain("node:path");
    expect(stripSource('const t: any = "any"; // any', false)).toMatch(/\bany\b/);
    expect(stripSource('const t = "any"; /* any */ // any', false)).not.toMatch(/\bany\b/);
  });

  test.each(files)("%s imports no @azure/* and no Node built-in (reports/text.ts: node:util only)", async (file) => {
    const source = await readFile(join(ROOT, file), "utf8");
    const specifiers = importSpecifiers(source);
    // A constants-only module (the --format list) has nothing to import; any other file with none means the scanner missed them.
    if (!CONSTANTS_ONLY.includes(file)) expect(specifiers.length, `${file} imports nothing?`).toBeGreaterThan(0);
    const allowed = file === "reports/text.ts" ? ["node:util"] : [];
    const forbidden = specifiers.filter(
      (specifier) => (specifier.startsWith("@azure/") || isNodeBuiltin(specifier)) && !allowed.includes(specifier),
    );
    expect(forbidden).toEqual([]);
  });

  test.each(files)("%s imports only the engine, the snapshot, src/net and its own folder", async (file) => {
    const source = await readFile(join(ROOT, file), "utf8");
    const own = file.split("/")[0] as string;
    const allowedDirs = ["src/engine", "src/snapshot", "src/net", own];
    const outside = importSpecifiers(source)
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)))
      .filter((target) => !allowedDirs.some((dir) => target === dir || target.startsWith(`${dir}/`)));
    expect(outside).toEqual([]);
    // Bare packages: none for checks; for reports, only the format writers (and the SARIF types).
    const allowedPackages = own === "reports" ? REPORT_PACKAGES : [];
    const packages = importSpecifiers(source).filter(
      (specifier) => !specifier.startsWith(".") && !isNodeBuiltin(specifier),
    );
    expect(packages.filter((specifier) => !allowedPackages.includes(specifier))).toEqual([]);
  });

  test.each(checkFiles.concat(CHECK_SUPPORT_FILES).map((name) => `checks/${name}`))(
    "%s uses no `any` type",
    async (file) => {
      const code = stripSource(await readFile(join(ROOT, file), "utf8"), false);
      const hits = code.split("\n").filter((line) => /\bany\b/.test(line));
      expect(hits).toEqual([]);
    },
  );
});

describe("README.md", () => {
  test("its checks table lists every check, in registry order, with its severity and page", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("\n## The checks"), readme.indexOf("\n## Reports"));
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

describe("README.md's fleet section", () => {
  test("names every flag `preflight fleet --help` lists", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("\n## Audit a fleet"), readme.indexOf("\n### Fleet reports"));
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
