// workspace-diagnose: Azure's own diagnose (a long-running POST the fake ARM answers with 202 and a
// Location it then serves), run through the real collector and SDK client. The result bodies use the
// shape of Azure's example (arm-examples .../Workspace/diagnose.json). Assertions are statuses,
// message ids and evidence, never prose.

import { describe, expect, test } from "vitest";
import { findCheck } from "../../checks/index.js";
import { runCheck } from "../../src/engine/run.js";
import type { Status } from "../../src/core/status.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, findingIds, healthyScenario, type AuditOptions, type AuditResult } from "../harness.js";
import { WS_ID, type ExpectedFinding, type Json } from "./mutations.js";
import { armExample } from "../fixtures/arm-examples.js";

const CHECK = "workspace-diagnose";
const DIAGNOSE = `${WS_ID}/diagnose`;
const PERMISSION = "Microsoft.MachineLearningServices/workspaces/diagnose/action";
const LEARN = "how-to-workspace-diagnostic-api";
const DIAGNOSE_ON: AuditOptions = { diagnose: { timeoutMs: 5000 } };

/** Azure's own example response body (one dnsResolution warning). */
const AZURE_EXAMPLE = (armExample("Microsoft.MachineLearningServices/2025-12-01/Workspace/diagnose.json") as Json)
  .responses["200"].body as Json;

/** The diagnose body the fake ARM answers with once polled to completion. */
function diagnoseBody(s: Scenario): Json {
  const action = s.asyncActions?.[DIAGNOSE];
  if (!action) throw new Error("no diagnose action in the scenario");
  return action.body as Json;
}

/** Adds results to the body's `<category>Results` lists. */
function addResults(s: Scenario, results: Record<string, Json[]>): void {
  const value = diagnoseBody(s).value as Json;
  for (const [list, entries] of Object.entries(results)) (value[list] ??= []).push(...entries);
}

interface DiagnoseCase {
  name: string;
  mutate?: (s: Scenario) => void;
  options?: AuditOptions;
  status: Status;
  findings: ExpectedFinding[];
  also?: (audit: AuditResult) => void;
}

async function runDiagnoseCase(c: DiagnoseCase): Promise<void> {
  const s = healthyScenario();
  c.mutate?.(s);
  const audit = await auditScenario(s, { only: [CHECK], ...c.options });
  const result = audit.check(CHECK);
  expect(findingIds(result).sort()).toEqual(c.findings.map((f) => `${f.status}:${f.messageId}`).sort());
  for (const want of c.findings) {
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        status: want.status,
        messageId: want.messageId,
        resourceId: want.resourceId ?? WS_ID,
        ...(want.evidence ? { evidence: expect.objectContaining(want.evidence) } : {}),
        ...(want.remediation
          ? {
              remediation: expect.stringMatching(
                new RegExp(
                  want.remediation
                    .map((part) => `(?=[\\s\\S]*${part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})`)
                    .join(""),
                ),
              ),
            }
          : {}),
      }),
    );
  }
  expect(result.status).toBe(c.status);
  c.also?.(audit);
}

const result = (category: string, code: string, level: string, message: string) => ({ category, code, level, message });

