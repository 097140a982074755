// The fleet scenario generator (test/fake-arm/fleet-scenario.ts): deterministic, exact planted shares,
// every reference resolvable, and, audited workspace by workspace through the single-workspace path,
// each planted failure fails its check on exactly the planted workspaces and nothing else fails.

import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../checks/index.js";
import { collectSnapshot } from "../src/collect/collector.js";
import { Redactor } from "../src/core/redact.js";
import { buildReport } from "../src/engine/run.js";
import type { Report } from "../src/engine/types.js";
import type { Status } from "../src/core/status.js";
import type { PartName } from "../src/snapshot/types.js";
import { generatedFleetJson, parseFakeArmArgs, parseGenerateFleetArgs, startFromCli } from "./fake-arm/cli.js";
import { CONNECTIVITY_RESOURCE_GROUP } from "./fake-arm/fleet-dns.js";
import { SEED_FAILURES, type SeedFailure } from "./fake-arm/fleet-failures.js";
import { DR_REGION } from "./fake-arm/fleet-network.js";
import {
  fleetSubscriptionId,
  generateFleetScenario,
  type FleetScenario,
  type FleetScenarioOptions,
} from "./fake-arm/fleet-scenario.js";
import type { Scenario } from "./fake-arm/scenario.js";
import { startFakeArm, type FakeArm } from "./fake-arm/server.js";
import { ROOT, testReader, type Json } from "./harness.js";

const BENCH: FleetScenarioOptions = { workspaces: 1000, subscriptions: 5 };
const SMALL: FleetScenarioOptions = {
  workspaces: 30,
  subscriptions: 3,
  failureShare: Object.fromEntries(SEED_FAILURES.map((failure) => [failure, 0.2])),
};
/** key-sync judges a rotation's age against the collection clock. */
const NOW = "2026-03-01T12:00:00.000Z";

const lower = (id: string) => id.toLowerCase();
const plantedIds = (fleet: FleetScenario, failure: SeedFailure) =>
  fleet.workspaces.filter((ws) => ws.planted.includes(failure)).map((ws) => ws.id);

/** Every resource by lower-cased ID, embedded children (subnets, security rules, connections) included. */
function indexById(scenario: Scenario): Map<string, Json> {
  const byId = new Map<string, Json>();
  for (const resource of scenario.resources) {
    byId.set(lower(resource.id), resource);
    for (const field of ["subnets", "securityRules", "privateEndpointConnections"]) {
      for (const child of ((resource.properties ?? {}) as Json)[field] ?? [])
        if (child.name) byId.set(lower(child.id), child);
    }
  }
  return byId;
}

