// Every report format, on reports the real collector made from the fake ARM (pass, fail and unknown
// scenarios), checked by a real parser or schema: JSON by reports/report.schema.json, JUnit by
// test-results-parser (the JUnit reader used by test-reporting tools), SARIF by the official
// SARIF 2.1.0 schema, Markdown by marked's lexer. Planted random secrets appear in none of them.

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import AjvDraft04 from "ajv-draft-04";
import { marked, type Token, type Tokens } from "marked";
import { parse as parseTestResults } from "test-results-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FORMATS, type Format } from "../../reports/formats.js";
import { loadRenderers } from "../../reports/index.js";

import { NO_SECRETS_LINE } from "../../reports/markdown.js";
import { azCommands, type RenderOptions } from "../../reports/shared.js";
import { exitCodeFor } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import type { Status } from "../../src/core/status.js";
import { fault } from "../checks/mutations.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, byName, demoScenario, healthyScenario, ROOT, type Json } from "../harness.js";

/** Through the registry the CLI uses. */
const RENDERERS = await loadRenderers();
const render = (format: Format, report: Report, options: RenderOptions): string => RENDERERS[format](report, options);

const require = createRequire(import.meta.url);
const NOW = "2026-11-25T09:00:00.000Z";
const DOCS_URL = "https://dev.azure.com/contoso/ml-platform/_git/aml-preflight?path=/docs/checks/{id}.md";
const OPTIONS: RenderOptions = {
  colour: false,
  verbose: false,
  failOn: "fail",
  docsUrl: (check) => DOCS_URL.replace("{id}", check.id),
};

/** Secret-bearing fields of listKeys/listCredentials bodies. */
const SECRET_FIELDS = new Set([
  "value",
  "userStorageKey",
  "primaryAccessKey",
  "secondaryAccessKey",
  "appInsightsInstrumentationKey",
  "password",
]);

/**
 * Replaces every secret in the scenario's key actions with a fresh random one (the same old value
 * gets the same new one, so matches stay matches), and plants one more in a tag and in an error.
 */
function plantSecrets(scenario: Scenario): string[] {
  const replaced = new Map<string, string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === "string" && SECRET_FIELDS.has(key)) {
        if (!replaced.has(value)) replaced.set(value, randomBytes(24).toString("base64url"));
        record[key] = replaced.get(value);
      } else visit(value);
    }
  };
  visit(scenario.actions);
  const secrets = [...replaced.values()];
  expect(secrets.length, "the scenario has key actions to plant in").toBeGreaterThan(2);
  byName(scenario, "/storageAccounts/mlresearchstore").tags = { "pasted-key": secrets[0] };
  return secrets;
}

interface Case {
  name: "pass" | "fail" | "unknown";
  report: Report;
  secrets: string[];
  outputs: Record<Format, string>;
}

const cases: Case[] = [];
let work = "";

async function makeCase(name: Case["name"], scenario: Scenario): Promise<Case> {
  const secrets = plantSecrets(scenario);
  const { report } = await auditScenario(scenario, { now: NOW });
  const withTicket: Report = { ...report, ticket: `TKT-${name}` };
  const outputs = Object.fromEntries(FORMATS.map((format) => [format, render(format, withTicket, OPTIONS)])) as Record<
    Format,
    string
  >;
  return { name, report: withTicket, secrets, outputs };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "preflight-formats-"));
  const unknown = healthyScenario();
  // The NSGs and the storage keys cannot be read: service-tags-outbound and key-sync cannot decide.
  fault(unknown, "/networkSecurityGroups");
  (unknown.faults ??= []).push({
    method: "POST",
    path: "/storageAccounts/[^/]+/listKeys$",
    status: 403,
    code: "AuthorizationFailed",
  });
  cases.push(
    await makeCase("pass", healthyScenario()),
    await makeCase("fail", demoScenario()),
    await makeCase("unknown", unknown),
  );
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const caseNamed = (name: Case["name"]) => cases.find((candidate) => candidate.name === name) as Case;
const NAMES: Array<Case["name"]> = ["pass", "fail", "unknown"];

