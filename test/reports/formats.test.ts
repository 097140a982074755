// Every report format, on reports the real collector made from the fake ARM (pass, fail and unknown
// scenarios, each with its fix plan), checked by a real parser or schema: JSON by
// reports/report.schema.json, JUnit by test-results-parser (the JUnit reader used by test-reporting
// tools), SARIF by the official SARIF 2.1.0 schema, Markdown by marked's lexer. Each format leads with
// the root causes (problems grouped by cause) rather than one entry per finding. Planted random
// secrets appear in none of them.

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
import { CHECKS } from "../../checks/index.js";
import { FORMATS, type Format } from "../../reports/formats.js";
import { loadRenderers } from "../../reports/index.js";

import { NO_SECRETS_LINE } from "../../reports/markdown.js";
import {
  STATUS_SYMBOL,
  azCommands,
  causeFindings,
  causeRemedy,
  statusLabel,
  type RenderOptions,
} from "../../reports/shared.js";
import { planFixes } from "../../src/engine/fixes/plan.js";
import { rootCausesOf, type RootCause } from "../../src/engine/root-causes.js";
import { exitCodeFor } from "../../src/engine/run.js";
import type { CheckResult, Report, ReportFinding } from "../../src/engine/types.js";
import { isProblem, worstStatus, type Status } from "../../src/core/status.js";
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
  const { report, snapshot } = await auditScenario(scenario, { now: NOW });
  // As the CLI makes it: the fix plan proven on the audited state.
  const fixPlan = planFixes(snapshot, CHECKS, report.checks, report.rootCauses);
  const withTicket: Report = { ...report, ticket: `TKT-${name}`, fixPlan };
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

/** The pass report as a Foundry project's: the target names the hub whose settings were judged. */
const asProject = (report: Report): Report => ({
  ...report,
  target: {
    ...report.target,
    workspace: "bami-project-test",
    hub: {
      id: report.target.workspaceId.replace(/[^/]+$/, "bami-hub-test"),
      name: "bami-hub-test",
      subscriptionId: report.target.subscriptionId,
      resourceGroup: report.target.resourceGroup,
    },
  },
});
const NAMES: Array<Case["name"]> = ["pass", "fail", "unknown"];

describe("the scenarios give what their names say", () => {
  test.each(NAMES)("%s", (name) => {
    const { report } = caseNamed(name);
    const worst: Record<Case["name"], Status> = { pass: "pass", fail: "fail", unknown: "unknown" };
    expect(report.checks[0]?.status).toBe(worst[name]);
    if (name === "unknown") expect(report.summary.fail).toBe(0);
    // Root causes group findings: fewer causes than problem findings where there are problems.
    const problems = report.checks.flatMap((check) => check.findings.filter((finding) => isProblem(finding.status)));
    if (name === "pass") expect(report.rootCauses).toEqual([]);
    else expect(report.rootCauses.length).toBeLessThan(problems.length);
    // The demo's causes all have a proven fix; the undecided ones (missing permissions) none.
    if (name === "fail") expect(report.fixPlan?.steps).toHaveLength(report.rootCauses.length);
    if (name === "unknown") expect(report.fixPlan?.unfixed).toHaveLength(report.rootCauses.length);
  });
});

