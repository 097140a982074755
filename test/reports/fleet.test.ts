// Fleet reports: four workspaces audited by the real collector against the fake ARM (one failing,
// one undecided, one warning, one passing), put together by buildFleetReport and rendered in every
// fleet format, each checked by a real parser or schema: JSON by reports/fleet-report.schema.json
// (loaded with reports/report.schema.json, which it reuses), JUnit by test-results-parser, SARIF by
// the official 2.1.0 schema, Markdown by marked's lexer. Text and Markdown have goldens in
// test/reports/golden/ (`UPDATE_GOLDEN=1 npx vitest run test/reports/fleet` after a deliberate change).

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import AjvDraft04 from "ajv-draft-04";
import { marked, type Token, type Tokens } from "marked";
import { parse as parseTestResults } from "test-results-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FLEET_FORMATS, renderFleet, type FleetFormat } from "../../reports/fleet/index.js";
import { NO_SECRETS_LINE } from "../../reports/markdown.js";
import { STATUS_SYMBOL, type RenderOptions } from "../../reports/shared.js";
import {
  buildFleetReport,
  workspaceStatus,
  type FleetReport,
  type FleetReportOptions,
} from "../../src/engine/fleet.js";
import type { Report } from "../../src/engine/types.js";
import type { Status } from "../../src/core/status.js";
import { STORAGE_ID, fault } from "../checks/mutations.js";
import { auditScenario, demoScenario, healthyScenario, ROOT, type Json } from "../harness.js";

const require = createRequire(import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const GOLDEN_DIR = join(ROOT, "test/reports/golden");
const GOLDEN: Partial<Record<FleetFormat, string>> = { text: "fleet-report.txt", markdown: "fleet-report.md" };

const NOW = "2026-11-25T09:00:00.000Z";
const DOCS_URL = "https://dev.azure.com/contoso/ml-platform/_git/aml-preflight?path=/docs/checks/{id}.md";
const OPTIONS: RenderOptions = {
  colour: false,
  verbose: false,
  failOn: "fail",
  docsUrl: (check) => DOCS_URL.replace("{id}", check.id),
};
const SUB_A = "6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7";
const SUB_B = "0b7e9c1d-2a3f-4e5d-9c8b-7a6f5e4d3c2b";
const FLEET_ERROR = {
  resourceId: "/subscriptions/11111111-0000-0000-0000-000000000000",
  operation: "resourceGraphQuery",
  statusCode: 403,
  code: "AuthorizationFailed",
  message: "The client has no read access to subscription 11111111-0000-0000-0000-000000000000.",
  permission: "Microsoft.Resources/subscriptions/read",
};

/** The report as if it came from another workspace (the findings keep their resources). */
function retarget(report: Report, workspace: string, resourceGroup: string, subscriptionId: string): Report {
  const workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
  return { ...report, target: { ...report.target, workspace, resourceGroup, subscriptionId, workspaceId } };
}

/** The report as if it came from another workspace of the same resource group. */
const renamed = (report: Report, workspace: string) =>
  retarget(report, workspace, report.target.resourceGroup, report.target.subscriptionId);

function fleetOf(reports: Report[], overrides: Partial<FleetReportOptions> = {}): FleetReport {
  return buildFleetReport(reports, {
    toolVersion: "0.0.0-test",
    ticket: "FLEET-42",
    startedAt: NOW,
    durationMs: 4321,
    scope: {
      subscriptions: [SUB_A, SUB_B],
      managementGroups: [],
      resourceGroups: [],
      tags: [{ key: "team", value: "ml" }],
      via: "resource-graph",
    },
    collection: {
      requests: { resourceGraph: 3, arm: reports.reduce((sum, report) => sum + report.collection.requests, 0) },
      resourceGraph: { queries: 3, rows: 57 },
      errors: [FLEET_ERROR],
    },
    ...overrides,
  });
}

const reports = {} as Record<"fail" | "unknown" | "warn" | "pass", Report>;
let fleet: FleetReport;
const outputs = {} as Record<FleetFormat, string>;
let work = "";

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "preflight-fleet-"));
  const unknown = healthyScenario();
  // The NSGs and the storage keys cannot be read: service-tags-outbound and key-sync cannot decide.
  fault(unknown, "/networkSecurityGroups");
  (unknown.faults ??= []).push({
    method: "POST",
    path: "/storageAccounts/[^/]+/listKeys$",
    status: 403,
    code: "AuthorizationFailed",
  });
  const warn = healthyScenario();
  // Storage key1 regenerated 20 minutes before collection: the workspace has not synced yet.
  const storageKeys = (warn.actions as Record<string, Json>)[`${STORAGE_ID}/listKeys`]?.keys as Json[];
  Object.assign(storageKeys[0] as Json, {
    value: "ROTATED-STORAGE-KEY-1",
    creationTime: new Date(Date.parse(NOW) - 20 * 60_000).toISOString(),
  });

  const [failing, undecided, warning, passing] = await Promise.all(
    [demoScenario(), unknown, warn, healthyScenario()].map(
      async (scenario) => (await auditScenario(scenario, { now: NOW })).report,
    ),
  );
  reports.fail = retarget(failing as Report, "ml-research", "ml-platform-rg", SUB_A);
  reports.unknown = retarget(undecided as Report, "ml-vision", "vision-rg", SUB_A);
  reports.warn = retarget(warning as Report, "ml-forecast", "forecast-rg", SUB_B);
  reports.pass = retarget(passing as Report, "ml-sandbox", "sandbox-rg", SUB_B);
  // Given best first: the fleet must put them worst first.
  fleet = fleetOf([reports.pass, reports.warn, reports.unknown, reports.fail]);
  for (const format of FLEET_FORMATS) outputs[format] = renderFleet(format, fleet, OPTIONS);
  if (UPDATE) {
    await mkdir(GOLDEN_DIR, { recursive: true });
    for (const [format, file] of Object.entries(GOLDEN))
      await writeFile(join(GOLDEN_DIR, file), outputs[format as FleetFormat]);
    const page = await readFile(FLEET_PAGE, "utf8");
    await writeFile(
      FLEET_PAGE,
      page.replace(FLEET_EXAMPLE, () => fleetExample(outputs.text)),
    );
  }
}, 60_000);