describe("generateFleetScenario", () => {
  test("same options give byte-identical output; another seed plants on other workspaces over the same subscriptions", () => {
    const first = JSON.stringify(generateFleetScenario(SMALL));
    expect(JSON.stringify(generateFleetScenario(structuredClone(SMALL)))).toBe(first);
    const reseeded = generateFleetScenario({ ...SMALL, seed: 2 });
    const original = generateFleetScenario(SMALL);
    const selection = (fleet: FleetScenario) => SEED_FAILURES.map((failure) => plantedIds(fleet, failure));
    expect(selection(reseeded)).not.toEqual(selection(original));
    // The seed moves the failures, not the fleet: same subscriptions, workspaces and counts.
    expect(reseeded.workspaces.map((ws) => ws.id)).toEqual(original.workspaces.map((ws) => ws.id));
    expect(selection(reseeded).map((ids) => ids.length)).toEqual(selection(original).map((ids) => ids.length));
  });

  test.each([
    { options: BENCH, expected: [100, 100, 100, 100, 100] },
    { options: SMALL, expected: [6, 6, 6, 6, 6] },
    // round(share × N), per failure: 0.25 × 30 = 7.5 → 8; 1 → all; 0 → none.
    {
      options: {
        workspaces: 30,
        subscriptions: 2,
        failureShare: {
          "subnet-colocation": 0.25,
          "key-sync": 1,
          "private-endpoint-region": 0,
          "acr-vnet-image-build": 0.01,
        },
      },
      expected: [8, 0, 0, 3, 30],
    },
  ])("plants exactly round(share × N) of each failure: $expected", ({ options, expected }) => {
    const fleet = generateFleetScenario(options);
    expect(SEED_FAILURES.map((failure) => plantedIds(fleet, failure).length)).toEqual(expected);
    expect(fleet.workspaces).toHaveLength(options.workspaces);
  });

  test("failures overlap on some workspaces at default shares (they are drawn independently)", () => {
    const fleet = generateFleetScenario(BENCH);
    expect(fleet.workspaces.filter((ws) => ws.planted.length > 1).length).toBeGreaterThan(0);
    expect(fleet.workspaces.filter((ws) => ws.planted.length === 0).length).toBeGreaterThan(500);
  });

  test("rejects options it cannot honour", () => {
    expect(() => generateFleetScenario({ workspaces: 0, subscriptions: 1 })).toThrow(
      /workspaces must be a positive integer/,
    );
    expect(() => generateFleetScenario({ workspaces: 3, subscriptions: 1.5 })).toThrow(/subscriptions/);
    expect(() => generateFleetScenario({ workspaces: 3, subscriptions: 1, failureShare: { "key-sync": 1.2 } })).toThrow(
      /key-sync/,
    );
    expect(() =>
      generateFleetScenario({ workspaces: 3, subscriptions: 1, failureShare: { bogus: 0.1 } as never }),
    ).toThrow(/unknown seed failure "bogus"/);
  });

  test("shared dependencies: each resource group's workspaces go in blocks sharing the first one's storage account and registry", () => {
    const fleet = generateFleetScenario({ workspaces: 100, subscriptions: 2, sharedDependencies: 10, seed: 3 });
    const byId = indexById(fleet.scenario);
    const ofType = (type: string) => fleet.scenario.resources.filter((resource) => resource.type === type);
    const workspaces = ofType("Microsoft.MachineLearningServices/workspaces");
    // 8 resource groups of 12 or 13 workspaces: two blocks each.
    expect(ofType("Microsoft.Storage/storageAccounts")).toHaveLength(16);
    expect(ofType("Microsoft.ContainerRegistry/registries")).toHaveLength(16);
    const users = new Map<string, Json[]>();
    for (const workspace of workspaces) {
      const properties = workspace.properties as Json;
      for (const field of ["storageAccount", "containerRegistry"])
        expect(byId.has(lower(properties[field]))).toBe(true);
      // A shared account is in the workspace's own resource group.
      expect(lower(properties.storageAccount).startsWith(lower(workspace.id.split("/providers/")[0]!))).toBe(true);
      users.set(lower(properties.storageAccount), [...(users.get(lower(properties.storageAccount)) ?? []), workspace]);
    }
    expect(Math.max(...[...users.values()].map((list) => list.length))).toBe(10);
    // Each account's key1 is what its workspaces cache, except the key-sync ones; none has colocation planted.
    const actions = fleet.scenario.actions as Record<string, Json>;
    for (const workspace of fleet.workspaces) {
      expect(workspace.planted).not.toContain("subnet-colocation");
      const body = byId.get(lower(workspace.id))!;
      const cached = actions[`${workspace.id}/listKeys`]!.userStorageKey as string;
      const current = (actions[`${body.properties.storageAccount}/listKeys`]!.keys as Json[]).map((key) => key.value);
      expect(current.includes(cached), workspace.id).toBe(!workspace.planted.includes("key-sync"));
    }
    expect(fleet.workspaces.filter((workspace) => workspace.planted.includes("key-sync"))).toHaveLength(10);
    expect(() =>
      generateFleetScenario({
        workspaces: 10,
        subscriptions: 1,
        sharedDependencies: 5,
        failureShare: { "subnet-colocation": 0.1 },
      }),
    ).toThrow(/subnet-colocation cannot be planted with sharedDependencies/);
    expect(() => generateFleetScenario({ workspaces: 10, subscriptions: 1, sharedDependencies: 0 })).toThrow(
      /sharedDependencies must be a positive integer/,
    );
  });

  test("IDs and globally unique names are unique; subscriptions and resource groups are spread evenly", () => {
    const fleet = generateFleetScenario(BENCH);
    const ids = fleet.scenario.resources.map((resource) => lower(resource.id));
    expect(new Set(ids).size).toBe(ids.length);
    const names = (type: string) =>
      fleet.scenario.resources.filter((resource) => resource.type === type).map((resource) => resource.name as string);
    for (const type of [
      "Microsoft.Storage/storageAccounts",
      "Microsoft.ContainerRegistry/registries",
      "Microsoft.KeyVault/vaults",
      "Microsoft.MachineLearningServices/workspaces",
    ]) {
      expect(new Set(names(type)).size, type).toBe(1000);
    }
    for (const storage of names("Microsoft.Storage/storageAccounts")) expect(storage).toMatch(/^[a-z0-9]{3,24}$/);
    for (const vault of names("Microsoft.KeyVault/vaults")) expect(vault.length).toBeLessThanOrEqual(24);

    const subscriptions = Array.from({ length: 5 }, (_, index) => fleetSubscriptionId(index));
    for (const id of subscriptions)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(subscriptions).size).toBe(5);
    const perSubscription = subscriptions.map((id) => fleet.workspaces.filter((ws) => ws.subscriptionId === id).length);
    expect(perSubscription).toEqual([200, 200, 200, 200, 200]);
    const perGroup = new Map<string, number>();
    for (const ws of fleet.workspaces)
      perGroup.set(
        `${ws.subscriptionId}/${ws.resourceGroup}`,
        (perGroup.get(`${ws.subscriptionId}/${ws.resourceGroup}`) ?? 0) + 1,
      );
    expect([...perGroup.values()]).toEqual(Array(20).fill(50));
  });

  test("every resource a workspace references exists (storage, registry, vault, build cluster, endpoints, subnets, NSGs, route tables, zones)", () => {
    const fleet = generateFleetScenario(BENCH);
    const byId = indexById(fleet.scenario);
    const exists = (id: unknown, what: string) =>
      expect(typeof id === "string" && byId.has(lower(id)), `${what}: ${String(id)}`).toBe(true);
    const computesByWorkspace = new Map<string, Json[]>();
    for (const resource of fleet.scenario.resources) {
      const at = lower(resource.id).indexOf("/computes/");
      if (at > 0)
        computesByWorkspace.set(lower(resource.id).slice(0, at), [
          ...(computesByWorkspace.get(lower(resource.id).slice(0, at)) ?? []),
          resource,
        ]);
    }
    const computesOf = (wsId: string) => computesByWorkspace.get(lower(wsId)) ?? [];
    let missingBuildClusters = 0;
    for (const ws of fleet.workspaces) {
      const workspace = byId.get(lower(ws.id)) as Json;
      expect(workspace.tags).toEqual(ws.tags);
      const props = workspace.properties;
      for (const field of ["storageAccount", "containerRegistry", "keyVault"])
        exists(props[field], `${ws.name}.${field}`);
      const computes = computesOf(ws.id);
      expect(computes.length === 1 || computes.length === 2).toBe(true);
      if (props.imageBuildCompute !== undefined) {
        const buildCluster = byId.get(lower(`${ws.id}/computes/${props.imageBuildCompute}`));
        // The only dangling build cluster is a planted acr-vnet-image-build failure.
        if (!buildCluster) {
          expect(ws.planted).toContain("acr-vnet-image-build");
          missingBuildClusters++;
        }
      } else expect(ws.planted).toContain("acr-vnet-image-build");
      for (const owner of [
        workspace,
        byId.get(lower(props.storageAccount)),
        byId.get(lower(props.containerRegistry)),
        byId.get(lower(props.keyVault)),
      ] as Json[]) {
        for (const connection of owner.properties.privateEndpointConnections) {
          const endpointId = connection.properties.privateEndpoint.id;
          exists(endpointId, `${owner.name} endpoint`);
          const endpoint = byId.get(lower(endpointId)) as Json;
          expect(lower(endpoint.properties.privateLinkServiceConnections[0].properties.privateLinkServiceId)).toBe(
            lower(owner.id),
          );
          exists(endpoint.properties.subnet.id, `${endpoint.name} subnet`);
          const zoneGroup = byId.get(lower(`${endpointId}/privateDnsZoneGroups/default`)) as Json;
          for (const config of zoneGroup.properties.privateDnsZoneConfigs)
            exists(config.properties.privateDnsZoneId, `${endpoint.name} zone`);
        }
      }
      for (const compute of computes) {
        const subnet = byId.get(
          lower(compute.properties?.properties ? (compute.properties.properties as Json).subnet.id : ""),
        );
        expect(subnet, `${compute.id} subnet`).toBeDefined();
        for (const field of ["networkSecurityGroup", "routeTable", "natGateway"])
          exists(subnet?.properties[field].id, `${compute.id} ${field}`);
        // The NSG and route table name the subnet back, as ARM shows them.
        for (const field of ["networkSecurityGroup", "routeTable", "natGateway"]) {
          expect(
            (byId.get(lower(subnet?.properties[field].id)) as Json).properties.subnets.map((entry: Json) =>
              lower(entry.id),
            ),
          ).toContain(lower(subnet?.id));
        }
      }
    }
    expect(missingBuildClusters).toBeGreaterThan(0);
  });

  test("DNS zones live once, in the first subscription's connectivity group, linked to every VNet; workspaces of a group share its network", () => {
    const fleet = generateFleetScenario(BENCH);
    const resources = fleet.scenario.resources;
    const zones = resources.filter((resource) => resource.type === "Microsoft.Network/privateDnsZones");
    expect(zones.map((zone) => zone.name).sort()).toEqual([
      "privatelink.api.azureml.ms",
      "privatelink.azurecr.io",
      "privatelink.blob.core.windows.net",
      "privatelink.file.core.windows.net",
      "privatelink.notebooks.azure.net",
      "privatelink.vaultcore.azure.net",
    ]);
    for (const zone of zones)
      expect(
        zone.id.startsWith(`/subscriptions/${fleetSubscriptionId(0)}/resourceGroups/${CONNECTIVITY_RESOURCE_GROUP}/`),
      ).toBe(true);
    const vnets = resources
      .filter((resource) => resource.type === "Microsoft.Network/virtualNetworks")
      .map((vnet) => lower(vnet.id));
    expect(vnets.length).toBeGreaterThanOrEqual(20);
    for (const zone of zones) {
      const linked = resources
        .filter((resource) => lower(resource.id).startsWith(`${lower(zone.id)}/virtualnetworklinks/`))
        .map((link) => lower((link.properties as Json).virtualNetwork.id));
      expect(linked.sort()).toEqual([...vnets].sort());
    }
    // One VNet, NSG and route table per resource group (plus a DR VNet and per-workspace NSGs where planted).
    const groups = new Set(
      fleet.workspaces.map((ws) => lower(`/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}`)),
    );
    for (const group of groups) {
      const inGroup = (type: string) =>
        resources.filter((resource) => resource.type === type && lower(resource.id).startsWith(`${group}/`));
      expect(inGroup("Microsoft.Network/routeTables")).toHaveLength(1);
      expect(inGroup("Microsoft.Network/virtualNetworks").filter((vnet) => vnet.location !== DR_REGION)).toHaveLength(
        1,
      );
      const sharedSubnets = (inGroup("Microsoft.Network/virtualNetworks")[0]?.properties as Json).subnets.length;
      expect(sharedSubnets).toBeGreaterThanOrEqual(2);
    }
    const sharedTraining = fleet.scenario.resources.filter(
      (resource) =>
        /\/computes\/cpu-build$/.test(resource.id) &&
        /\/subnets\/training$/.test((resource.properties as Json).properties.subnet.id),
    );
    expect(sharedTraining.length).toBeGreaterThan(500);
  });

  test("tags, regions, management groups, admin users and keys vary the way fleet filters need", () => {
    const fleet = generateFleetScenario(BENCH);
    const scenario = fleet.scenario;
    const subscriptions = Array.from({ length: 5 }, (_, index) => fleetSubscriptionId(index));
    expect(scenario.managementGroups).toEqual({
      "mg-ml-prod": [subscriptions[0], subscriptions[2], subscriptions[4]],
      "mg-ml-dev": [subscriptions[1], subscriptions[3]],
      "mg-ml-all": subscriptions,
    });
    expect(new Set(fleet.workspaces.map((ws) => ws.tags.team)).size).toBe(4);
    expect(fleet.workspaces.filter((ws) => ws.tags.env === "prod").length).toBe(600);
    for (const ws of fleet.workspaces)
      expect(ws.tags.env).toBe(scenario.managementGroups?.["mg-ml-prod"]?.includes(ws.subscriptionId) ? "prod" : "dev");
    const locations = new Set(
      scenario.resources
        .filter((resource) => resource.type === "Microsoft.MachineLearningServices/workspaces")
        .map((resource) => resource.location),
    );
    expect([...locations].sort()).toEqual(["northeurope", "westeurope"]);
    expect(Object.keys(scenario.privateEndpointTypes ?? {}).sort()).toEqual([
      "northeurope",
      "swedencentral",
      "westeurope",
    ]);

    const actions = scenario.actions as Record<string, Json>;
    const registryCredentials = Object.keys(actions).filter((path) => path.endsWith("/listCredentials"));
    expect(registryCredentials.length).toBeGreaterThan(300);
    expect(registryCredentials.length).toBeLessThan(700);
    const storageKeys = Object.entries(actions)
      .filter(([path]) => /storageAccounts\/[^/]+\/listKeys$/.test(path))
      .flatMap(([, body]) => body.keys.map((key: Json) => key.value as string));
    expect(storageKeys).toHaveLength(2000);
    expect(new Set(storageKeys).size).toBe(2000);
    for (const key of storageKeys) expect(key).toMatch(/^FAKE-/);
  });

  // How long generating takes is the benchmark's business (bench/fleet.mjs generates these fleets).
  test("1,000 workspaces over 5 subscriptions stay tens of MB", () => {
    const json = JSON.stringify(generateFleetScenario(BENCH).scenario);
    const megabytes = Buffer.byteLength(json) / 1e6;
    expect(megabytes).toBeLessThan(30);
  });
});