const cases: Array<readonly [string, DiagnoseCase[]]> = [
  [
    "pass",
    [
      {
        name: "pass (clean): the healthy workspace's diagnose finishes after two polls with every list empty",
        options: DIAGNOSE_ON,
        status: "pass",
        findings: [{ status: "pass", messageId: "clean", evidence: { requested: true, results: 0 } }],
        also(audit) {
          const polls = audit.requests.filter((request) => /\/operationResults\//.test(request.path));
          expect(polls.map((request) => request.status)).toEqual([202, 200]);
        },
      },
      {
        name: "pass: an Information result is reported as evidence, not judged",
        options: DIAGNOSE_ON,
        mutate: (s) =>
          addResults(s, { otherResults: [{ code: "InfoOnly", level: "Information", message: "Nothing to do." }] }),
        status: "pass",
        findings: [
          {
            status: "pass",
            messageId: "diagnose-info",
            evidence: result("other", "InfoOnly", "Information", "Nothing to do."),
          },
        ],
      },
    ],
  ],
  [
    "warn",
    [
      {
        name: "warn: Azure's own example body (dnsResolution CustomDNSInUse, level Warning)",
        options: DIAGNOSE_ON,
        mutate: (s) => {
          s.asyncActions![DIAGNOSE]!.body = structuredClone(AZURE_EXAMPLE);
        },
        status: "warn",
        findings: [
          {
            status: "warn",
            messageId: "diagnose-warning",
            evidence: result(
              "dnsResolution",
              "CustomDNSInUse",
              "Warning",
              AZURE_EXAMPLE.value.dnsResolutionResults[0].message,
            ),
            remediation: ["--only private-dns", "docs/checks/private-dns.md", LEARN],
          },
        ],
      },
    ],
  ],
  [
    "fail",
    [
      {
        name: "fail: Error results fail, Warnings warn, each mapped to the preflight checks that look at its category",
        options: DIAGNOSE_ON,
        mutate: (s) =>
          addResults(s, {
            networkSecurityRuleResults: [
              { code: "NsgBlocksMcr", level: "Error", message: "Outbound to MicrosoftContainerRegistry is denied." },
            ],
            containerRegistryResults: [
              {
                code: "AcrNotReachable",
                level: "Warning",
                message: "The registry is not reachable from the compute subnet.",
              },
            ],
            resourceLockResults: [
              { code: "ResourceLockFound", level: "Error", message: "A delete lock is on the resource group." },
            ],
            userDefinedRouteResults: [
              { code: "ForcedTunneling", level: "Warning", message: "0.0.0.0/0 goes to a virtual appliance." },
            ],
          }),
        status: "fail",
        findings: [
          {
            status: "fail",
            messageId: "diagnose-error",
            evidence: result(
              "networkSecurityRule",
              "NsgBlocksMcr",
              "Error",
              "Outbound to MicrosoftContainerRegistry is denied.",
            ),
            remediation: [
              "--only required-outbound,service-tags-outbound",
              "--workspace ml-research",
              "-g ml-platform-rg",
              LEARN,
            ],
          },
          {
            status: "warn",
            messageId: "diagnose-warning",
            evidence: result(
              "containerRegistry",
              "AcrNotReachable",
              "Warning",
              "The registry is not reachable from the compute subnet.",
            ),
            remediation: ["registry-policies", "trusted-access", LEARN],
          },
          {
            status: "fail",
            messageId: "diagnose-error",
            evidence: result("resourceLock", "ResourceLockFound", "Error", "A delete lock is on the resource group."),
            remediation: ["az lock list -g ml-platform-rg", LEARN],
          },
          {
            status: "warn",
            messageId: "diagnose-warning",
            evidence: result(
              "userDefinedRoute",
              "ForcedTunneling",
              "Warning",
              "0.0.0.0/0 goes to a virtual appliance.",
            ),
            remediation: ["--only forced-tunneling"],
          },
        ],
        also(audit) {
          // The service's text is the finding's message.
          const nsg = audit.check(CHECK).findings.find((finding) => finding.evidence.code === "NsgBlocksMcr");
          expect(nsg?.message).toContain("Outbound to MicrosoftContainerRegistry is denied.");
        },
      },
    ],
  ],
  [
    "unknown",
    [
      {
        name: "unknown: the diagnose does not finish within --diagnose-timeout",
        options: { diagnose: { timeoutMs: 1500 } },
        mutate: (s) => {
          s.asyncActions![DIAGNOSE]!.polls = 1000;
          s.asyncActions![DIAGNOSE]!.retryAfter = 1;
        },
        status: "unknown",
        findings: [
          {
            status: "unknown",
            messageId: "diagnose-failed",
            evidence: { requested: true, operation: "workspace diagnose", code: "Timeout" },
            remediation: ["--diagnose-timeout"],
          },
        ],
        also(audit) {
          expect(audit.snapshot.errors).toContainEqual(expect.objectContaining({ part: "diagnose", code: "Timeout" }));
        },
      },
      {
        name: "unknown: the status URL answers too slowly (a delayed /operationResults/ poll)",
        options: { diagnose: { timeoutMs: 1000 } },
        mutate: (s) => {
          (s.faults ??= []).push({ method: "GET", path: "/operationResults/", delayMs: 3000 });
        },
        status: "unknown",
        findings: [
          {
            status: "unknown",
            messageId: "diagnose-failed",
            evidence: { code: "Timeout" },
            remediation: ["--diagnose-timeout"],
          },
        ],
      },
      {
        name: "unknown: the POST is refused (403): the missing action is named",
        options: DIAGNOSE_ON,
        mutate: (s) => {
          (s.faults ??= []).push({ method: "POST", path: "/diagnose$", status: 403, code: "AuthorizationFailed" });
        },
        status: "unknown",
        findings: [
          {
            status: "unknown",
            messageId: "diagnose-failed",
            evidence: {
              requested: true,
              operation: "workspace diagnose",
              statusCode: 403,
              code: "AuthorizationFailed",
              missingPermission: PERMISSION,
            },
            remediation: [PERMISSION, WS_ID],
          },
        ],
      },
    ],
  ],
  [
    "skip",
    [
      {
        name: "skip (not-requested): no --diagnose, and no diagnose request is sent",
        status: "skip",
        findings: [{ status: "skip", messageId: "not-requested", evidence: { requested: false } }],
        also(audit) {
          expect(audit.requests.filter((request) => /diagnose|operationResults/i.test(request.path))).toEqual([]);
        },
      },
    ],
  ],
];

const pathOf = (path: string) => path.split("?")[0] ?? path;

describe(CHECK, () => {
  describe.each(cases)("%s", (_verdict, table) => {
    test.each(table)("$name", async (c) => {
      await runDiagnoseCase(c);
    });
  });

  test("unknown (part-not-collected): a snapshot collected without the diagnose part", async () => {
    const { snapshot } = await auditScenario(healthyScenario(), { only: [CHECK], ...DIAGNOSE_ON });
    const edited = { ...snapshot, parts: snapshot.parts.filter((part) => part !== "diagnose") };
    const found = runCheck(findCheck(CHECK)!, edited);
    expect(found.findings.map((f) => `${f.status}:${f.messageId}`)).toEqual(["unknown:part-not-collected"]);
  });

  test("with --diagnose the one POST besides listKeys/listCredentials is the diagnose, sent once; nothing is written", async () => {
    const audit = await auditScenario(healthyScenario(), DIAGNOSE_ON);
    const nonGets = audit.requests.filter((request) => request.method !== "GET");
    expect(nonGets.every((request) => request.method === "POST")).toBe(true);
    const actions = nonGets.map((request) => pathOf(request.path).split("/").pop());
    expect([...new Set(actions)].sort()).toEqual(["diagnose", "listCredentials", "listKeys"]);
    expect(nonGets.filter((request) => pathOf(request.path) === DIAGNOSE)).toHaveLength(1);
    expect(audit.check(CHECK).status).toBe("pass");
  });

  test("without --diagnose no diagnose POST is sent, even when every check runs", async () => {
    const audit = await auditScenario(healthyScenario());
    expect(audit.requests.filter((request) => /diagnose|operationResults/i.test(request.path))).toEqual([]);
    expect(
      audit.requests
        .filter((request) => request.method !== "GET")
        .map((request) => pathOf(request.path).split("/").pop())
        .sort(),
    ).toEqual(["listCredentials", "listKeys", "listKeys"]);
    expect(audit.check(CHECK).status).toBe("skip");
  });
});