/** docs/fleet.md shows the text golden between these markers. */
const FLEET_PAGE = join(ROOT, "docs/fleet.md");
const FLEET_EXAMPLE = /<!-- example:fleet-text -->[\s\S]*?<!-- \/example:fleet-text -->/;
const fleetExample = (text: string): string =>
  `<!-- example:fleet-text -->\n\`\`\`text\n${text.trimEnd()}\n\`\`\`\n<!-- /example:fleet-text -->`;

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const problemFindings = (report: Report) =>
  report.checks.flatMap((check) =>
    check.findings
      .filter((finding) => finding.status === "fail" || finding.status === "unknown" || finding.status === "warn")
      .map((finding) => ({ check, finding })),
  );

describe("the fleet", () => {
  test("each workspace's worst status is what its name says, and the fleet orders them worst first", () => {
    for (const [status, report] of Object.entries(reports)) expect(workspaceStatus(report)).toBe(status);
    expect(fleet.workspaces.map((report) => report.target.workspace)).toEqual([
      "ml-research",
      "ml-vision",
      "ml-forecast",
      "ml-sandbox",
    ]);
    expect(fleet.summary.byWorstStatus).toEqual({ fail: 1, unknown: 1, warn: 1, pass: 1, skip: 0 });
  });
});

describe("json", async () => {
  const reportSchema = JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object;
  const fleetSchema = JSON.parse(await readFile(join(ROOT, "reports/fleet-report.schema.json"), "utf8")) as object;
  const validate = new Ajv({ strict: false, allErrors: true }).addSchema(reportSchema).compile(fleetSchema);

  test("validates against reports/fleet-report.schema.json and round-trips", () => {
    const parsed: unknown = JSON.parse(outputs.json);
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(fleet)));
    expect(outputs.json.endsWith("}\n")).toBe(true);
  });

  test("the schema checks each workspace against the single report schema, and the fleet's own fields", () => {
    const parsed = JSON.parse(outputs.json) as Json;
    delete parsed.workspaces[1].checks;
    expect(validate(parsed)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain("/workspaces/1");
    const badCounts = JSON.parse(outputs.json) as Json;
    badCounts.summary.byWorstStatus.broken = 1;
    badCounts.collection.errors[0].operation = 7;
    expect(validate(badCounts)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath).sort()).toEqual([
      "/collection/errors/0/operation",
      "/summary/byWorstStatus",
    ]);
  });
});

