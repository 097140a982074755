// The helpers every renderer leans on: finding the `az` commands inside a remediation, the sentence
// that explains the exit code, and how a root cause and a finding are named and remedied.

import { describe, expect, test } from "vitest";
import {
  azCommands,
  causeFindings,
  causeRemedy,
  findingTarget,
  listSome,
  reportExitSentence,
  readSummary,
  statusLabel,
} from "../../reports/shared.js";
import type { CheckResult, Report, ReportFinding } from "../../src/engine/types.js";
import { rootCausesOf } from "../../src/engine/root-causes.js";
import type { Status } from "../../src/core/status.js";

describe("azCommands", () => {
  const cases: Array<[string, string | undefined, string[]]> = [
    ["none", undefined, []],
    ["a bare command", "az ml workspace sync-keys -n ws -g rg", ["az ml workspace sync-keys -n ws -g rg"]],
    [
      "prose, then a command after a colon",
      "Create a CPU compute cluster in a subnet that reaches the registry and storage, then: az ml workspace update -n WS -g RG --image-build-compute NAME",
      ["az ml workspace update -n WS -g RG --image-build-compute NAME"],
    ],
    [
      "one in parentheses and one at the end",
      "Repair or recreate the cluster (az ml compute show -n c -w ws -g rg), or choose another: az ml workspace update -n ws -g rg --image-build-compute <cpu-cluster-name>",
      [
        "az ml compute show -n c -w ws -g rg",
        "az ml workspace update -n ws -g rg --image-build-compute <cpu-cluster-name>",
      ],
    ],
    [
      "a trailing full stop is not part of it",
      "Run again; if it persists, check /s/x with az resource show --ids /s/x.",
      ["az resource show --ids /s/x"],
    ],
    ["the word az inside prose is not a command", "Grant it on the Azure subscription, then run again.", []],
    ["a mention too short to run is not a command", "Sync after every az acr.", []],
    [
      "a quoted name holding a semicolon, a parenthesis or a quote is part of the command",
      "Move it (az network nsg rule update -g 'r;g' --nsg-name 'n)x' -n 'a'\\''b' --priority 100), then check.",
      ["az network nsg rule update -g 'r;g' --nsg-name 'n)x' -n 'a'\\''b' --priority 100"],
    ],
    [
      "a command substitution is part of the command; a command ends at the end of its line",
      "Give it one: az ml compute update -n c --identity-type system_assigned\nthen: az role assignment create --assignee $(az ml compute show -n c --query identity.principal_id -o tsv) --role AcrPull",
      [
        "az ml compute update -n c --identity-type system_assigned",
        "az role assignment create --assignee $(az ml compute show -n c --query identity.principal_id -o tsv) --role AcrPull",
      ],
    ],
    [
      // Before, each backslash pair doubled the work: 40 pairs would not finish.
      "an unclosed $( with many backslashes (text from a snapshot) ends the command at the $( (too short here)",
      `Servers az ml $(${"\\a".repeat(40)} are not Azure DNS.`,
      [],
    ],
    [
      "a command ends with its sentence: the next sentence's alternative is not part of it",
      "Check it with az resource show --ids /s/x, then run again. Or run with --no-keys to skip this check.",
      ["az resource show --ids /s/x"],
    ],
  ];
  test.each(cases)("%s", (_name, remediation, expected) => {
    expect(azCommands(remediation)).toEqual(expected);
  });
});

function reportWith(statuses: Status[]): Report {
  const checks: CheckResult[] = statuses.map((status, index) => ({
    id: `check-${index}`,
    title: "t",
    severity: "high",
    status,
    docs: `docs/checks/check-${index}.md`,
    findings: [{ status, messageId: "m", resourceId: "/r", message: "m", evidence: {} }],
  }));
  const summary = { fail: 0, unknown: 0, warn: 0, pass: 0, skip: 0 };
  for (const status of statuses) summary[status] += 1;
  return {
    schemaVersion: 1,
    tool: { name: "aml-preflight", version: "0.0.0" },
    target: { workspaceId: "/w", subscriptionId: "s", resourceGroup: "rg", workspace: "w" },
    ticket: null,
    startedAt: "2026-11-25T09:00:00.000Z",
    durationMs: 0,
    summary,
    checks,
    rootCauses: rootCausesOf(checks),
    collection: {
      requests: 1,
      read: {
        "Microsoft.Network/virtualNetworks": 2,
        "Microsoft.Foo/bars": 1,
        "Microsoft.MachineLearningServices/workspaces": 1,
      },
      errors: [],
      retries: [],
    },
  };
}