describe("the scenarios give what their names say", () => {
  test.each(NAMES)("%s", (name) => {
    const { report } = caseNamed(name);
    const worst: Record<Case["name"], Status> = { pass: "pass", fail: "fail", unknown: "unknown" };
    expect(report.checks[0]?.status).toBe(worst[name]);
    if (name === "unknown") expect(report.summary.fail).toBe(0);
  });
});

describe("json", async () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(
    JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object,
  );
  test.each(NAMES)("%s: validates against reports/report.schema.json and round-trips", (name) => {
    const { outputs, report } = caseNamed(name);
    const parsed: unknown = JSON.parse(outputs.json);
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

describe("junit", () => {
  test.each(NAMES)(
    "%s: a JUnit reader sees one suite per check, one case per finding, with the right outcome",
    async (name) => {
      const { outputs, report } = caseNamed(name);
      const file = join(work, `${name}.xml`);
      await writeFile(file, outputs.junit);
      const result = parseTestResults({ type: "junit", files: [file] });
      expect(result.suites.map((suite) => suite.name)).toEqual(report.checks.map((check) => check.id));
      const expected: Record<Status, string> = {
        fail: "FAIL",
        unknown: "FAIL",
        skip: "SKIP",
        warn: "PASS",
        pass: "PASS",
      };
      report.checks.forEach((check, index) => {
        const suite = result.suites[index];
        expect(suite?.cases.map((testCase) => testCase.status)).toEqual(
          check.findings.map((finding) => expected[finding.status]),
        );
        expect(suite?.errors).toBe(check.findings.filter((finding) => finding.status === "unknown").length);
        expect(suite?.skipped).toBe(check.findings.filter((finding) => finding.status === "skip").length);
        check.findings.forEach((finding, at) => {
          const testCase = suite?.cases[at];
          // The case is named by the resource (disambiguated when one resource has several findings).
          expect(testCase?.name.startsWith(finding.resourceId)).toBe(true);
          if (finding.status === "fail" || finding.status === "unknown") {
            expect(testCase?.failure).toBe(finding.message);
            expect(testCase?.stack_trace).toContain(`fix: ${finding.remediation}`);
            expect(testCase?.stack_trace).toContain(DOCS_URL.replace("{id}", check.id));
          }
        });
      });
      expect(outputs.junit).toContain(`<property name="ticket" value="TKT-${name}"/>`);
    },
  );

  test("case names are unique within a suite, so the Tests tab lists every finding", () => {
    for (const { outputs } of cases) {
      for (const suite of outputs.junit.split("<testsuite ").slice(1)) {
        const names = [...suite.matchAll(/<testcase classname="[^"]*" name="([^"]*)"/g)].map((match) => match[1]);
        expect(new Set(names).size).toBe(names.length);
      }
    }
  });
});

describe("sarif", () => {
  // The official SARIF 2.1.0 schema (JSON Schema draft-04), as Microsoft ships it in @microsoft/jest-sarif.
  const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as object;
  // One pattern in the schema ("language") is invalid as a Unicode regular expression: compile without the u flag.
  const validate = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false }).compile(schema);

  test("the schema validator rejects a broken log (it can fail)", () => {
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false);
  });

  test.each(NAMES)(
    "%s: valid SARIF 2.1.0; one rule per check, one result per finding that did not pass or skip",
    (name) => {
      const { outputs, report } = caseNamed(name);
      const log = JSON.parse(outputs.sarif) as Json;
      expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
      const run = log.runs[0];
      expect(run.tool.driver.rules.map((rule: Json) => rule.id)).toEqual(report.checks.map((check) => check.id));
      for (const rule of run.tool.driver.rules) expect(rule.helpUri).toBe(DOCS_URL.replace("{id}", rule.id));
      const expected = report.checks.flatMap((check) =>
        check.findings
          .filter((finding) => finding.status !== "pass" && finding.status !== "skip")
          .map((finding) => ({ ruleId: check.id, status: finding.status, resource: finding.resourceId })),
      );
      expect(
        run.results.map((result: Json) => ({
          ruleId: result.ruleId,
          status: result.properties.status,
          resource: result.locations[0].logicalLocations[0].fullyQualifiedName,
        })),
      ).toEqual(expected);
      for (const result of run.results) {
        expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
        // SARIF: an undecided result is kind "open", and a result that is not kind "fail" has level "none".
        const expectedKindAndLevel = { fail: ["fail", "error"], warn: ["fail", "warning"], unknown: ["open", "none"] }[
          result.properties.status as string
        ];
        expect([result.kind, result.level]).toEqual(expectedKindAndLevel);
      }
      expect(run.properties.ticket).toBe(`TKT-${name}`);
      expect(run.invocations[0].toolExecutionNotifications).toHaveLength(report.collection.errors.length);
    },
  );
});

describe("markdown", () => {
  /** Every token, depth first, list items included. */
  function flatten(tokens: Token[]): Token[] {
    return tokens.flatMap((token) => {
      const children = [
        ...("tokens" in token && Array.isArray(token.tokens) ? token.tokens : []),
        ...(token.type === "list" ? (token as Tokens.List).items.flatMap((item) => item.tokens) : []),
      ];
      return [token, ...flatten(children)];
    });
  }

  test.each(NAMES)(
    "%s: target, ticket, summary table, each problem with evidence and its az commands, failed reads, no-secrets line",
    (name) => {
      const { outputs, report } = caseNamed(name);
      const tokens = marked.lexer(outputs.markdown);
      const all = flatten(tokens);
      const headings = all.filter((token): token is Tokens.Heading => token.type === "heading");
      expect(headings[0]?.depth).toBe(1);
      expect(headings[0]?.text).toContain(report.target.workspace);
      const tables = tokens.filter((token): token is Tokens.Table => token.type === "table");
      const facts = Object.fromEntries(tables[0]?.rows.map((row) => [row[0]?.text, row[1]?.text]) ?? []);
      expect(facts.Workspace).toContain(report.target.workspaceId);
      expect(facts.Ticket).toContain(`TKT-${name}`);
      expect(facts.Tool).toBe(`aml-preflight ${report.tool.version}`);
      expect(facts["Audited at"]).toContain(report.startedAt);
      expect(tables[1]?.rows.map((row) => row[0]?.text.replaceAll("`", ""))).toEqual(
        report.checks.map((check) => check.id),
      );

      const problems = report.checks.filter(
        (check) => check.status === "fail" || check.status === "unknown" || check.status === "warn",
      );
      const sections = headings
        .filter((heading) => heading.depth === 3)
        .map((heading) => heading.text.split(":")[0]?.replaceAll("`", ""));
      expect(sections).toEqual(problems.map((check) => check.id));
      const shellBlocks = all
        .filter((token): token is Tokens.Code => token.type === "code" && token.lang === "sh")
        .map((token) => token.text);
      const expectedCommands = problems.flatMap((check) =>
        check.findings
          .filter((finding) => finding.status !== "pass" && finding.status !== "skip")
          .flatMap((finding) => azCommands(finding.remediation)),
      );
      expect(shellBlocks.flatMap((block) => block.split("\n"))).toEqual(expectedCommands);
      if (name === "fail") expect(expectedCommands.length).toBeGreaterThanOrEqual(3);
      const evidence = all.filter((token): token is Tokens.Code => token.type === "code" && token.lang === "json");
      for (const block of evidence) expect(() => JSON.parse(block.text)).not.toThrow();

      const readsHeading = tokens.findIndex(
        (token) => token.type === "heading" && (token as Tokens.Heading).text === "Reads that failed",
      );
      expect(readsHeading).toBeGreaterThan(0);
      const readsTable = tokens.slice(readsHeading).find((token): token is Tokens.Table => token.type === "table");
      expect(readsTable?.rows.length ?? 0).toBe(report.collection.errors.length);
      const last = tokens.filter((token) => token.type === "paragraph").at(-1) as Tokens.Paragraph;
      expect(last.text).toBe(NO_SECRETS_LINE);
    },
  );
});

describe("text", () => {
  test.each(NAMES)("%s: header, one line per check, summary, and the exit code explained last", (name) => {
    const { outputs, report } = caseNamed(name);
    const lines = outputs.text.trimEnd().split("\n");
    expect(lines[0]).toContain(
      `workspace ${report.target.workspace} in ${report.target.resourceGroup} · westeurope · ticket TKT-${name}`,
    );
    expect(lines[2]).toMatch(/^ {2}read: 1 workspace, .* \(\d+ ARM requests/);
    const checkLines = lines
      .filter((line) => /^[✗?!✓-] (fail|unknown|warn|pass|skip) /.test(line))
      .map((line) => line.split(/\s+/)[2]);
    expect(checkLines).toEqual(report.checks.map((check) => check.id));
    const exit = exitCodeFor(report, "fail");
    expect(lines.at(-1)).toMatch(new RegExp(`^exit ${exit}: `));
    expect(lines.at(-2)).toMatch(new RegExp(`^${report.checks.length} checks: `));
    // Passing checks print no detail without --verbose; a skipped check prints why, one line per finding.
    const skipFindings = report.checks
      .filter((check) => check.status === "skip")
      .reduce((sum, check) => sum + check.findings.length, 0);
    if (name === "pass")
      expect(lines.filter((line) => line.startsWith("    ")).map((line) => line.slice(0, 6))).toEqual(
        Array(skipFindings).fill("    - "),
      );
  });

  test("--verbose shows the passing findings and their evidence", () => {
    const { report } = caseNamed("pass");
    const verbose = render("text", report, { ...OPTIONS, verbose: true });
    expect(verbose.split("\n").filter((line) => line.startsWith("    ✓ ")).length).toBe(
      report.checks.reduce(
        (sum, check) => sum + check.findings.filter((finding) => finding.status === "pass").length,
        0,
      ),
    );
    expect(verbose).toContain("      resource: ");
  });

  test("colour only when asked", () => {
    const { report } = caseNamed("fail");
    expect(render("text", report, OPTIONS)).not.toContain("\u001b[");
    expect(render("text", report, { ...OPTIONS, colour: true })).toContain("\u001b[");
  });
});

test("planted secrets appear in no format of any scenario", () => {
  const leaks = cases.flatMap(({ name, secrets, outputs }) =>
    Object.entries(outputs).flatMap(([format, text]) =>
      secrets.filter((secret) => text.includes(secret)).map(() => `${name}/${format}`),
    ),
  );
  expect(cases).toHaveLength(3);
  expect(leaks).toEqual([]);
  // The secrets were really in play: the healthy keys matched, the demo's did not.
  expect(caseNamed("pass").report.checks.find((check) => check.id === "key-sync")?.status).toBe("pass");
  expect(caseNamed("fail").report.checks.find((check) => check.id === "key-sync")?.status).toBe("fail");
});

test("without --docs-url, JUnit and Markdown name the page by its path; SARIF's helpUri uses the installed copy", () => {
  const { report } = caseNamed("fail");
  const plain: RenderOptions = {
    colour: false,
    verbose: false,
    failOn: "fail",
    installedDocsUrl: (check) => `file:///opt/aml-preflight/${check.docs}`,
  };
  expect(render("junit", report, plain)).toContain('<property name="docs" value="docs/checks/key-sync.md"/>');
  expect(render("markdown", report, plain)).toContain("Documentation: `docs/checks/key-sync.md`.");
  for (const format of ["junit", "markdown", "text", "json"] as const)
    expect(render(format, report, plain)).not.toContain("file:///");
  const rules = JSON.parse(render("sarif", report, plain)).runs[0].tool.driver.rules as Json[];
  expect(rules.map((rule) => rule.helpUri)).toEqual(
    report.checks.map((check) => `file:///opt/aml-preflight/${check.docs}`),
  );
});
