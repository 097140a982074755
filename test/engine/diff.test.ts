// `preflight diff`: what moved between two snapshots of one workspace, property by property (an NSG's
// rules matched by name), and the verdicts that changed with it, each linked to the change its
// evidence names.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { diffStates, diffValues, type DiffReport } from "../../src/engine/diff.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { renderDiff } from "../../reports/diff/index.js";
import { STORAGE_ID, TRAINING_NSG } from "../checks/mutations.js";
import { ROOT, auditScenario, demoScenario, denyMovedScenario, healthyScenario } from "../harness.js";
import type { Scenario } from "../fake-arm/scenario.js";

const NOW = "2026-11-25T05:00:00.000Z";

async function snapshotOf(
  scenario: Scenario,
): Promise<{ snapshot: Snapshot; report: Awaited<ReturnType<typeof auditScenario>>["report"] }> {
  const { snapshot, report } = await auditScenario(scenario, { now: NOW });
  return { snapshot, report };
}

function diffOf(before: Snapshot, after: Snapshot): DiffReport {
  return diffStates(
    { file: "before.json", kind: "snapshot", snapshot: before },
    { file: "after.json", kind: "snapshot", snapshot: after },
    { checks: CHECKS, toolVersion: "0.0.0-test" },
  );
}

describe("property changes", () => {
  test("array elements matched by name, case-insensitively; etag ignored; added and removed elements", () => {
    const before = {
      etag: "W/1",
      properties: {
        securityRules: [
          {
            name: "denyinternetout",
            etag: "a",
            id: "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n/securityRules/x",
            properties: { priority: 4000, access: "Deny" },
          },
          { name: "AllowAcr", properties: { priority: 110 } },
        ],
        addressPrefixes: ["10.0.0.0/16"],
      },
    };
    const after = {
      etag: "W/2",
      properties: {
        securityRules: [
          {
            name: "DenyInternetOut",
            etag: "b",
            // ARM spells an ID in more than one casing: not a change.
            id: "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/providers/Microsoft.Network/networkSecurityGroups/n/securityRules/x",
            properties: { priority: 105, access: "Deny" },
          },
          { name: "AllowMonitor", properties: { priority: 120 } },
        ],
        addressPrefixes: ["10.0.0.0/16", "10.1.0.0/16"],
      },
    };
    expect(
      diffValues(before, after).map(({ path, label, before: was, after: now }) => [path, label, was, now]),
    ).toEqual([
      ["properties.securityRules[DenyInternetOut].name", "DenyInternetOut name", "denyinternetout", "DenyInternetOut"],
      ["properties.securityRules[DenyInternetOut].properties.priority", "DenyInternetOut priority", 4000, 105],
      [
        "properties.securityRules[AllowAcr]",
        "security rule AllowAcr",
        { name: "AllowAcr", properties: { priority: 110 } },
        undefined,
      ],
      [
        "properties.securityRules[AllowMonitor]",
        "security rule AllowMonitor",
        undefined,
        { name: "AllowMonitor", properties: { priority: 120 } },
      ],
      ["properties.addressPrefixes", "addressPrefixes", ["10.0.0.0/16"], ["10.0.0.0/16", "10.1.0.0/16"]],
    ]);
    expect(diffValues(before, before)).toEqual([]);
  });
});

