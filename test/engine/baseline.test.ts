// Baselines: a finding's fingerprint is the same on every run that finds the same thing for the same
// reason (whatever casing ARM gives the IDs), today's problems are marked new or unchanged against an
// earlier report, the ones gone are listed as fixed, and --fail-on-new gates only on what is new.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Ajv } from "ajv";
import AjvDraft04 from "ajv-draft-04";
import { describe, expect, test } from "vitest";
import { loadRenderers } from "../../reports/index.js";
import { applyBaseline, checkBaseline, refuseOtherWorkspace } from "../../src/engine/baseline.js";
import { findingFingerprint, findingSubject } from "../../src/engine/identity.js";
import { exitCodeFor } from "../../src/engine/run.js";
import type { Report, ReportFinding } from "../../src/engine/types.js";
import { reportExitSentence } from "../../reports/shared.js";
import { STORAGE_ID, TRAINING, TRAINING_NSG, securityRule } from "../checks/mutations.js";
import { ROOT, auditScenario, byName, demoScenario, healthyScenario } from "../harness.js";
import type { Scenario } from "../fake-arm/scenario.js";

const NOW = "2026-11-25T05:00:00.000Z";

/** A blocked flow as service-tags-outbound reports it. */
const BLOCKED: ReportFinding = {
  status: "fail",
  messageId: "blocked",
  resourceId: TRAINING,
  message: "Subnet training cannot send TCP 443 to MicrosoftContainerRegistry",
  evidence: {
    subnet: TRAINING,
    tag: "MicrosoftContainerRegistry",
    port: 443,
    networkSecurityGroup: TRAINING_NSG,
    decidingRule: { name: "DenyInternetOut", priority: 105, access: "Deny", direction: "Outbound" },
  },
};

/** Every ARM resource group in the value spelt in capitals, as ARM sometimes returns it. */
function recased<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value).replaceAll("/resourceGroups/ml-platform-rg/", "/RESOURCEGROUPS/ML-PLATFORM-RG/"),
  );
}

/** The report as a file would hold it, without the fingerprints (a report from before they existed). */
function withoutFingerprints(report: Report): Report {
  const copy = JSON.parse(JSON.stringify(report)) as Report;
  for (const check of copy.checks) for (const finding of check.findings) delete finding.fingerprint;
  return copy;
}

const problems = (report: Report) =>
  report.checks.flatMap((check) => check.findings.filter((finding) => finding.baseline !== undefined));

/**
 * The demo a day later: keys synced (key-sync's failure is gone), and a deny of SMB to the VNet that
 * blocks a flow that passed (the file share's endpoint).
 */
function syncedWithSmbDenied(): Scenario {
  const scenario = demoScenario();
  scenario.actions = {
    ...scenario.actions,
    [`${STORAGE_ID}/listKeys`]: (healthyScenario().actions ?? {})[`${STORAGE_ID}/listKeys`],
  };
  byName(scenario, "/networkSecurityGroups/training-nsg").properties.securityRules.push(
    securityRule("DenySmbOut", {
      priority: 101,
      destinationAddressPrefix: "VirtualNetwork",
      destinationPortRange: "445",
    }),
  );
  return scenario;
}

describe("finding identity", () => {
  test("a re-cased resource ID or evidence ID leaves the fingerprint as it was", () => {
    expect(findingFingerprint("service-tags-outbound", recased(BLOCKED))).toBe(
      findingFingerprint("service-tags-outbound", BLOCKED),
    );
    expect(findingFingerprint("service-tags-outbound", BLOCKED)).toMatch(/^[0-9a-f]{16}$/);
  });

  test("the deciding rule's priority is not identity (a fix moves it); its name, the message and the destination are", () => {
    const fingerprint = (finding: ReportFinding, check = "service-tags-outbound") => findingFingerprint(check, finding);
    const same = fingerprint(BLOCKED);
    const moved = {
      ...BLOCKED,
      evidence: { ...BLOCKED.evidence, decidingRule: { name: "DenyInternetOut", priority: 4000 } },
    };
    expect(fingerprint(moved)).toBe(same);
    expect(fingerprint({ ...BLOCKED, message: "other words" })).toBe(same);
    const otherRule = { ...BLOCKED, evidence: { ...BLOCKED.evidence, decidingRule: { name: "DenyAllOut" } } };
    expect(fingerprint(otherRule)).not.toBe(same);
    expect(fingerprint({ ...BLOCKED, messageId: "allowed" })).not.toBe(same);
    expect(fingerprint({ ...BLOCKED, evidence: { ...BLOCKED.evidence, port: 80 } })).not.toBe(same);
    expect(fingerprint({ ...BLOCKED, evidence: { ...BLOCKED.evidence, tag: "AzureFrontDoor.FirstParty" } })).not.toBe(
      same,
    );
    expect(fingerprint(BLOCKED, "required-outbound")).not.toBe(same);
  });

  test("a subject is what the finding is about: the same before and after a fix", () => {
    const allowed = {
      ...BLOCKED,
      status: "pass" as const,
      messageId: "allowed",
      evidence: { ...BLOCKED.evidence, decidingRule: { name: "AllowAcr" } },
    };
    expect(findingSubject("service-tags-outbound", allowed)).toBe(
      findingSubject("service-tags-outbound", recased(BLOCKED)),
    );
  });

  test("every finding of a report carries its fingerprint, and two runs of one state give the same ones", async () => {
    const first = await auditScenario(demoScenario(), { now: NOW });
    const second = await auditScenario(recased(demoScenario()), { now: NOW });
    const prints = (report: Report) =>
      report.checks.flatMap((check) => check.findings.map((finding) => finding.fingerprint));
    expect(prints(first.report).every((print) => typeof print === "string")).toBe(true);
    expect(prints(second.report).sort()).toEqual(prints(first.report).sort());
  });
});