describe("text", () => {
  const lines = () => outputs.text.trimEnd().split("\n");
  const lastLine = (text: string) => text.trimEnd().split("\n").at(-1);
  const workspaceLine = /^[✗?!✓-] (fail|unknown|warn|pass|skip) +(\S+) +(\S+) +(\S+)/;

  test("header: version, workspace count, ticket, scope, filters and how it was read", () => {
    const [first, scope, via] = lines();
    expect(first).toBe("aml-preflight 0.0.0-test · fleet audit of 4 workspaces · ticket FLEET-42");
    expect(scope).toBe(`  scope: subscriptions ${SUB_A}, ${SUB_B} · tag team=ml`);
    expect(via).toContain("via Resource Graph");
    const everywhere = renderFleet(
      "text",
      {
        ...fleet,
        scope: {
          ...fleet.scope,
          subscriptions: [],
          managementGroups: ["mg-ml"],
          tags: [],
          resourceGroups: ["a-rg", "b-rg"],
        },
      },
      OPTIONS,
    );
    expect(everywhere.split("\n")[1]).toBe("  scope: management group mg-ml · resource groups a-rg, b-rg");
    const tenant = renderFleet(
      "text",
      { ...fleet, scope: { ...fleet.scope, subscriptions: [], tags: [], via: "arm" } },
      OPTIONS,
    );
    expect(tenant.split("\n").slice(1, 3).join("\n")).toMatch(
      /scope: every subscription the credential can see\n.*via ARM/,
    );
  });

  test("summary: workspaces by worst status and the most common problem checks with their counts", () => {
    expect(lines()).toContain("Workspaces by worst status: 1 fail, 1 unknown, 1 warn, 1 pass, 0 skip");
    const start = lines().findIndex((line) => line.startsWith("Most common problems"));
    const table = lines().slice(start + 2);
    const rows = table.slice(0, table.indexOf(""));
    const expected = fleet.summary.checks
      .filter((check) => check.counts.fail + check.counts.unknown + check.counts.warn > 0)
      .slice(0, 10);
    expect(expected.length).toBeGreaterThan(2);
    expect(rows.map((row) => row.trim().split(/\s+/).slice(0, 4))).toEqual(
      expected.map((check) => [
        check.id,
        String(check.counts.fail),
        String(check.counts.unknown),
        String(check.counts.warn),
      ]),
    );
    // key-sync fails in the demo, is undecided where the keys cannot be read and warns after the rotation.
    expect(
      rows
        .find((row) => row.trim().startsWith("key-sync "))
        ?.trim()
        .split(/\s+/)
        .slice(0, 4),
    ).toEqual(["key-sync", "1", "1", "1"]);
  });

  test("one line per problem workspace, worst first, with its failing and undecided checks; passing ones only counted", () => {
    const listed = lines().filter((line) => workspaceLine.test(line));
    expect(listed.map((line) => line.match(workspaceLine)?.slice(1, 5))).toEqual([
      ["fail", "ml-research", "ml-platform-rg", SUB_A],
      ["unknown", "ml-vision", "vision-rg", SUB_A],
      ["warn", "ml-forecast", "forecast-rg", SUB_B],
    ]);
    const failIds = reports.fail.checks.filter((check) => check.status === "fail").map((check) => check.id);
    expect(listed[0]).toContain(`fail: ${failIds.join(", ")}`);
    expect(listed[1]).toContain("unknown: ");
    expect(listed[1]).toMatch(/\(\d+ reads? failed\)$/);
    expect(listed[2]).toContain("warn: key-sync");
    expect(lines()).toContain(
      "Workspaces with problems (3 of 4; 1 passing or skipped not listed, --verbose lists them):",
    );
    const verbose = renderFleet("text", fleet, { ...OPTIONS, verbose: true })
      .split("\n")
      .filter((line) => workspaceLine.test(line));
    expect(verbose.map((line) => line.match(workspaceLine)?.[2])).toEqual([
      "ml-research",
      "ml-vision",
      "ml-forecast",
      "ml-sandbox",
    ]);
  });

  test("collection: requests by kind, pages and rows, and the fleet's failed reads; the exit sentence last", () => {
    expect(lines()).toContain(
      `Requests: Resource Graph 3 (3 pages, 57 rows), ARM ${fleet.collection.requests.arm} · 4.3 s`,
    );
    expect(lines()).toContain(
      `  resourceGraphQuery failed (403 AuthorizationFailed; needs ${FLEET_ERROR.permission}) on ${FLEET_ERROR.resourceId}`,
    );
    expect(lines().at(-1)).toBe("exit 1: 1 workspace at or above --fail-on fail (1 fail)");
    expect(lastLine(renderFleet("text", fleet, { ...OPTIONS, failOn: "warn" }))).toBe(
      "exit 1: 3 workspaces at or above --fail-on warn (1 fail, 1 unknown, 1 warn)",
    );
    const calm = fleetOf([reports.pass, reports.warn, reports.unknown]);
    expect(lastLine(renderFleet("text", calm, OPTIONS))).toBe(
      "exit 0: no workspace at or above --fail-on fail (1 unknown, 1 warn below it)",
    );
    // Every workspace passes, but a read outside any of them failed: at --fail-on unknown that alone is exit 1.
    const quiet = fleetOf([reports.pass]);
    expect(lastLine(renderFleet("text", quiet, { ...OPTIONS, failOn: "unknown" }))).toBe(
      "exit 1: 1 read outside any workspace failed, which counts at --fail-on unknown",
    );
    expect(lastLine(renderFleet("text", quiet, OPTIONS))).toBe("exit 0: no workspace at or above --fail-on fail");
  });

  test("no per-finding detail, and a pointer to where it is", () => {
    for (const { finding } of problemFindings(reports.fail)) expect(outputs.text).not.toContain(finding.message);
    expect(outputs.text).toContain("--format json or --format markdown");
    expect(outputs.text).toContain("preflight --workspace <workspace ID>");
  });

  test("colour only when asked", () => {
    expect(outputs.text).not.toContain("\u001b[");
    expect(renderFleet("text", fleet, { ...OPTIONS, colour: true })).toContain("\u001b[");
  });

  test("at most the 20 worst workspaces are listed: worst status, then most failing checks; the rest counted", () => {
    // Two more failing workspaces: one failing fewer checks than ml-research (listed after it, though its
    // ID sorts first), one failing more.
    const fewer = retarget(reports.fail, "aa-fewer", "ml-platform-rg", SUB_A);
    fewer.checks = fewer.checks.map((check) => (check.id === "key-sync" ? { ...check, status: "pass" } : check));
    const more = retarget(reports.fail, "zz-more", "ml-platform-rg", SUB_A);
    more.checks = more.checks.map((check) => (check.id === "compute-region" ? { ...check, status: "fail" } : check));
    const crowd = Array.from({ length: 30 }, (_, index) =>
      renamed(reports.warn, `warn-${String(index).padStart(2, "0")}`),
    );
    const text = renderFleet("text", fleetOf([...crowd, reports.unknown, fewer, reports.fail, more]), OPTIONS);
    const listed = text.split("\n").filter((line) => workspaceLine.test(line));
    expect(listed).toHaveLength(20);
    expect(listed.map((line) => line.match(workspaceLine)?.[2])).toEqual([
      "zz-more",
      "ml-research",
      "aa-fewer",
      "ml-vision",
      ...crowd.slice(0, 16).map((report) => report.target.workspace),
    ]);
    expect(text).toContain("Workspaces with problems (34 of 34, the worst 20 shown):");
    const after = text.split("\n")[text.split("\n").indexOf(listed.at(-1) as string) + 1];
    expect(after).toBe("… and 14 more workspaces: see --format json or markdown");
    // One more than shown is "1 more workspace"; a fleet that fits has no such line.
    expect(renderFleet("text", fleetOf(crowd.slice(0, 21)), OPTIONS)).toContain("… and 1 more workspace: see");
    expect(renderFleet("text", fleetOf(crowd.slice(0, 20)), OPTIONS)).not.toContain("… and");
    expect(outputs.text).not.toContain("… and");
  });

  test("a fleet of 1,000 workspaces: the 20 worst listed, and a page that stays small", () => {
    const many = Array.from({ length: 250 }, (_, index) =>
      Object.values(reports).map((report) => renamed(report, `${report.target.workspace}-${index}`)),
    ).flat();
    const big = fleetOf(many);
    // How long this takes is measured by bench/fleet.mjs, not asserted here.
    const text = renderFleet("text", big, OPTIONS);
    const textLines = text.trimEnd().split("\n");
    const listed = textLines.filter((line) => workspaceLine.test(line));
    expect(listed.map((line) => line.match(workspaceLine)?.[1])).toEqual(Array(20).fill("fail"));
    expect(textLines).toContain("… and 730 more workspaces: see --format json or markdown");
    expect(textLines).toContain(
      "Workspaces with problems (750 of 1000, the worst 20 shown; 250 passing or skipped not listed, --verbose lists them):",
    );
    // Everything else is the fixed frame: header, summary, top checks, collection, exit.
    expect(textLines.length).toBeLessThan(20 + 40);
    expect(text.length).toBeLessThan(20 * 250 + 5_000);
    expect(textLines).toContain("Workspaces by worst status: 250 fail, 250 unknown, 250 warn, 250 pass, 0 skip");
    expect(textLines.at(-1)).toBe("exit 1: 250 workspaces at or above --fail-on fail (250 fail)");
    // The other formats carry every finding of a fleet this size.
    const full = {} as Record<"json" | "junit" | "markdown" | "sarif", string>;
    for (const format of ["json", "junit", "markdown", "sarif"] as const)
      full[format] = renderFleet(format, big, OPTIONS);
    expect(full.junit.match(/<testsuite /g)).toHaveLength(1000);
    expect(full.markdown.match(/^<details>$/gm)).toHaveLength(750);
  });
});