/** A root cause's findings in one check. */
const inCheck = (cause: RootCause, check: CheckResult): ReportFinding[] =>
  cause.findings.flatMap(({ check: id, index }) =>
    id === check.id && check.findings[index] ? [check.findings[index]] : [],
  );

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
  const outcome: Record<Status, string> = { fail: "FAIL", unknown: "FAIL", skip: "SKIP", warn: "PASS", pass: "PASS" };

  test.each(NAMES)(
    "%s: a JUnit reader sees one suite per check, one case per root cause it holds and per passing or skipped finding",
    async (name) => {
      const { outputs, report } = caseNamed(name);
      const file = join(work, `${name}.xml`);
      await writeFile(file, outputs.junit);
      const result = parseTestResults({ type: "junit", files: [file] });
      expect(result.suites.map((suite) => suite.name)).toEqual(report.checks.map((check) => check.id));
      report.checks.forEach((check, at) => {
        const suite = result.suites[at];
        const causes = report.rootCauses.filter((cause) => cause.checks.includes(check.id));
        const quiet = check.findings.filter((finding) => !isProblem(finding.status));
        const causeStatuses = causes.map(
          (cause) => worstStatus(inCheck(cause, check).map((finding) => finding.status)) as Status,
        );
        expect(suite?.cases.map((testCase) => testCase.status)).toEqual([
          ...causeStatuses.map((status) => outcome[status]),
          ...quiet.map((finding) => outcome[finding.status]),
        ]);
        expect(suite?.errors).toBe(causeStatuses.filter((status) => status === "unknown").length);
        expect(suite?.skipped).toBe(quiet.filter((finding) => finding.status === "skip").length);
        causes.forEach((cause, index) => {
          const testCase = suite?.cases[index];
          if (!isProblem(causeStatuses[index] as Status) || causeStatuses[index] === "warn") return;
          // The case says the cause, its fix (or what to do), each of its findings here and the docs.
          expect(testCase?.failure).toBe(cause.summary);
          const remedy = causeRemedy(report, cause);
          if (remedy?.kind === "fix")
            for (const command of remedy.commands) expect(testCase?.stack_trace).toContain(`fix: ${command}`);
          if (remedy?.kind === "advice") expect(testCase?.stack_trace).toContain(`to do: ${remedy.advice}`);
          for (const finding of inCheck(cause, check)) {
            expect(testCase?.stack_trace).toContain(`${check.id}/${finding.messageId}: ${finding.message}`);
            expect(testCase?.stack_trace).toContain(`resource: ${finding.resourceId}`);
          }
          expect(testCase?.stack_trace).toContain(DOCS_URL.replace("{id}", check.id));
        });
      });
      expect(outputs.junit).toContain(`<property name="ticket" value="TKT-${name}"/>`);
      // The demo's thirteen blocked flows are two failures (one per check the NSG rule breaks), not thirteen.
      if (name === "fail") expect(outputs.junit.match(/<failure\b/g)).toHaveLength(4);
    },
  );

  test("a project's suites are named for the project and its hub; a workspace's for the workspace alone", () => {
    const { report } = caseNamed("pass");
    expect(render("junit", asProject(report), OPTIONS)).toContain(
      '<testsuites name="aml-preflight project bami-project-test of hub bami-hub-test (ticket TKT-pass)"',
    );
    expect(render("junit", report, OPTIONS)).toContain(
      `<testsuites name="aml-preflight ${report.target.workspace} (ticket TKT-pass)"`,
    );
  });

  /** Case names per suite. */
  const caseNames = (xml: string) =>
    xml
      .split("<testsuite ")
      .slice(1)
      .map((suite) => [...suite.matchAll(/<testcase classname="[^"]*" name="([^"]*)"/g)].map((match) => match[1]));

  test("case names are 'subject → what', unique within a suite, and never numbered", () => {
    for (const { outputs } of cases) {
      for (const names of caseNames(outputs.junit)) {
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) {
          expect(name).toContain(" → ");
          expect(name).not.toMatch(/#\d/);
        }
      }
    }
    const names = caseNames(caseNamed("fail").outputs.junit);
    const suite = (id: string) => names[caseNamed("fail").report.checks.findIndex((check) => check.id === id)];
    expect(suite("service-tags-outbound")).toEqual([
      "training → MicrosoftContainerRegistry TCP 443, AzureFrontDoor.FirstParty TCP 443",
    ]);
    expect(suite("required-outbound")).toEqual([
      "training → AzureActiveDirectory TCP 443, AzureMachineLearning TCP 443, AzureMachineLearning TCP 18881 and 8 more",
      // The flows to the private endpoints in the VNet pass (the deny is on Internet), each its own case.
      "training → VirtualNetwork TCP 443 to pe-ml-research",
      "training → VirtualNetwork TCP 443 to pe-mlresearchstore-blob",
      "training → VirtualNetwork TCP 443 to pe-mlresearchstore-file",
      "training → VirtualNetwork TCP 445 to pe-mlresearchstore-file",
      "training → VirtualNetwork TCP 443 to pe-mlresearchacr",
      "training → VirtualNetwork TCP 443 to pe-ml-research-kv",
    ]);
    expect(suite("key-sync")).toEqual(["mlresearchstore → out of sync", "mlresearchacr → in sync"]);
    expect(suite("private-dns")).toContain("pe-ml-research → privatelink.api.azureml.ms");
    expect(suite("private-dns")).toContain("privatelink.azurecr.io → ml-vnet");
    expect(suite("subnet-colocation")).toContain("cpu-build → mlresearchstore");
  });

  test("names that would collide take more context: the message id, the resource type, the IDs, the finding", async () => {
    const base = caseNamed("pass").report;
    const sub = "/subscriptions/6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7/resourceGroups/rg/providers";
    const finding = (
      status: Status,
      messageId: string,
      resourceId: string,
      evidence: Record<string, unknown> = {},
    ): ReportFinding => ({ status, messageId, resourceId, message: `${messageId} on ${resourceId}`, evidence });
    const flow = { tag: "Storage", port: 443 };
    const findings = [
      // One resource, one flow, two message ids.
      finding("pass", "allowed", `${sub}/Microsoft.Storage/storageAccounts/data`, flow),
      finding("pass", "allowed-by-default", `${sub}/Microsoft.Storage/storageAccounts/data`, flow),
      // One name, two resource types.
      finding("pass", "reachable", `${sub}/Microsoft.Storage/storageAccounts/shared`),
      finding("pass", "reachable", `${sub}/Microsoft.ContainerRegistry/registries/shared`),
      // One name and type in two resource groups.
      finding("fail", "blocked", `${sub}/Microsoft.Network/virtualNetworks/vnet/subnets/training`),
      finding(
        "fail",
        "blocked",
        `${sub.replace("/rg/", "/rg2/")}/Microsoft.Network/virtualNetworks/vnet/subnets/training`,
      ),
      // The same finding twice: only its place in the check tells them apart.
      finding("skip", "not-applicable", `${sub}/Microsoft.Network/networkSecurityGroups/nsg`),
      finding("skip", "not-applicable", `${sub}/Microsoft.Network/networkSecurityGroups/nsg`),
    ];
    const check: CheckResult = { ...(base.checks[0] as CheckResult), status: "fail", findings };
    const report: Report = { ...base, checks: [check], rootCauses: rootCausesOf([check]), fixPlan: undefined };
    const [names] = caseNames(render("junit", report, OPTIONS));
    expect(names).toEqual([
      `${sub}/Microsoft.Network/virtualNetworks/vnet/subnets/training → blocked`,
      `${sub.replace("/rg/", "/rg2/")}/Microsoft.Network/virtualNetworks/vnet/subnets/training → blocked`,
      "data → Storage TCP 443 [allowed]",
      "data → Storage TCP 443 [allowed-by-default]",
      "shared (storageAccounts) → reachable",
      "shared (registries) → reachable",
      `${sub}/Microsoft.Network/networkSecurityGroups/nsg → not applicable (finding 7 of the check)`,
      `${sub}/Microsoft.Network/networkSecurityGroups/nsg → not applicable (finding 8 of the check)`,
    ]);
    const file = join(work, "collide.xml");
    await writeFile(file, render("junit", report, OPTIONS));
    const suite = parseTestResults({ type: "junit", files: [file] }).suites[0];
    expect(suite?.cases.map((testCase) => testCase.status).join(" ")).toBe("FAIL FAIL PASS PASS PASS PASS SKIP SKIP");
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

  test.each(NAMES)("%s: valid SARIF 2.1.0; one rule per check, one result per root cause", (name) => {
    const { outputs, report } = caseNamed(name);
    const log = JSON.parse(outputs.sarif) as Json;
    expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((rule: Json) => rule.id)).toEqual(report.checks.map((check) => check.id));
    for (const rule of run.tool.driver.rules) expect(rule.helpUri).toBe(DOCS_URL.replace("{id}", rule.id));
    expect(run.results).toHaveLength(report.rootCauses.length);
    report.rootCauses.forEach((cause, at) => {
      const result = run.results[at];
      expect(result.ruleId).toBe(cause.checks[0]);
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.properties).toMatchObject({ status: cause.status, rootCause: cause.key, checks: cause.checks });
      // Located at the resource to change; related: every resource its findings are on, once.
      expect(result.locations[0].logicalLocations[0].fullyQualifiedName).toBe(cause.resourceId);
      const resources = [
        ...new Map(
          causeFindings(report, cause).map(({ finding }) => [finding.resourceId.toLowerCase(), finding]),
        ).values(),
      ].map((finding) => finding.resourceId);
      expect(result.relatedLocations.map((related: Json) => related.logicalLocations[0].fullyQualifiedName)).toEqual(
        resources,
      );
      expect(result.relatedLocations.map((related: Json) => related.id)).toEqual(resources.map((_, id) => id));
      // The message: the summary, what it breaks, and the fix (or what to do).
      expect(result.message.text).toContain(cause.summary.replace(/\.$/, ""));
      for (const broken of cause.breaks) expect(result.message.text).toContain(broken);
      const remedy = causeRemedy(report, cause);
      if (remedy?.kind === "fix") for (const command of remedy.commands) expect(result.message.text).toContain(command);
      if (remedy?.kind === "advice") expect(result.message.text).toContain(remedy.advice.replace(/\.$/, ""));
      // SARIF: an undecided result is kind "open", and a result that is not kind "fail" has level "none".
      const expectedKindAndLevel = { fail: ["fail", "error"], warn: ["fail", "warning"], unknown: ["open", "none"] }[
        cause.status as "fail" | "warn" | "unknown"
      ];
      expect([result.kind, result.level]).toEqual(expectedKindAndLevel);
      expect(result.partialFingerprints["amlPreflightRootCause/v1"]).toBe(cause.key);
    });
    if (name === "fail") {
      // Thirteen blocked flows behind one NSG rule are one result, related to the one subnet.
      const nsg = run.results.find((result: Json) => result.properties.kind === "nsg-rule");
      expect(nsg.properties.checks).toEqual(["required-outbound", "service-tags-outbound"]);
      expect(nsg.properties.findings).toHaveLength(13);
      expect(nsg.relatedLocations).toHaveLength(1);
      expect(nsg.locations[0].logicalLocations[0].name).toBe("training-nsg");
    }
    expect(run.properties.ticket).toBe(`TKT-${name}`);
    expect(run.invocations[0].toolExecutionNotifications).toHaveLength(report.collection.errors.length);
    if (name === "unknown") {
      // A failed read in the words the findings use for it: status, then the action it needs.
      expect(run.invocations[0].toolExecutionNotifications.map((note: Json) => note.message.text)).toContainEqual(
        expect.stringMatching(
          /^storage listKeys failed \(403 AuthorizationFailed; needs Microsoft\.Storage\/storageAccounts\/listKeys\/action\): \S/,
        ),
      );
    }
  });

  test("a project's run category names the project and its hub; a workspace's the workspace alone", () => {
    const { report } = caseNamed("pass");
    const project = JSON.parse(render("sarif", asProject(report), OPTIONS)) as Json;
    expect(validate(project), JSON.stringify(validate.errors, null, 1)).toBe(true);
    expect(project.runs[0].automationDetails.id).toBe(
      `aml-preflight/project bami-project-test of hub bami-hub-test/${report.startedAt}`,
    );
    const workspace = JSON.parse(render("sarif", report, OPTIONS)) as Json;
    expect(workspace.runs[0].automationDetails.id).toBe(`aml-preflight/${report.target.workspace}/${report.startedAt}`);
  });

  test("a warning cause is level warning, and the validator still accepts it", () => {
    const { report } = caseNamed("fail");
    const warned: Report = {
      ...report,
      rootCauses: report.rootCauses.map((cause, at) => (at === 0 ? { ...cause, status: "warn" } : cause)),
    };
    const log = JSON.parse(render("sarif", warned, OPTIONS)) as Json;
    expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
    expect([log.runs[0].results[0].kind, log.runs[0].results[0].level]).toEqual(["fail", "warning"]);
  });
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

  /** Heading text as a person reads it (Markdown escapes removed). */
  const plain = (text: string) => text.replace(/\\(.)/g, "$1");

  test.each(NAMES)(
    "%s: facts, the root causes first with their fixes, the checks table, details with folded evidence, failed reads, no-secrets line",
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
      expect(facts.Subscription).toContain(report.target.subscriptionId);
      expect(facts["Resource group"]).toContain(report.target.resourceGroup);
      expect(facts.Region).toContain("westeurope");
      expect(facts.Ticket).toContain(`TKT-${name}`);
      expect(facts.Tool).toBe(`aml-preflight ${report.tool.version}`);
      expect(facts["Audited at"]).toContain(report.startedAt);
      expect(facts.Read).toMatch(/^1 workspace, .* ARM requests/);
      expect(facts.Result).toContain(`exit ${exitCodeFor(report, "fail")}: `);

      // The problems come first, then the checks; details only where something did not pass.
      const causes = report.rootCauses;
      expect(headings.filter((heading) => heading.depth === 2).map((heading) => heading.text)).toEqual([
        "Problems",
        "Checks",
        ...(causes.length > 0 ? ["Details"] : []),
        "Reads that failed",
      ]);
      const section = (title: string) => {
        const start = tokens.findIndex((token) => token.type === "heading" && (token as Tokens.Heading).text === title);
        const end = tokens.findIndex(
          (token, at) => at > start && token.type === "heading" && (token as Tokens.Heading).depth === 2,
        );
        return flatten(tokens.slice(start, end < 0 ? undefined : end));
      };
      const problems = section("Problems");
      expect(
        problems
          .filter((token): token is Tokens.Heading => token.type === "heading" && token.depth === 3)
          .map((heading) => plain(heading.text)),
      ).toEqual(causes.map((cause, at) => `${at + 1}. ${statusLabel(cause.status)}: ${cause.summary}`));
      // Each cause's fix in a sh block, in the order to run them: the plan's proven commands, or the advice's.
      const shell = (from: Token[]) =>
        from
          .filter((token): token is Tokens.Code => token.type === "code" && token.lang === "sh")
          .flatMap((token) => token.text.split("\n"));
      const expectedCommands = causes.flatMap((cause) => {
        const remedy = causeRemedy(report, cause);
        return remedy?.kind === "fix" ? remedy.commands : azCommands(remedy?.advice);
      });
      expect(shell(problems)).toEqual(expectedCommands);
      if (name === "fail") expect(expectedCommands).toHaveLength(3);
      expect(shell(all)).toEqual(expectedCommands);
      const problemText = problems.map((token) => token.raw).join("");
      for (const cause of causes) {
        for (const check of cause.checks) expect(problemText).toContain(`\`${check}\``);
        const remedy = causeRemedy(report, cause);
        if (remedy?.kind === "fix") expect(plain(problemText)).toContain(remedy.why);
        if (remedy?.kind === "advice") expect(plain(problemText)).toContain(remedy.advice);
      }
      if (name === "pass") expect(problemText).toContain("None: no check failed");

      // No padded tables: no cell starts or ends with a space, delimiters are a single dash.
      for (const table of tables) {
        const lines = table.raw.trimEnd().split("\n");
        expect(lines[1]).toMatch(/^\|(-\|)+$/);
        for (const line of lines) expect(line).not.toMatch(/\| | \|/);
      }
      expect(tables[1]?.rows.map((row) => row[0]?.text.replaceAll("`", ""))).toEqual(
        report.checks.map((check) => check.id),
      );
      expect(tables[1]?.rows.map((row) => row[1]?.text)).toEqual(
        report.checks.map((check) => statusLabel(check.status)),
      );

      // Details: each check that did not pass, its problem findings, each one's evidence folded in <details>.
      const problemChecks = report.checks.filter((check) => isProblem(check.status));
      expect(
        headings
          .filter((heading) => heading.depth === 3 && !/^\d+\. /.test(heading.text))
          .map((heading) => heading.text),
      ).toEqual(problemChecks.map((check) => `${statusLabel(check.status)}: \`${check.id}\``));
      const problemFindings = problemChecks.flatMap((check) =>
        check.findings.filter((finding) => isProblem(finding.status)),
      );
      const evidence = all.filter((token): token is Tokens.Code => token.type === "code" && token.lang === "json");
      expect(evidence.map((block) => JSON.parse(block.text) as unknown)).toEqual(
        problemFindings.map((finding) => finding.evidence),
      );
      const folds = all.filter((token) => token.type === "html" && token.raw.startsWith("<details><summary>Evidence"));
      expect(folds).toHaveLength(evidence.length);
      for (const finding of problemFindings) expect(outputs.markdown).toContain(finding.resourceId);

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

  test("without a fix plan, each problem says what to do, and its commands are marked as not checked", () => {
    const { report } = caseNamed("fail");
    const { fixPlan: _plan, ...unplanned } = report;
    const page = render("markdown", unplanned, OPTIONS);
    const all = flatten(marked.lexer(page));
    const commands = all
      .filter((token): token is Tokens.Code => token.type === "code" && token.lang === "sh")
      .flatMap((token) => token.text.split("\n"));
    // The checks' own remediations: the image-build fix still names a placeholder, the plan's a real cluster.
    expect(commands).toEqual(
      report.rootCauses.flatMap((cause) =>
        azCommands(causeFindings(report, cause).find(({ finding }) => finding.remediation)?.finding.remediation),
      ),
    );
    expect(commands.join("\n")).toContain("--image-build-compute <cpu-cluster-name>");
    expect(page).not.toContain("Fix**, checked");
    // Each cause's advice is one command here: shown as that command alone, marked as not checked.
    expect(page.match(/^\*\*To do\*\*, not checked against this state:$/gm)).toHaveLength(3);
    expect(page).not.toContain("**To do**: az ");
    // Advice in prose keeps its words, and its commands follow, also marked as not checked.
    const unfixed = report.rootCauses.map((cause) => ({
      rootCause: cause.key,
      advice: "Ask the network team, then run az network nsg show -n nsg -g rg.",
      reason: "no command preflight can prove fixes this",
    }));
    const advised = render("markdown", { ...report, fixPlan: { steps: [], unfixed, remaining: [] } }, OPTIONS);
    expect(advised).toContain(
      "**To do** (no proven fix: no command preflight can prove fixes this): Ask the network team, then run az network nsg show -n nsg -g rg.",
    );
    expect(
      advised.match(
        /^Its commands, not checked against this state:\n\n```sh\naz network nsg show -n nsg -g rg\n```$/gm,
      ),
    ).toHaveLength(3);
  });

  test("--verbose details every check and finding; a skipped finding's '-' does not open a nested list", () => {
    const { report } = caseNamed("pass");
    const tokens = marked.lexer(render("markdown", report, { ...OPTIONS, verbose: true }));
    const checks = flatten(tokens).filter(
      (token): token is Tokens.Heading => token.type === "heading" && token.depth === 3,
    );
    expect(checks.map((heading) => heading.text)).toEqual(
      report.checks.map((check) => `${statusLabel(check.status)}: \`${check.id}\``),
    );
    const lists = tokens.filter((token): token is Tokens.List => token.type === "list");
    const items = lists.flatMap((list) => list.items.map((item) => plain(item.text.split("\n")[0] ?? "")));
    const findings = report.checks.flatMap((check) => check.findings);
    expect(items).toEqual(findings.map((finding) => `${statusLabel(finding.status)}: ${finding.message}`));
    expect(items.filter((item) => item.startsWith("- skip: "))).toHaveLength(
      findings.filter((finding) => finding.status === "skip").length,
    );
  });
});