describe("a baseline report", () => {
  test("yesterday's report of the same state: every problem unchanged, nothing fixed, --fail-on-new exits 0", async () => {
    const { report } = await auditScenario(demoScenario(), { now: NOW });
    const compared = applyBaseline(report, withoutFingerprints(report), { file: "yesterday.json", failOnNew: true });
    expect(compared.baseline).toMatchObject({ file: "yesterday.json", new: 0, fixed: [], failOnNew: true });
    expect(compared.baseline?.unchanged).toBe(problems(compared).length);
    expect(problems(compared).every((finding) => finding.baseline === "unchanged")).toBe(true);
    expect(exitCodeFor(compared, "fail")).toBe(0);
    expect(reportExitSentence(compared, "fail")).toMatch(
      /^exit 0: no new finding at or above --fail-on fail \(--fail-on-new; \d+ findings unchanged since the baseline\)$/,
    );
    // Without --fail-on-new the same report still fails on what it has.
    expect(exitCodeFor({ ...compared, baseline: { ...compared.baseline!, failOnNew: false } }, "fail")).toBe(1);
    // Pass and skip findings are not marked.
    const passing = compared.checks.flatMap((check) => check.findings).filter((finding) => finding.status === "pass");
    expect(passing.every((finding) => finding.baseline === undefined)).toBe(true);
  });

  test("IDs re-cased between the runs: still unchanged", async () => {
    const { report } = await auditScenario(demoScenario(), { now: NOW });
    const compared = applyBaseline(report, recased(withoutFingerprints(report)), { file: "y.json", failOnNew: true });
    expect(compared.baseline?.new).toBe(0);
    expect(compared.baseline?.fixed).toEqual([]);
  });

  test("one problem fixed, one new: the fixed listed, the new marked, --fail-on-new exits 1 naming its check", async () => {
    const yesterday = (await auditScenario(demoScenario(), { now: NOW })).report;
    const report = (await auditScenario(syncedWithSmbDenied(), { now: NOW })).report;
    const compared = applyBaseline(report, yesterday, { file: "yesterday.json", failOnNew: true });
    const fresh = problems(compared).filter((finding) => finding.baseline === "new");
    expect(
      fresh.map((finding) => [finding.evidence.port, (finding.evidence.decidingRule as { name: string }).name]),
    ).toEqual([[445, "DenySmbOut"]]);
    expect(compared.baseline?.fixed.map((fixed) => [fixed.check, fixed.messageId])).toEqual([
      ["key-sync", "out-of-sync"],
    ]);
    expect(compared.baseline?.new).toBe(1);
    expect(exitCodeFor(compared, "fail")).toBe(1);
    expect(reportExitSentence(compared, "fail")).toBe(
      "exit 1: 1 new finding at or above --fail-on fail (--fail-on-new): in required-outbound",
    );
    // A person's formats say it too (through the registry the CLI uses).
    const renderers = await loadRenderers();
    const text = renderers.text(compared, { colour: false, verbose: false, failOn: "fail" });
    expect(text).toMatch(/baseline yesterday\.json \(audit of .*\): 1 new, \d+ unchanged, 1 fixed/);
    expect(text).toMatch(/new: NSG rule DenySmbOut/);
    expect(text).toMatch(/1 finding of the baseline fixed\n\s+✓ key-sync: /);
    const markdown = renderers.markdown(compared, { colour: false, verbose: false, failOn: "fail" });
    expect(markdown).toMatch(/## Fixed since the baseline\n\n- ✓ pass \(was fail\) `key-sync`/);
    expect(markdown).toMatch(/### \d\. ✗ fail \(new\): NSG rule DenySmbOut/);
  });

  test("a warning that became a failure is new at the fail level", async () => {
    const { report } = await auditScenario(demoScenario(), { now: NOW });
    const softened = JSON.parse(JSON.stringify(report)) as Report;
    const keySync = softened.checks.find((check) => check.id === "key-sync");
    const failing = keySync?.findings.find((finding) => finding.status === "fail");
    if (!failing) throw new Error("the demo's key-sync has no failure");
    failing.status = "warn";
    const compared = applyBaseline(report, softened, { file: "y.json", failOnNew: true });
    const marked = compared.checks.find((check) => check.id === "key-sync")?.findings.find((f) => f.status === "fail");
    expect(marked?.baseline).toBe("new");
    expect(compared.baseline?.fixed).toEqual([]);
    expect(exitCodeFor(compared, "fail")).toBe(1);
    expect(exitCodeFor(compared, "fail")).toBe(1);
  });

  test("the baseline's findings of a check this audit did not run are not called fixed; a check it did not run has only new ones", async () => {
    const { report } = await auditScenario(demoScenario(), { now: NOW });
    const onlyKeySync = { ...report, checks: report.checks.filter((check) => check.id === "key-sync") };
    const compared = applyBaseline(onlyKeySync, report, { file: "y.json", failOnNew: false });
    expect(compared.baseline?.fixed).toEqual([]);
    const reversed = applyBaseline(report, onlyKeySync, { file: "y.json", failOnNew: false });
    const outbound = reversed.checks.find((check) => check.id === "required-outbound");
    expect(outbound?.findings.filter((f) => f.status === "fail").every((f) => f.baseline === "new")).toBe(true);
  });
});

describe("every format still validates with a baseline", async () => {
  const require = createRequire(import.meta.url);
  const validateReport = new Ajv({ strict: false, allErrors: true }).compile(
    JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object,
  );
  // The official SARIF 2.1.0 schema, as in test/reports/formats.test.ts.
  const validateSarif = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false }).compile(
    require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as object,
  );

  test("JSON against the report schema; SARIF with baselineState new, unchanged and absent", async () => {
    const yesterday = (await auditScenario(demoScenario(), { now: NOW })).report;
    const today = (await auditScenario(syncedWithSmbDenied(), { now: NOW })).report;
    const compared = applyBaseline(today, yesterday, { file: "yesterday.json", failOnNew: true });
    const renderers = await loadRenderers();
    const options = { colour: false, verbose: true, failOn: "fail" as const };
    const json: unknown = JSON.parse(renderers.json(compared, options));
    expect(validateReport(json), JSON.stringify(validateReport.errors)).toBe(true);
    const sarif = JSON.parse(renderers.sarif(compared, options)) as {
      runs: Array<{
        results: Array<{ baselineState?: string; kind?: string; partialFingerprints?: Record<string, string> }>;
      }>;
    };
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors, null, 1)).toBe(true);
    const states = sarif.runs[0]?.results.map((result) => result.baselineState) ?? [];
    expect(states.filter((state) => state === "new")).toHaveLength(1);
    expect(states.filter((state) => state === "unchanged")).toHaveLength(2);
    const absent = sarif.runs[0]?.results.filter((result) => result.baselineState === "absent") ?? [];
    expect(absent.map((result) => [result.kind, result.partialFingerprints?.["amlPreflightFinding/v1"]])).toEqual([
      ["pass", compared.baseline?.fixed[0]?.fingerprint],
    ]);
    // JUnit renders as before.
    expect(renderers.junit(compared, options)).toContain("<testsuites");
  });
});