describe("junit", () => {
  test("a JUnit reader sees one suite per workspace and one case per check, with the right outcome", async () => {
    const file = join(work, "fleet.xml");
    await writeFile(file, outputs.junit);
    const result = parseTestResults({ type: "junit", files: [file] });
    expect(result.suites.map((suite) => suite.name)).toEqual([
      "ml-research (ml-platform-rg)",
      "ml-vision (vision-rg)",
      "ml-forecast (forecast-rg)",
      "ml-sandbox (sandbox-rg)",
    ]);
    const expected: Record<Status, string> = {
      fail: "FAIL",
      unknown: "FAIL",
      skip: "SKIP",
      warn: "PASS",
      pass: "PASS",
    };
    fleet.workspaces.forEach((report, index) => {
      const suite = result.suites[index];
      expect(suite?.metadata).toMatchObject({
        workspaceId: report.target.workspaceId,
        subscriptionId: report.target.subscriptionId,
        status: workspaceStatus(report),
        ticket: "FLEET-42",
      });
      expect(suite?.cases.map((testCase) => testCase.status)).toEqual(
        report.checks.map((check) => expected[check.status]),
      );
      expect(suite?.errors ?? 0).toBe(report.checks.filter((check) => check.status === "unknown").length);
      report.checks.forEach((check, at) => {
        const testCase = suite?.cases[at];
        if (check.status !== "fail" && check.status !== "unknown") return;
        // Every finding's message is in the case, with its fix and the check's docs.
        for (const finding of check.findings.filter((candidate) => candidate.status === check.status))
          expect(testCase?.failure).toContain(finding.message);
        for (const finding of check.findings.filter(
          (candidate) => candidate.status !== "pass" && candidate.status !== "skip",
        )) {
          expect(testCase?.stack_trace).toContain(`[${finding.status}] ${finding.messageId}: ${finding.message}`);
          if (finding.remediation) expect(testCase?.stack_trace).toContain(`fix: ${finding.remediation}`);
        }
        expect(testCase?.stack_trace).toContain(DOCS_URL.replace("{id}", check.id));
      });
    });
    expect([...outputs.junit.matchAll(/<testcase classname="([^"]+)"/g)].map((match) => match[1])).toEqual(
      fleet.workspaces.flatMap((report) => report.checks.map((check) => check.id)),
    );
  });

  test("two workspaces with one name and resource group in different subscriptions get distinct suites", () => {
    const twin = retarget(reports.pass, "ml-research", "ml-platform-rg", SUB_B);
    const names = [
      ...renderFleet("junit", fleetOf([reports.fail, twin]), OPTIONS).matchAll(/<testsuite name="([^"]+)"/g),
    ].map((match) => match[1]);
    expect(names).toEqual([
      `ml-research (ml-platform-rg, subscription ${SUB_A})`,
      `ml-research (ml-platform-rg, subscription ${SUB_B})`,
    ]);
  });

  test("control characters from ARM data cannot break the XML (they are written out, as in the text report)", async () => {
    const broken = retarget(reports.fail, "ml-research", "ml-platform-rg", SUB_A);
    const check = broken.checks[0];
    if (!check) throw new Error("no check");
    const poisoned: Report = {
      ...broken,
      checks: [
        {
          ...check,
          findings: check.findings.map((finding) => ({ ...finding, message: `bad\u0001byte ${finding.message}` })),
        },
      ],
    };
    const xml = renderFleet("junit", fleetOf([poisoned]), OPTIONS);
    expect(xml).not.toContain("\u0001");
    const file = join(work, "poisoned.xml");
    await writeFile(file, xml);
    expect(parseTestResults({ type: "junit", files: [file] }).suites[0]?.cases[0]?.failure).toMatch(/^bad\\x01byte /);
  });
});