// ---- the generated fleet, audited one workspace at a time ----------------------------------------

/** Each planted failure: the check's status and the message ids of its failing findings. */
const PLANTED_MESSAGES: Record<SeedFailure, string[]> = {
  "subnet-colocation": ["unreachable"],
  "private-endpoint-region": ["type-unsupported-in-region"],
  "acr-vnet-image-build": ["image-build-compute-missing", "image-build-compute-unset"],
  "service-tags-outbound": ["blocked"],
  "key-sync": ["out-of-sync"],
};

describe("a small fleet audited through the single-workspace path", () => {
  const fleet = generateFleetScenario(SMALL);
  const reports = new Map<string, Report>();
  let fake: FakeArm;

  beforeAll(async () => {
    fake = await startFakeArm(fleet.scenario);
    const { reader } = testReader(fake);
    const parts = [...new Set(CHECKS.flatMap((check) => check.requires))] as PartName[];
    const pending = [...fleet.workspaces];
    const worker = async () => {
      for (let ws = pending.shift(); ws; ws = pending.shift()) {
        const snapshot = await collectSnapshot({
          reader,
          redactor: new Redactor(),
          workspace: { subscriptionId: ws.subscriptionId, resourceGroup: ws.resourceGroup, name: ws.name },
          parts,
          readKeys: true,
          toolVersion: "0.0.0-test",
          now: () => new Date(NOW),
        });
        expect(snapshot.errors, ws.name).toEqual([]);
        reports.set(
          ws.id,
          buildReport(snapshot, CHECKS, { toolVersion: "0.0.0-test", startedAt: snapshot.collectedAt, durationMs: 0 }),
        );
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
  }, 120_000);

  afterAll(async () => {
    await fake?.close();
  });

  const statusOf = (wsId: string, check: string): Status => {
    const result = reports.get(wsId)?.checks.find((candidate) => candidate.id === check);
    if (!result) throw new Error(`no ${check} result for ${wsId}`);
    return result.status;
  };

  test("every workspace was audited: 6 of each failure, some on one workspace; the clean ones cover each layout variant", () => {
    expect(reports.size).toBe(30);
    expect(SEED_FAILURES.map((failure) => plantedIds(fleet, failure).length)).toEqual([6, 6, 6, 6, 6]);
    expect(fleet.workspaces.filter((ws) => ws.planted.length > 1).length).toBeGreaterThan(0);
    expect(
      fleet.workspaces.some(
        (ws) => ws.planted.includes("subnet-colocation") && ws.planted.includes("service-tags-outbound"),
      ),
    ).toBe(true);
    // Unplanted variants the "nothing else fails" test below must hold for: admin user on and off,
    // one and two clusters, the shared training subnet and a workspace's own subnet.
    const byId = indexById(fleet.scenario);
    const clean = fleet.workspaces.filter((ws) => ws.planted.length === 0);
    const registryOf = (ws: (typeof clean)[number]) =>
      byId.get(lower((byId.get(lower(ws.id)) as Json).properties.containerRegistry)) as Json;
    expect(new Set(clean.map((ws) => registryOf(ws).properties.adminUserEnabled))).toEqual(new Set([true, false]));
    expect(new Set(clean.map((ws) => byId.has(lower(`${ws.id}/computes/gpu-train`))))).toEqual(new Set([true, false]));
    const buildSubnets = clean.map(
      (ws) => (byId.get(lower(`${ws.id}/computes/cpu-build`)) as Json).properties.properties.subnet.id as string,
    );
    expect(new Set(buildSubnets.map((id) => id.endsWith("/subnets/training")))).toEqual(new Set([true, false]));
  });

  test.each(SEED_FAILURES)(
    "%s fails on exactly the workspaces it was planted on, for the planted reason",
    (failure) => {
      const failing = fleet.workspaces.filter((ws) => statusOf(ws.id, failure) === "fail").map((ws) => ws.id);
      expect(failing).toEqual(plantedIds(fleet, failure));
      for (const wsId of failing) {
        const result = reports.get(wsId)?.checks.find((candidate) => candidate.id === failure);
        const messages = new Set(
          result?.findings.filter((finding) => finding.status === "fail").map((finding) => finding.messageId),
        );
        expect(
          [...messages].every((id) => PLANTED_MESSAGES[failure].includes(id)),
          `${wsId}: ${[...messages].join(", ")}`,
        ).toBe(true);
      }
    },
  );

  test("a workspace with nothing planted: every check passes, except the two that do not apply to it (skip)", () => {
    const clean = fleet.workspaces.filter((ws) => ws.planted.length === 0);
    expect(clean.length).toBeGreaterThan(5);
    const expected = Object.fromEntries(
      CHECKS.map((check) => [check.id, ["managed-network", "workspace-diagnose"].includes(check.id) ? "skip" : "pass"]),
    );
    for (const ws of clean) {
      const statuses = Object.fromEntries(reports.get(ws.id)?.checks.map((check) => [check.id, check.status]) ?? []);
      expect(statuses, ws.name).toEqual(expected);
    }
  });

  test("a planted workspace: no check is unknown, and the only non-seed check that fails is required-outbound behind a planted MCR deny", () => {
    const seed = new Set<string>(SEED_FAILURES);
    for (const ws of fleet.workspaces.filter((candidate) => candidate.planted.length > 0)) {
      const report = reports.get(ws.id) as Report;
      expect(
        report.checks.filter((check) => check.status === "unknown").map((check) => check.id),
        ws.name,
      ).toEqual([]);
      const otherFailures = report.checks
        .filter((check) => check.status === "fail" && !seed.has(check.id))
        .map((check) => check.id);
      expect(otherFailures, ws.name).toEqual(ws.planted.includes("service-tags-outbound") ? ["required-outbound"] : []);
    }
  });
});

// ---- the fake ARM's command line --------------------------------------------------------------------

describe("fake-arm --fleet and --generate-fleet", () => {
  test("parse: --fleet serves a generated fleet (5 subscriptions by default); --generate-fleet writes one", () => {
    expect(parseFakeArmArgs(["--fleet", "40", "--seed", "7", "--page-size", "50"])).toEqual({
      fleet: { workspaces: 40, subscriptions: 5, seed: 7 },
      latencyMs: undefined,
      logFile: undefined,
      pageSize: 50,
      throttle: undefined,
    });
    expect(parseGenerateFleetArgs(["--generate-fleet", "1000", "--subscriptions", "5", "--out", "fleet.json"])).toEqual(
      {
        fleet: { workspaces: 1000, subscriptions: 5 },
        outFile: join(process.cwd(), "fleet.json"),
      },
    );
    expect(() => parseFakeArmArgs(["--fleet", "10", "--scenario", "s.json"])).toThrow(
      /--scenario or --fleet, not both/,
    );
    expect(() => parseFakeArmArgs(["--scenario", "s.json", "--seed", "2"])).toThrow(
      /--seed cannot be used with --scenario/,
    );
    expect(() => parseFakeArmArgs(["--fleet", "0"])).toThrow(/--fleet must be an integer >= 1/);
    expect(() => parseGenerateFleetArgs(["--generate-fleet", "10", "--latency-ms", "5"])).toThrow(
      /--latency-ms cannot be used with --generate-fleet/,
    );
    expect(() => parseGenerateFleetArgs(["--generate-fleet", "10", "--seed", "x"])).toThrow(
      /--seed must be an integer/,
    );
    expect(parseGenerateFleetArgs(["--generate-fleet", "100", "--shared-dependencies", "10"]).fleet).toEqual({
      workspaces: 100,
      subscriptions: 5,
      sharedDependencies: 10,
    });
    expect(() => parseFakeArmArgs(["--scenario", "s.json", "--shared-dependencies", "10"])).toThrow(
      /--shared-dependencies cannot be used with --scenario/,
    );
    expect(() => parseFakeArmArgs(["--fleet", "10", "--shared-dependencies", "0"])).toThrow(
      /--shared-dependencies must be an integer >= 1/,
    );
  });

  test("--fleet serves the fleet: a workspace of the last subscription answers, with the ready line of --scenario", async () => {
    const { fakeArm, readyLine } = await startFromCli(parseFakeArmArgs(["--fleet", "12", "--subscriptions", "3"]));
    try {
      expect(JSON.parse(readyLine)).toEqual({ url: fakeArm.url, caFile: fakeArm.caFile });
      const ws = generateFleetScenario({ workspaces: 12, subscriptions: 3 })
        .workspaces[2] as FleetScenario["workspaces"][number];
      expect(ws.subscriptionId).toBe(fleetSubscriptionId(2));
      const { reader } = testReader(fakeArm, { maxRetries: 0 });
      const snapshot = await collectSnapshot({
        reader,
        redactor: new Redactor(),
        workspace: { subscriptionId: ws.subscriptionId, name: ws.name },
        parts: ["workspace"],
        readKeys: false,
        toolVersion: "0.0.0-test",
      });
      expect(snapshot.target.workspaceId.toLowerCase()).toBe(ws.id.toLowerCase());
    } finally {
      await fakeArm.close();
    }
  });

  /** The compiled CLI, when `tsc` has built it from the current sources. */
  const compiledCli = join(ROOT, "dist/test/fake-arm/cli.js");
  const compiledIsFresh = ["cli", "fleet-scenario"].every((name) => {
    const output = join(ROOT, `dist/test/fake-arm/${name}.js`);
    return existsSync(output) && statSync(output).mtimeMs >= statSync(join(ROOT, `test/fake-arm/${name}.ts`)).mtimeMs;
  });

  test.skipIf(!compiledIsFresh)(
    "node dist/test/fake-arm/cli.js --generate-fleet writes the generator's scenario to --out or stdout, and exits 0",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "fleet-scenario-"));
      try {
        const expected = generatedFleetJson({ workspaces: 25, subscriptions: 2, seed: 3 });
        const outFile = join(dir, "fleet.json");
        const toFile = spawnSync(
          process.execPath,
          [compiledCli, "--generate-fleet", "25", "--subscriptions", "2", "--seed", "3", "--out", outFile],
          { encoding: "utf8" },
        );
        expect(toFile.status).toBe(0);
        expect(toFile.stdout).toBe("");
        expect(await readFile(outFile, "utf8")).toBe(expected);
        const toStdout = spawnSync(
          process.execPath,
          [compiledCli, "--generate-fleet", "25", "--subscriptions", "2", "--seed", "3"],
          { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
        );
        expect(toStdout.status).toBe(0);
        expect(toStdout.stdout).toBe(expected);
        const bad = spawnSync(process.execPath, [compiledCli, "--generate-fleet", "many"], { encoding: "utf8" });
        expect(bad.status).toBe(2);
        expect(bad.stderr).toMatch(/^fake-arm: --generate-fleet must be an integer >= 1, got "many"/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
