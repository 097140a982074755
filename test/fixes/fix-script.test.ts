// Every fix the tool prints works: for broken workspaces, `preflight --fix-script` writes a script;
// the script is applied to the scenario as Azure would take it (test/fixes/az-applier.ts, not the
// tool's own patcher); the workspace is audited again. No check that failed still fails, none that
// passed fails now, and the script holds nothing but comments, `set -euo pipefail` and az lines.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import {
  TRAINING,
  TRAINING_NSG,
  compute,
  fault,
  registry,
  serviceEndpointsOnly,
  storage,
  workspace,
} from "../checks/mutations.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { byName, demoScenario, healthyScenario, resource } from "../harness.js";
import { TARGET, e2eSession, type ReportJson } from "../e2e/support.js";
import { applyScript, shellWords } from "./az-applier.js";

const session = e2eSession("preflight-fixes-");
let dir = "";
beforeAll(async () => {
  dir = await session.scratch("scripts-");
});

type Mutation = (scenario: Scenario) => void;

/** The healthy workspace broken one way. */
const BROKEN: Array<[name: string, scenario: () => Scenario]> = [
  ["the demo workspace (a deny above the allows, no image-build compute, a stale key)", demoScenario],
  [
    "a deny on Internet at 105 with no allow rule behind it (only five priorities free in front)",
    broken((scenario) => {
      const nsg = resource(scenario, TRAINING_NSG);
      nsg.properties.securityRules = nsg.properties.securityRules.filter(
        (rule: { properties: { direction: string; access: string } }) =>
          !(rule.properties.direction === "Outbound" && rule.properties.access === "Allow"),
      );
      const deny = nsg.properties.securityRules.find((rule: { name: string }) => rule.name === "DenyInternetOut");
      deny.properties.priority = 105;
    }),
  ],
  [
    "the registry's zone not linked to the compute VNet",
    broken((scenario) => {
      scenario.resources = scenario.resources.filter(
        (entry) => !/privatelink\.azurecr\.io\/virtualNetworkLinks\//i.test(entry.id),
      );
    }),
  ],
  [
    "no image-build compute while the registry is private",
    broken((scenario) => {
      delete workspace(scenario).properties.imageBuildCompute;
    }),
  ],
  [
    "the image-build compute a GPU cluster (only a CPU SKU is supported)",
    broken((scenario) => {
      workspace(scenario).properties.imageBuildCompute = "gpu-train";
    }),
  ],
  [
    "a stale storage key",
    broken((scenario) => {
      const keys = (scenario.actions ?? {})[`${String(workspace(scenario).id)}/listKeys`] as { userStorageKey: string };
      keys.userStorageKey = "OLD-STORAGE-KEY-0000000000000000000000000000000000000000000000000000000000000000000000==";
    }),
  ],
  [
    "storage refusing trusted services",
    broken((scenario) => {
      storage(scenario).properties.networkAcls.bypass = "None";
    }),
  ],
  [
    "registry refusing trusted services and quarantining images",
    broken((scenario) => {
      registry(scenario).properties.networkRuleBypassOptions = "None";
      registry(scenario).properties.policies = { quarantinePolicy: { status: "enabled" } };
    }),
  ],
  [
    "a storage rule for the compute subnet, which has only a Key Vault service endpoint (the update keeps it)",
    broken((scenario) => {
      serviceEndpointsOnly(storage(scenario), [TRAINING], { state: "Succeeded" });
      const vnet = byName(scenario, "/virtualNetworks/ml-vnet");
      const subnet = (vnet.properties.subnets as Array<{ name: string; properties: Record<string, unknown> }>).find(
        (candidate) => candidate.name === "training",
      );
      if (subnet) subnet.properties.serviceEndpoints = [{ service: "Microsoft.KeyVault", locations: ["*"] }];
    }),
  ],
  [
    "a forced tunnel to a firewall and a cluster with a public IP",
    broken((scenario) => {
      const table = byName(scenario, "/routeTables/training-rt");
      table.properties.routes = [
        ...(table.properties.routes as unknown[]),
        {
          name: "to-firewall",
          properties: { addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.20.0.4" },
        },
      ];
      compute(scenario, "gpu-train").properties.properties.enableNodePublicIp = true;
    }),
  ],
];

function broken(mutate: Mutation): () => Scenario {
  return () => {
    const scenario = healthyScenario();
    mutate(scenario);
    return scenario;
  };
}

const failing = (report: ReportJson) =>
  report.checks.filter((check) => check.status === "fail").map((check) => check.id);

async function audit(scenario: Scenario, extra: string[] = []): Promise<{ report: ReportJson; code: number }> {
  const fake = await session.fakeArm(scenario);
  const run = await session.live(fake, [...TARGET, "--format", "json", ...extra]);
  return { report: JSON.parse(run.stdout) as ReportJson, code: run.code ?? -1 };
}

describe.concurrent("a fix script applied as Azure would take it leaves nothing failing that failed", () => {
  test.each(BROKEN)("%s", async (name, make) => {
    const path = join(dir, `${name.replace(/\W+/g, "-").slice(0, 40)}.sh`);
    const before = await audit(make(), ["--fix-script", path]);
    expect(before.code, name).toBe(1);
    const script = await readFile(path, "utf8");
    expect(script.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(script).toContain("\nset -euo pipefail\n");
    for (const line of script.split("\n").filter((text) => text.trim() !== "")) {
      expect(line.startsWith("#") || line.startsWith("set ") || shellWords(line)[0] === "az", line).toBe(true);
    }
    const patched = make();
    const applied = applyScript(patched, script);
    expect(applied.length, `${name}: the script fixes nothing`).toBeGreaterThan(0);
    const after = await audit(patched);
    expect(failing(after.report), `${name}: still failing after\n${script}`).toEqual([]);
    const newlyBad = after.report.checks.filter(
      (check) =>
        ["fail", "unknown", "warn"].includes(check.status) &&
        before.report.checks.find((was) => was.id === check.id)?.status === "pass",
    );
    expect(newlyBad.map((check) => `${check.id} ${check.status}`)).toEqual([]);
  });

  test("the demo's script is three fixes: the deny moved, cpu-build named, the keys synced", async () => {
    const path = join(dir, "demo.sh");
    await audit(demoScenario(), ["--fix-script", path]);
    const commands = (await readFile(path, "utf8")).split("\n").filter((line) => line.startsWith("az "));
    expect(commands).toEqual([
      expect.stringMatching(/^az network nsg rule update .* -n DenyInternetOut --priority \d+$/),
      expect.stringMatching(/^az ml workspace update -n ml-research .* --image-build-compute cpu-build$/),
      expect.stringMatching(/^az ml workspace sync-keys -n ml-research /),
    ]);
  });

  test("a cause with no provable fix is listed as a comment, never as a command", async () => {
    const path = join(dir, "unreadable.sh");
    const scenario = healthyScenario();
    fault(scenario, "/virtualNetworks/ml-vnet$");
    await audit(scenario, ["--fix-script", path]);
    const script = await readFile(path, "utf8");
    expect(script.split("\n").filter((line) => line.startsWith("az "))).toEqual([]);
    expect(script).toMatch(/# Not fixed here[^\n]*\n# - [^\n]*Microsoft\.Network\/virtualNetworks\/read/);
  });
});