describe("sarif", () => {
  const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as object;
  // One pattern in the schema ("language") is invalid as a Unicode regular expression: compile without the u flag.
  const validate = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false }).compile(schema);

  test("valid SARIF 2.1.0: one run, each rule once, a result for every root cause of every workspace", () => {
    const log = JSON.parse(outputs.sarif) as Json;
    expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((rule: Json) => rule.id)).toEqual(fleet.summary.checks.map((check) => check.id));
    for (const rule of run.tool.driver.rules) {
      expect(rule.helpUri).toBe(DOCS_URL.replace("{id}", rule.id));
      expect(rule.properties.workspaces).toEqual(fleet.summary.checks.find((check) => check.id === rule.id)?.counts);
      expect(rule.properties.status).toBeUndefined();
    }
    const expected = fleet.workspaces.flatMap((report) =>
      report.rootCauses.map((cause) => ({
        ruleId: cause.checks[0],
        status: cause.status,
        rootCause: cause.key,
        resource: cause.resourceId,
        workspaceId: report.target.workspaceId,
      })),
    );
    expect(expected.map((entry) => entry.workspaceId)).toContain(reports.warn.target.workspaceId);
    // Grouped: fewer results than problem findings.
    expect(expected.length).toBeLessThan(fleet.workspaces.flatMap(problemFindings).length);
    expect(
      run.results.map((result: Json) => ({
        ruleId: result.ruleId,
        status: result.properties.status,
        rootCause: result.properties.rootCause,
        resource: result.locations[0].logicalLocations[0].fullyQualifiedName,
        workspaceId: result.properties.workspaceId,
      })),
    ).toEqual(expected);
    for (const result of run.results) expect(result.relatedLocations.length).toBeGreaterThan(0);
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(run.properties.ticket).toBe("FLEET-42");
    expect(run.properties.exit).toBe("exit 1: 1 workspace at or above --fail-on fail (1 fail)");
    const notifications = run.invocations[0].toolExecutionNotifications as Json[];
    expect(notifications[0]?.message.text).toBe(
      `resourceGraphQuery failed (403 AuthorizationFailed; needs ${FLEET_ERROR.permission}): ${FLEET_ERROR.message}`,
    );
    expect(notifications).toHaveLength(
      1 + fleet.workspaces.reduce((sum, report) => sum + report.collection.errors.length, 0),
    );
  });
});