describe("two snapshots", () => {
  test("DenyInternetOut moved 4000 → 105: the rule, the property, and the checks that got worse because of it", async () => {
    const healthy = await snapshotOf(healthyScenario());
    const broken = await snapshotOf(denyMovedScenario());
    const diff = diffOf(healthy.snapshot, broken.snapshot);
    expect(diff.resources?.added).toEqual([]);
    expect(diff.resources?.removed).toEqual([]);
    expect(
      diff.resources?.changed.map((resource) => [
        resource.name,
        resource.changes.map((change) => [change.label, change.before, change.after]),
      ]),
    ).toEqual([["training-nsg", [["DenyInternetOut priority", 4000, 105]]]]);
    expect(diff.worse).toEqual(["required-outbound", "service-tags-outbound"]);
    const tags = diff.checks.find((check) => check.id === "service-tags-outbound");
    expect([tags?.before, tags?.after, tags?.movement]).toEqual(["pass", "fail", "worse"]);
    expect(
      tags?.findings.map((finding) => [
        finding.before?.messageId,
        finding.after?.messageId,
        finding.after?.evidence.tag,
      ]),
    ).toEqual([["allowed", "blocked", "AzureFrontDoor.FirstParty"]]);
    for (const finding of tags?.findings ?? [])
      expect(finding.because).toEqual([
        {
          resourceId: TRAINING_NSG,
          change: "changed",
          paths: ["properties.securityRules[DenyInternetOut].properties.priority"],
        },
      ]);
    // Everything else judged the same.
    expect(diff.checks.map((check) => check.id).sort()).toEqual(["required-outbound", "service-tags-outbound"]);

    const text = renderDiff("text", diff, { verbose: false });
    expect(text).toContain("  ~ network security group training-nsg\n      DenyInternetOut priority 4000 → 105\n");
    expect(text).toContain(
      "  ✗ service-tags-outbound  pass → fail  (worse)\n      because training-nsg: DenyInternetOut priority 4000 → 105:\n",
    );
    expect(text).toContain("        ✗ training → AzureFrontDoor.FirstParty TCP 443: pass → fail (allowed → blocked)\n");
    expect(text).toContain("        and 5 more (--verbose shows them)\n");
    expect(text).toMatch(/\nexit 1: 2 checks got worse: required-outbound, service-tags-outbound\n$/);
    const markdown = renderDiff("markdown", diff, { verbose: false });
    expect(markdown).toContain(
      "|changed|network security group `training-nsg`|`DenyInternetOut priority`|`4000`|`105`|",
    );
    expect(markdown).toContain("  - because training-nsg: DenyInternetOut priority 4000 → 105");
  });

  test("the other way round, nothing got worse: exit 0, the checks better", async () => {
    const healthy = await snapshotOf(healthyScenario());
    const broken = await snapshotOf(denyMovedScenario());
    const diff = diffOf(broken.snapshot, healthy.snapshot);
    expect(diff.worse).toEqual([]);
    expect(diff.checks.map((check) => [check.id, check.movement])).toEqual([
      ["required-outbound", "better"],
      ["service-tags-outbound", "better"],
    ]);
    expect(renderDiff("text", diff, { verbose: false })).toMatch(/\nexit 0: no check got worse \(2 better\)\n$/);
  });

  test("the demo against the healthy workspace: keys, image-build compute and the rule, each linked to its check", async () => {
    const healthy = await snapshotOf(healthyScenario());
    const demo = await snapshotOf(demoScenario());
    const diff = diffOf(healthy.snapshot, demo.snapshot);
    expect(diff.worse).toEqual(["acr-vnet-image-build", "key-sync", "required-outbound", "service-tags-outbound"]);
    const storage = diff.resources?.changed.find((resource) => resource.id.toLowerCase() === STORAGE_ID.toLowerCase());
    expect(storage?.changes.map((change) => change.path)).toContain("keys.storage.outcome");
    const keySync = diff.checks.find((check) => check.id === "key-sync");
    expect(keySync?.findings[0]?.because.map((cause) => cause.resourceId.toLowerCase())).toContain(
      STORAGE_ID.toLowerCase(),
    );
    // No key, password or token from the scenario in any format.
    const secrets = Object.values(demoScenario().actions ?? {}).flatMap(
      (body) => JSON.stringify(body).match(/"(?:value|password)":"([^"]{20,})"/g) ?? [],
    );
    expect(secrets.length).toBeGreaterThan(0);
    for (const format of ["text", "json", "markdown"] as const) {
      const output = renderDiff(format, diff, { verbose: true });
      for (const secret of secrets) expect(output).not.toContain(secret.split('":"')[1]?.slice(0, -1));
    }
  });

  test("the JSON validates against reports/diff/diff-report.schema.json, with and without resources", async () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(
      JSON.parse(await readFile(join(ROOT, "reports/diff/diff-report.schema.json"), "utf8")) as object,
    );
    expect(validate({ schemaVersion: 1, kind: "diff" })).toBe(false);
    const healthy = await snapshotOf(healthyScenario());
    const demo = await snapshotOf(demoScenario());
    for (const diff of [
      diffOf(healthy.snapshot, demo.snapshot),
      diffStates(
        { file: "a.json", kind: "report", report: healthy.report },
        { file: "b.json", kind: "snapshot", snapshot: demo.snapshot },
        { checks: CHECKS, toolVersion: "0.0.0-test" },
      ),
    ]) {
      const parsed: unknown = JSON.parse(renderDiff("json", diff, { verbose: false }));
      expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
      expect(parsed).toEqual(JSON.parse(JSON.stringify(diff)));
    }
  });

  test("two reports: verdicts only, and it says so", async () => {
    const healthy = await snapshotOf(healthyScenario());
    const broken = await snapshotOf(denyMovedScenario());
    const diff = diffStates(
      { file: "monday.json", kind: "report", report: healthy.report },
      { file: "friday.json", kind: "report", report: broken.report },
      { checks: CHECKS, toolVersion: "0.0.0-test" },
    );
    expect(diff.resources).toBeUndefined();
    expect(diff.note).toMatch(/^monday\.json and friday\.json are reports: .* only verdicts are compared/);
    expect(diff.worse).toEqual(["required-outbound", "service-tags-outbound"]);
    expect(renderDiff("text", diff, { verbose: false })).toContain(
      "Resources not compared: monday.json and friday.json are reports",
    );
  });

  test("two workspaces' snapshots are refused", async () => {
    const healthy = await snapshotOf(healthyScenario());
    const other: Snapshot = {
      ...healthy.snapshot,
      target: { ...healthy.snapshot.target, workspaceId: `${healthy.snapshot.target.workspaceId}-other` },
    };
    expect(() => diffOf(healthy.snapshot, other)).toThrow(
      /before\.json is of .*ml-research and after\.json of .*ml-research-other; diff compares two states of one workspace/,
    );
  });
});
