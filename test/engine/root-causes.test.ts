// Root causes group findings by what causes them, and the fix plan proves each fix by judging a
// patched copy of the snapshot again.

import { describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { planFixes } from "../../src/engine/fixes/plan.js";
import { findingIdentity } from "../../src/engine/root-causes.js";
import {
  TRAINING,
  TRAINING_NSG,
  compute,
  fault,
  securityRule,
  serviceEndpointsOnly,
  storage,
  type Json,
} from "../checks/mutations.js";
import { auditScenario, byName, demoScenario, healthyScenario, resource } from "../harness.js";

describe("root causes", () => {
  test("the demo's 16 problem findings are three causes: the deny rule, the image-build compute, the stale key", async () => {
    const { report } = await auditScenario(demoScenario(), { now: "2026-11-25T05:00:00.000Z" });
    const problems = report.checks.flatMap((check) => check.findings).filter((finding) => finding.status === "fail");
    expect(problems.length).toBeGreaterThan(10);
    expect(report.rootCauses.map((cause) => cause.kind)).toEqual(["nsg-rule", "finding", "stale-keys"]);
    const [nsg] = report.rootCauses;
    expect(nsg?.summary).toBe(
      "NSG rule DenyInternetOut (priority 105) on training-nsg blocks outbound traffic the computes need",
    );
    expect(nsg?.checks.sort()).toEqual(["required-outbound", "service-tags-outbound"]);
    expect(nsg?.breaks).toEqual(
      expect.arrayContaining(["MicrosoftContainerRegistry TCP 443", "AzureMachineLearning UDP 5831"]),
    );
    expect(nsg?.computes).toEqual(["cpu-build", "gpu-train", "ci-alice"]);
    // Every problem finding belongs to exactly one cause.
    const counted = report.rootCauses.reduce((sum, cause) => sum + cause.findings.length, 0);
    expect(counted).toBe(problems.length);
  });

  test("one missing permission is one cause, however many checks it leaves undecided", async () => {
    const scenario = healthyScenario();
    fault(scenario, "/virtualNetworks/ml-vnet$");
    const { report } = await auditScenario(scenario);
    const unknown = report.checks.filter((check) => check.status === "unknown");
    expect(unknown.length).toBeGreaterThan(2);
    const permission = report.rootCauses.filter((cause) => cause.kind === "permission");
    expect(permission).toHaveLength(1);
    expect(permission[0]?.key).toBe("permission:microsoft.network/virtualnetworks/read");
    expect(permission[0]?.checks.length).toBe(unknown.length);
  });

  test("one default route is one cause for every compute it cuts off", async () => {
    const scenario = healthyScenario();
    // The healthy workspace's training subnet has route table training-rt (and a NAT gateway): add a black hole.
    const table = byName(scenario, "/routeTables/training-rt");
    (table.properties.routes as unknown[]).push({
      name: "blackhole",
      id: `${table.id}/routes/blackhole`,
      properties: { addressPrefix: "0.0.0.0/0", nextHopType: "None" },
    });
    const { report } = await auditScenario(scenario, { only: ["forced-tunneling"] });
    const failing = report.checks[0]?.findings.filter((finding) => finding.status === "fail") ?? [];
    expect(failing.length).toBe(3);
    expect(report.rootCauses).toHaveLength(1);
    const [cause] = report.rootCauses;
    expect(cause?.kind).toBe("route");
    expect(cause?.resourceId).toBe(table.id);
    expect(cause?.computes.sort()).toEqual(["ci-alice", "cpu-build", "gpu-train"]);
    expect(cause?.summary).toMatch(
      /^Route blackhole of route table training-rt sends 0\.0\.0\.0\/0 .* The same holds for \S+, \S+\.$/,
    );
  });

  test("a finding's identity holds across a fix (its message changes, its subject does not)", async () => {
    const { report } = await auditScenario(demoScenario(), { now: "2026-11-25T05:00:00.000Z" });
    const check = report.checks.find((candidate) => candidate.id === "service-tags-outbound");
    const finding = check?.findings[0];
    if (!finding) throw new Error("no finding");
    expect(findingIdentity("service-tags-outbound", finding)).toBe(
      findingIdentity("service-tags-outbound", { ...finding, status: "pass", messageId: "allowed", message: "fixed" }),
    );
  });
});

describe("the fix plan", () => {
  test("the demo: three proven steps and nothing left", async () => {
    const { snapshot, report } = await auditScenario(demoScenario(), { now: "2026-11-25T05:00:00.000Z" });
    const plan = planFixes(snapshot, CHECKS, report.checks, report.rootCauses);
    expect(plan.steps.map((step) => step.commands.length)).toEqual([1, 1, 1]);
    expect(plan.unfixed).toEqual([]);
    expect(plan.remaining).toEqual([]);
  });

  test("a cause with no command to prove is unfixed, with the check's own advice, and stays in what remains", async () => {
    const scenario = healthyScenario();
    // A compute in another region than the private-endpoint workspace: the fix is to recreate it, which is not planned.
    compute(scenario, "gpu-train").properties.computeLocation = "northeurope";
    compute(scenario, "gpu-train").location = "northeurope";
    const { snapshot, report } = await auditScenario(scenario);
    const plan = planFixes(snapshot, CHECKS, report.checks, report.rootCauses);
    expect(plan.steps).toEqual([]);
    expect(plan.unfixed).toEqual([
      expect.objectContaining({
        advice: expect.stringContaining("az ml compute delete -n gpu-train"),
        reason: expect.stringMatching(/no command/),
      }),
    ]);
    expect(plan.remaining).toEqual([{ check: "compute-region", status: "fail" }]);
  });

  test("a deny on VirtualNetwork: the six private-endpoint flows are one cause, fixed by one allow rule for 443 and 445", async () => {
    const scenario = healthyScenario();
    resource(scenario, TRAINING_NSG).properties.securityRules.push(
      securityRule("DenyVnetOut", { priority: 3000, destinationAddressPrefix: "VirtualNetwork" }),
    );
    const { snapshot, report } = await auditScenario(scenario);
    expect(report.rootCauses.map((cause) => [cause.kind, cause.findings.length])).toEqual([["nsg-rule", 6]]);
    const plan = planFixes(snapshot, CHECKS, report.checks, report.rootCauses);
    expect(plan.steps.flatMap((step) => step.commands)).toEqual([
      expect.stringMatching(
        /^az network nsg rule create .* --priority 2999 .* --destination-address-prefixes VirtualNetwork --destination-port-ranges 443 445$/,
      ),
    ]);
    expect(plan.remaining).toEqual([]);
  });

  test("a storage rule without the subnet's service endpoint: the subnet update names the endpoints it keeps", async () => {
    const scenario = healthyScenario();
    serviceEndpointsOnly(storage(scenario), [TRAINING], { state: "Succeeded" });
    const subnet = (byName(scenario, "/virtualNetworks/ml-vnet").properties.subnets as Json[]).find(
      (candidate) => candidate.name === "training",
    );
    subnet!.properties.serviceEndpoints = [{ service: "Microsoft.KeyVault", locations: ["*"] }];
    const { snapshot, report } = await auditScenario(scenario);
    const plan = planFixes(snapshot, CHECKS, report.checks, report.rootCauses);
    expect(plan.steps.flatMap((step) => step.commands)).toEqual([
      expect.stringMatching(
        /^az network vnet subnet update -g ml-platform-rg .* --vnet-name ml-vnet -n training --service-endpoints Microsoft\.KeyVault Microsoft\.Storage$/,
      ),
    ]);
    expect(plan.remaining).toEqual([]);
  });
});