describe("markdown", () => {
  function flatten(tokens: Token[]): Token[] {
    return tokens.flatMap((token) => {
      const children = [
        ...("tokens" in token && Array.isArray(token.tokens) ? token.tokens : []),
        ...(token.type === "list" ? (token as Tokens.List).items.flatMap((item) => item.tokens) : []),
        ...(token.type === "table"
          ? [...(token as Tokens.Table).header, ...(token as Tokens.Table).rows.flat()].flatMap(
              (tableCell) => tableCell.tokens,
            )
          : []),
      ];
      return [token, ...flatten(children)];
    });
  }

  test("facts, status and check tables, a details section per problem workspace with its own page, the fleet's reads", () => {
    const tokens = marked.lexer(outputs.markdown);
    const all = flatten(tokens);
    const headings = all.filter((token): token is Tokens.Heading => token.type === "heading");
    expect(headings[0]).toMatchObject({ depth: 1, text: "aml-preflight: fleet of 4 workspaces" });
    const tables = tokens.filter((token): token is Tokens.Table => token.type === "table");
    const facts = Object.fromEntries(tables[0]?.rows.map((row) => [row[0]?.text, row[1]?.text]) ?? []);
    expect(facts.Scope).toBe(`subscriptions ${SUB_A}, ${SUB_B}`);
    expect(facts.Filters).toBe("tag team=ml");
    expect(facts.Ticket).toContain("FLEET-42");
    expect(facts.Result).toBe("exit 1: 1 workspace at or above --fail-on fail (1 fail)");
    expect(
      Object.fromEntries(tables[1]?.rows.map((row) => [row[0]?.text.split(" ")[1], Number(row[1]?.text)]) ?? []),
    ).toEqual(fleet.summary.byWorstStatus);
    const checkRows = tables[2]?.rows ?? [];
    expect(checkRows.map((row) => row[0]?.text.match(/\[`([a-z0-9-]+)`\]/)?.[1])).toEqual(
      fleet.summary.checks.map((check) => check.id),
    );
    const links = all.filter((token): token is Tokens.Link => token.type === "link").map((token) => token.href);
    for (const check of fleet.summary.checks) expect(links).toContain(DOCS_URL.replace("{id}", check.id));
    expect(checkRows.map((row) => row.slice(2, 7).map((value) => Number(value.text)))).toEqual(
      fleet.summary.checks.map((check) => [
        check.counts.fail,
        check.counts.unknown,
        check.counts.warn,
        check.counts.pass,
        check.counts.skip,
      ]),
    );
    expect(tables[3]?.rows.map((row) => row[1]?.text.replaceAll("`", ""))).toEqual([
      "ml-research",
      "ml-vision",
      "ml-forecast",
    ]);

    // The workspaces' sections (each page folds its findings' evidence in <details> of its own).
    const opened = all.filter((token) => token.type === "html" && token.raw.startsWith("<details>\n"));
    expect(
      opened.map((token) =>
        token.raw
          .match(/<summary>.*?<b>(\w+)<\/b> · ([^·]+) ·/)
          ?.slice(1, 3)
          .map((part) => part.trim()),
      ),
    ).toEqual([
      ["fail", "ml-research (ml-platform-rg)"],
      ["unknown", "ml-vision (vision-rg)"],
      ["warn", "ml-forecast (forecast-rg)"],
    ]);
    // Each workspace's own page, its headings under the fleet's.
    expect(headings.filter((heading) => heading.depth === 3).map((heading) => heading.text)).toEqual(
      ["ml-research", "ml-vision", "ml-forecast"].map((name) => `aml-preflight: workspace \`${name}\``),
    );
    expect(headings.filter((heading) => heading.depth <= 2).map((heading) => heading.text)).toEqual([
      "aml-preflight: fleet of 4 workspaces",
      "Workspaces by worst status",
      "Checks",
      "Workspaces with problems",
      "Workspace details",
      "Reads that failed outside any workspace",
    ]);
    // Each page's problems (its root causes), then its details per check that did not pass.
    expect(headings.filter((heading) => heading.depth === 4).map((heading) => heading.text)).toEqual(
      ["ml-research", "ml-vision", "ml-forecast"].flatMap(() => ["Problems", "Checks", "Details", "Reads that failed"]),
    );
    const sections = headings.filter((heading) => heading.depth === 5).map((heading) => heading.text);
    expect(sections).toEqual(
      fleet.workspaces
        .filter((report) => report.rootCauses.length > 0)
        .flatMap((report) => [
          ...report.rootCauses.map((_cause, at) => expect.stringMatching(new RegExp(`^${at + 1}\\. `))),
          ...report.checks
            .filter((check) => ["fail", "unknown", "warn"].includes(check.status))
            .map((check) => `${STATUS_SYMBOL[check.status]} ${check.status}: \`${check.id}\``),
        ]),
    );
    for (const { finding } of problemFindings(reports.fail)) expect(outputs.markdown).toContain(finding.resourceId);

    const readsHeading = tokens.findIndex(
      (token) =>
        token.type === "heading" && (token as Tokens.Heading).text === "Reads that failed outside any workspace",
    );
    const reads = tokens.slice(readsHeading).find((token): token is Tokens.List => token.type === "list");
    expect(reads?.items.map((item) => item.text)).toEqual([
      `resourceGraphQuery failed (403 AuthorizationFailed; needs \`${FLEET_ERROR.permission}\`) on \`${FLEET_ERROR.resourceId}\`: ${FLEET_ERROR.message}`,
    ]);
    expect(outputs.markdown.split(NO_SECRETS_LINE)).toHaveLength(2);
    expect((tokens.filter((token) => token.type === "paragraph").at(-1) as Tokens.Paragraph).text).toBe(
      NO_SECRETS_LINE,
    );
  });
});