describe("reportExitSentence", () => {
  test("names the checks that reached --fail-on", () => {
    expect(reportExitSentence(reportWith(["fail", "unknown", "pass"]), "fail")).toBe(
      "exit 1: 1 check at or above --fail-on fail: check-0 (fail)",
    );
    expect(reportExitSentence(reportWith(["fail", "unknown", "pass"]), "unknown")).toBe(
      "exit 1: 2 checks at or above --fail-on unknown: check-0 (fail), check-1 (unknown)",
    );
  });

  test("says what stayed below the level when the exit code is 0", () => {
    expect(reportExitSentence(reportWith(["unknown", "warn", "pass"]), "fail")).toBe(
      "exit 0: no check at or above --fail-on fail (1 unknown, 1 warn below it)",
    );
    expect(reportExitSentence(reportWith(["pass", "skip"]), "warn")).toBe(
      "exit 0: no check at or above --fail-on warn",
    );
  });
});

test("readSummary: known types first, by friendly name and count; others by their last segment", () => {
  expect(readSummary(reportWith([]))).toBe("1 workspace, 2 virtual networks, 1 bars");
});

describe("root causes and findings, as the reports name them", () => {
  const SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/training";
  const finding = (evidence: Record<string, unknown>, resourceId = SUBNET): ReportFinding => ({
    status: "fail",
    messageId: "blocked",
    resourceId,
    message: "m",
    evidence,
    remediation: "az network nsg rule create -g rg --nsg-name n -n r",
  });

  test.each<[string, Record<string, unknown>, string | undefined]>([
    ["a flow: tag, protocol, port", { tag: "AzureMonitor", protocol: "Udp", port: 5831 }, "AzureMonitor UDP 5831"],
    [
      "a flow without a protocol is TCP",
      { tag: "MicrosoftContainerRegistry", port: 443 },
      "MicrosoftContainerRegistry TCP 443",
    ],
    ["a zone", { zone: "privatelink.azurecr.io", endpoint: SUBNET }, "privatelink.azurecr.io"],
    ["a dependency by its name", { dependency: "/subscriptions/s/x/storageAccounts/store" }, "store"],
    ["evidence naming the finding's own resource says nothing more", { endpoint: SUBNET }, undefined],
    ["nothing to say", { outcome: "match" }, undefined],
  ])("findingTarget: %s", (_name, evidence, expected) => {
    expect(findingTarget(finding(evidence))).toBe(expected);
  });

  test("statusLabel and listSome", () => {
    expect(statusLabel("fail")).toBe("✗ fail");
    expect(statusLabel("skip")).toBe("- skip");
    expect(listSome(["a", "b", "c"], 3)).toBe("a, b, c");
    expect(listSome(["a", "b", "c", "d"], 2)).toBe("a, b and 2 more");
  });

  test("causeRemedy: the plan's proven fix, else its advice and reason, else the first remediation", () => {
    const report = reportWith(["fail", "unknown"]);
    const [first, second] = report.rootCauses;
    if (!first || !second) throw new Error("no causes");
    expect(causeFindings(report, first).map(({ check, index }) => [check.id, index])).toEqual([["check-0", 0]]);
    // No plan, no remediation: nothing to say.
    expect(causeRemedy(report, first)).toBeUndefined();
    const remediated: Report = {
      ...report,
      checks: report.checks.map((check) => ({
        ...check,
        findings: check.findings.map((entry) => ({ ...entry, remediation: `fix ${check.id}` })),
      })),
    };
    expect(causeRemedy(remediated, second)).toEqual({ kind: "advice", advice: "fix check-1" });
    const planned: Report = {
      ...remediated,
      fixPlan: {
        steps: [{ rootCause: first.key, commands: ["az one", "az two"], why: "because" }],
        unfixed: [{ rootCause: second.key, advice: "ask someone", reason: "no command" }],
        remaining: [],
      },
    };
    expect(causeRemedy(planned, first)).toEqual({ kind: "fix", commands: ["az one", "az two"], why: "because" });
    expect(causeRemedy(planned, second)).toEqual({ kind: "advice", advice: "ask someone", reason: "no command" });
  });
});