describe("what is refused as a baseline, in one line", () => {
  test.each([
    ["a list", [], /is not a preflight JSON report/],
    ["another tool's JSON", { tool: { name: "checkov" }, checks: [] }, /is not a preflight JSON report/],
    ["a fleet report", { kind: "fleet", tool: { name: "aml-preflight" }, workspaces: [] }, /is a fleet report/],
    ["a snapshot", { schemaVersion: 1, resources: [], collectedAt: NOW }, /is a snapshot, not a report/],
    [
      "a future schema",
      { schemaVersion: 2, tool: { name: "aml-preflight" }, target: { workspaceId: "x" }, checks: [] },
      /schemaVersion 2/,
    ],
    [
      "a finding without a status",
      {
        schemaVersion: 1,
        tool: { name: "aml-preflight" },
        target: { workspaceId: "x" },
        checks: [{ id: "key-sync", findings: [{ resourceId: "x", evidence: {} }] }],
      },
      /a finding status undefined in check key-sync/,
    ],
  ])("%s", (_name, data, message) => {
    expect(() => checkBaseline(data, "b.json")).toThrow(message);
    expect(() => checkBaseline(data, "b.json")).toThrow(
      /^--baseline b\.json .*; give the JSON report of an earlier audit/,
    );
  });

  test("another workspace's report", async () => {
    const { report } = await auditScenario(demoScenario(), { now: NOW });
    const other = {
      ...report,
      target: { ...report.target, workspaceId: report.target.workspaceId.replace("ml-research", "ml-other") },
    };
    expect(() => refuseOtherWorkspace(report, other, "b.json")).toThrow(
      /--baseline b\.json is a report of .*ml-other, not of .*ml-research/,
    );
    expect(() => refuseOtherWorkspace(report, recased(report), "b.json")).not.toThrow();
  });
});