test("an empty fleet renders in every format and says that nothing was found", async () => {
  const empty = fleetOf([], {
    collection: { requests: { resourceGraph: 1, arm: 0 }, resourceGraph: { queries: 1, rows: 0 }, errors: [] },
  });
  for (const format of ["text", "markdown"] as const)
    expect(renderFleet(format, empty, OPTIONS)).toContain("No workspace found in the scope.");
  expect(renderFleet("text", empty, OPTIONS).trimEnd().split("\n").at(-1)).toBe(
    "exit 0: no workspace at or above --fail-on fail",
  );
  expect(JSON.parse(renderFleet("sarif", empty, OPTIONS)).runs[0].results).toEqual([]);
  const file = join(work, "empty.xml");
  await writeFile(file, renderFleet("junit", empty, OPTIONS));
  expect(parseTestResults({ type: "junit", files: [file] }).suites).toEqual([]);
});

describe("goldens (test/reports/golden/)", () => {
  test.each(Object.entries(GOLDEN))("%s matches %s", async (format, file) => {
    const path = join(GOLDEN_DIR, file);
    expect(existsSync(path), `${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/reports/fleet`).toBe(true);
    expect(outputs[format as FleetFormat]).toBe(await readFile(path, "utf8"));
  });

  test("docs/fleet.md shows the text golden, as generated", async () => {
    const page = await readFile(FLEET_PAGE, "utf8");
    expect(FLEET_EXAMPLE.exec(page)?.[0], "run UPDATE_GOLDEN=1 npx vitest run test/reports/fleet").toBe(
      fleetExample(outputs.text),
    );
  });

  test("no orphaned fleet goldens", async () => {
    const files = existsSync(GOLDEN_DIR) ? (await readdir(GOLDEN_DIR)).filter((name) => name.startsWith("fleet-")) : [];
    expect(files.sort()).toEqual(Object.values(GOLDEN).sort());
  });
});