describe("text", () => {
  test.each(NAMES)("%s: header, the problems first, one line per check, summary, and the exit code last", (name) => {
    const { outputs, report } = caseNamed(name);
    const lines = outputs.text.trimEnd().split("\n");
    // The header is wrapped to the width (100 here): its lines up to "read ..." read as one.
    const readAt = lines.findIndex((line) => /^ {2}read 1 workspace, /.test(line));
    expect(readAt).toBeGreaterThan(0);
    expect(
      lines
        .slice(0, readAt)
        .map((line) => line.trim())
        .join(" "),
    ).toBe(
      `aml-preflight ${report.tool.version} · workspace ${report.target.workspace} (${report.target.resourceGroup}, westeurope) · live audit · ticket TKT-${name}`,
    );
    const checkAt = lines.findIndex((line) => /^[✗?!✓-] (fail|unknown|warn|pass|skip) +\S/.test(line));
    const checkLines = lines
      .filter((line) => /^[✗?!✓-] (fail|unknown|warn|pass|skip) +\S/.test(line))
      .map((line) => line.split(/\s+/)[2]);
    expect(checkLines).toEqual(report.checks.map((check) => check.id));
    // Each root cause, worst first, before the checks.
    const causeAt = report.rootCauses.map((cause) =>
      lines.findIndex((line) => line.startsWith(`${STATUS_SYMBOL[cause.status]} ${cause.summary.slice(0, 40)}`)),
    );
    for (const at of causeAt) expect(at).toBeGreaterThan(0);
    for (const at of causeAt) expect(at).toBeLessThan(checkAt);
    expect(causeAt).toEqual([...causeAt].sort((a, b) => a - b));
    const exit = exitCodeFor(report, "fail");
    const exitAt = lines.findIndex((line) => /^exit \d: /.test(line));
    expect(lines[exitAt]).toMatch(new RegExp(`^exit ${exit}: `));
    expect(lines[exitAt - 1]).toMatch(new RegExp(`^${report.checks.length} checks: `));
    // What follows the exit sentence is only its wrapped rest.
    for (const line of lines.slice(exitAt + 1)) expect(line).toMatch(/^ {2}\S/);
  });

  test("--verbose shows the passing findings and their evidence", () => {
    const { report } = caseNamed("pass");
    const verbose = render("text", report, { ...OPTIONS, verbose: true });
    expect(verbose.split("\n").filter((line) => line.startsWith("  ✓ ")).length).toBe(
      report.checks.reduce(
        (sum, check) => sum + check.findings.filter((finding) => finding.status === "pass").length,
        0,
      ),
    );
    expect(verbose).toContain("    resource: ");
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
