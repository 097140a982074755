// Contract fixtures: Azure's own REST API examples (/work/shared/arm-examples), served verbatim by
// the fake ARM and read by the real collector and SDK clients. Each GET body of a type the
// collector reads is wired into a workspace as the dependency it is; the collector must keep it
// whole, and every check must give a verdict on it, odd values and all.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PreflightError } from "../src/engine/errors.js";
import { STATUSES } from "../src/engine/types.js";
import { idKey } from "../src/snapshot/ids.js";
import type { RawResource, Snapshot } from "../src/snapshot/types.js";
import type { Fault, Scenario } from "./fake-arm/scenario.js";
import { auditScenario, type AuditOptions, type AuditResult } from "./harness.js";

const EXAMPLES = "/work/shared/arm-examples";

type Json = Record<string, any>;

/** The 200 body of an example file, a fresh copy each call. */
function body(file: string): Json {
  const parsed = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8")) as Json;
  const found = parsed.responses?.["200"]?.body;
  if (!found || typeof found !== "object") throw new Error(`${file} has no 200 body`);
  return found as Json;
}

const ML = "Microsoft.MachineLearningServices";
const WORKSPACE_GET = `${ML}/2025-12-01/Workspace/get.json`;
const AML_COMPUTE = `${ML}/2025-12-01/Compute/get/AmlCompute.json`;
const VNET_GET = "Microsoft.Network/2026-03-01/VirtualNetworkGet.json";
const PE_GET = "Microsoft.Network/2026-03-01/PrivateEndpointGet.json";
const STORAGE_GET = "Microsoft.Storage/2026-09-01/StorageAccountGetProperties.json";
const REGISTRY_GET = "Microsoft.ContainerRegistry/2025-11-01/RegistryGet.json";
const WORKSPACE_KEYS = `${ML}/2026-07-01/Workspace/listKeys.json`;
const STORAGE_KEYS = "Microsoft.Storage/2025-08-01/StorageAccountListKeys.json";
const REGISTRY_CREDENTIALS = "Microsoft.ContainerRegistry/2025-11-01/RegistryListCredentials.json";

/** subscription, resource group and name from a workspace ID. */
function workspaceRef(id: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/workspaces\/([^/]+)$/i.exec(id);
  if (!match) throw new Error(`not a workspace ID: ${id}`);
  return { subscriptionId: match[1] as string, resourceGroup: match[2] as string, name: match[3] as string };
}

function parentOf(id: string): string {
  return id.slice(0, id.lastIndexOf("/", id.lastIndexOf("/") - 1));
}

/** A compute example moved under the workspace's computes collection, its body kept. */
function rehomeCompute(compute: Json, workspaceId: string): Json {
  return { ...compute, id: `${workspaceId}/computes/${compute.name}` };
}

/** The VNet example moved to another ID, with these subnets (default: its own), their IDs following it. */
function rehomeVnet(id: string, subnets?: Json[]): Json {
  const moved = body(VNET_GET);
  moved.id = id;
  moved.name = id.split("/").pop() as string;
  moved.properties.subnets = (subnets ?? (moved.properties.subnets as Json[])).map((subnet) => ({ ...subnet, id: `${id}/subnets/${subnet.name}` }));
  return moved;
}

/**
 * A workspace whose every reference resolves, built from the examples: the workspace example
 * pointing at the storage and registry examples, its private endpoint connection (the ML
 * connection example) at the private endpoint example, the AmlCompute example re-homed under it
 * in the VNet example's subnet. Each fixture swaps its example into one slot.
 */
interface Wiring {
  workspace: Json;
  storage: Json;
  registry: Json;
  /** No key vault example exists: a minimal filler at the workspace's keyVault ID. */
  keyVault: Json;
  endpoint: Json;
  /** The VNet of the endpoint's subnet: the VNet example moved there. */
  endpointVnet: Json;
  computes: Json[];
  /** The VNet that holds the computes' subnet (none when they name no readable subnet). */
  vnet: Json | undefined;
  extra: Json[];
  /** The workspace's privateEndpointConnections; default: the ML connection example pointing at `endpoint`. */
  workspaceConnections?: Json[];
  actions: Record<string, unknown>;
  faults: Fault[];
}

function baseWiring(): Wiring {
  const workspace = body(WORKSPACE_GET);
  const vnet = body(VNET_GET);
  const compute = rehomeCompute(body(AML_COMPUTE), workspace.id);
  compute.properties.properties.subnet = { id: vnet.properties.subnets[0].id };
  const wiring: Wiring = {
    workspace,
    storage: body(STORAGE_GET),
    registry: body(REGISTRY_GET),
    keyVault: {
      id: workspace.properties.keyVault,
      name: (workspace.properties.keyVault as string).split("/").pop(),
      type: "Microsoft.KeyVault/vaults",
      location: workspace.location,
      properties: { tenantId: "00000000-1111-2222-3333-444444444444", sku: { family: "A", name: "standard" } },
    },
    endpoint: body(PE_GET),
    endpointVnet: {},
    computes: [compute],
    vnet,
    extra: [],
    actions: {},
    faults: [],
  };
  return wiring;
}

function toScenario(wiring: Wiring): Scenario {
  const { workspace, storage, registry, endpoint } = wiring;
  workspace.properties.storageAccount = storage.id;
  workspace.properties.containerRegistry = registry.id;
  const connection = body(`${ML}/2026-07-01/PrivateEndpointConnection/get.json`);
  connection.id = `${workspace.id}/privateEndpointConnections/${connection.name}`;
  connection.properties.privateEndpoint.id = endpoint.id;
  workspace.properties.privateEndpointConnections = wiring.workspaceConnections ?? [connection];
  const endpointSubnet = endpoint.properties.subnet.id as string;
  const endpointVnet = rehomeVnet(parentOf(endpointSubnet), [{ ...body(VNET_GET).properties.subnets[0], name: endpointSubnet.split("/").pop() }]);
  // An endpoint lives in its VNet's region.
  endpointVnet.location = endpoint.location;
  wiring.endpointVnet = endpointVnet;
  const resources = [workspace, storage, registry, wiring.keyVault, endpoint, endpointVnet, ...wiring.computes, ...(wiring.vnet ? [wiring.vnet] : []), ...wiring.extra];
  const unique = resources.filter((resource, index) => resources.findIndex((other) => idKey(other.id) === idKey(resource.id)) === index);
  return {
    resources: unique as Scenario["resources"],
    // The listKeys / listCredentials examples answer for the workspace, storage account and registry.
    actions: {
      [`${workspace.id}/listKeys`]: body(WORKSPACE_KEYS),
      [`${storage.id}/listKeys`]: body(STORAGE_KEYS),
      [`${registry.id}/listCredentials`]: body(REGISTRY_CREDENTIALS),
      ...wiring.actions,
    },
    faults: wiring.faults,
  };
}

/** The private endpoint example moved to another ID and region. */
function rehomeEndpoint(id: string, location: string): Json {
  const moved = body(PE_GET);
  moved.id = id;
  moved.name = id.split("/").pop();
  moved.location = location;
  return moved;
}

function resourceIn(snapshot: Snapshot, id: string): RawResource {
  const found = snapshot.resources.find((candidate) => typeof candidate.id === "string" && idKey(candidate.id) === idKey(id));
  if (!found) throw new Error(`${id} is not in the snapshot`);
  return found;
}

interface Fixture {
  file: string;
  /** Swap the example into its slot. */
  wire?(wiring: Wiring): void;
  /** IDs (not resources) the collector may fail on, e.g. the computes' "test-subnet-resource-id". */
  allowedErrors?: string[];
  pageSize?: number;
  verify(result: AuditResult, wiring: Wiring): void;
}

function computeFixture(file: string, pageSize?: number): Fixture {
  return {
    file,
    ...(pageSize ? { pageSize } : {}),
    wire(wiring) {
      const found = body(file);
      const examples = Array.isArray(found.value) ? (found.value as Json[]) : [found];
      wiring.computes = examples.map((compute) => rehomeCompute(compute, wiring.workspace.id));
      wiring.vnet = undefined;
    },
    allowedErrors: ["test-subnet-resource-id"],
    verify(result, wiring) {
      for (const compute of wiring.computes) {
        const raw = resourceIn(result.snapshot, compute.id) as Json;
        expect(raw.name).toBe(compute.name);
        expect(raw.location).toBe(compute.location);
        expect(raw.properties.computeType).toBe(compute.properties.computeType);
        expect(raw.properties.createdOn).toBe(compute.properties.createdOn);
        expect(raw.properties.properties ?? null).toEqual(compute.properties.properties ?? null);
      }
    },
  };
}

function storageFixture(file: string): Fixture {
  return {
    file,
    wire(wiring) {
      wiring.storage = body(file);
    },
    verify(result, wiring) {
      const raw = resourceIn(result.snapshot, wiring.storage.id) as Json;
      expect(raw.id).toBe(wiring.storage.id);
      expect(raw.location).toBe("eastus2(stage)");
      expect(raw.sku).toEqual(wiring.storage.sku);
      expect(raw.properties.networkAcls).toEqual(wiring.storage.properties.networkAcls);
      expect(raw.properties.encryption).toEqual(wiring.storage.properties.encryption);
      expect(raw.properties.publicNetworkAccess).toBe(wiring.storage.properties.publicNetworkAccess);
      // The "{subscription-id}" placeholder subscription was read through its own client, and its keys too.
      expect(result.requests.some((request) => request.method === "POST" && /%7Bsubscription-id%7D|\{subscription-id\}/i.test(request.path))).toBe(true);
    },
  };
}

function privateEndpointFixture(file: string): Fixture {
  return {
    file,
    wire(wiring) {
      wiring.endpoint = body(file);
    },
    verify(result, wiring) {
      const example = wiring.endpoint;
      const raw = resourceIn(result.snapshot, example.id) as Json;
      expect(raw.location).toBe("eastus");
      expect(raw.properties.subnet).toEqual(example.properties.subnet);
      expect(raw.properties.privateLinkServiceConnections).toEqual(example.properties.privateLinkServiceConnections);
      expect(raw.properties.manualPrivateLinkServiceConnections).toEqual(example.properties.manualPrivateLinkServiceConnections);
      // The misspelt "provders" network interface ID is kept as the wire said it.
      expect(raw.properties.networkInterfaces[0].id).toContain("/provders/");
      expect(result.snapshot.privateEndpointTypes.eastus).toBeDefined();
      expect(result.check("private-endpoint-region").findings.some((finding) => finding.resourceId === example.id)).toBe(true);
    },
  };
}

function subnetFixture(file: string): Fixture {
  return {
    file,
    wire(wiring) {
      const subnet = body(file);
      const vnet = rehomeVnet(parentOf(subnet.id), []);
      vnet.properties.subnets = [subnet];
      wiring.vnet = vnet;
      for (const compute of wiring.computes) compute.properties.properties.subnet = { id: subnet.id };
    },
    verify(result, wiring) {
      const raw = resourceIn(result.snapshot, wiring.vnet!.id) as Json;
      expect(raw.properties.subnets).toEqual(wiring.vnet!.properties.subnets);
      expect(result.check("service-tags-outbound").findings.map((finding) => finding.messageId)).toEqual(["no-nsg", "no-nsg"]);
    },
  };
}

function peeringFixture(file: string): Fixture {
  return {
    file,
    wire(wiring) {
      const example = body(file);
      const peerings = Array.isArray(example.value) ? (example.value as Json[]) : [example];
      const vnet = rehomeVnet(parentOf(peerings[0]!.id));
      vnet.properties.virtualNetworkPeerings = peerings;
      wiring.vnet = vnet;
      for (const compute of wiring.computes) compute.properties.properties.subnet = { id: vnet.properties.subnets[0].id };
    },
    verify(result, wiring) {
      const raw = resourceIn(result.snapshot, wiring.vnet!.id) as Json;
      expect(raw.properties.virtualNetworkPeerings).toEqual(wiring.vnet!.properties.virtualNetworkPeerings);
      expect(raw.properties.virtualNetworkPeerings[0].properties.peeringState).toBe("Initiated");
    },
  };
}

function endpointTypesFixture(file: string): Fixture {
  return {
    file,
    wire(wiring) {
      // The fake builds its own availablePrivateEndpointTypes bodies; a fault with `body` serves the example verbatim.
      wiring.faults.push({ method: "GET", path: "/providers/Microsoft.Network/locations/eastus/availablePrivateEndpointTypes$", body: JSON.stringify(body(file)) });
    },
    verify(result) {
      expect(result.snapshot.privateEndpointTypes.eastus).toEqual(["Microsoft.Provider/resourceType"]);
      expect(result.snapshot.errors.filter((error) => /availablePrivateEndpointTypes/i.test(error.resourceId))).toEqual([]);
    },
  };
}

/** A private endpoint connection example inside its owner, the endpoints it names served (the PE example moved there). */
function connectionsFixture(file: string, owner: "workspace" | "storage" | "registry"): Fixture {
  return {
    file,
    wire(wiring) {
      const found = body(file);
      const connections = Array.isArray(found.value) ? (found.value as Json[]) : [found];
      const endpointIds = [...new Set(connections.map((connection) => connection.properties.privateEndpoint.id as string))];
      if (owner === "workspace") {
        wiring.workspaceConnections = connections;
        wiring.endpoint = rehomeEndpoint(endpointIds[0]!, wiring.workspace.location);
        return;
      }
      const target = owner === "storage" ? wiring.storage : wiring.registry;
      target.properties.privateEndpointConnections = connections;
      wiring.extra.push(...endpointIds.map((id) => rehomeEndpoint(id, target.location)));
    },
    verify(result, wiring) {
      const found = body(file);
      const connections = Array.isArray(found.value) ? (found.value as Json[]) : [found];
      const target = owner === "workspace" ? wiring.workspace : owner === "storage" ? wiring.storage : wiring.registry;
      const raw = resourceIn(result.snapshot, target.id) as Json;
      expect(raw.properties.privateEndpointConnections).toEqual(connections);
      const endpointIds = new Set(connections.map((connection) => idKey(connection.properties.privateEndpoint.id)));
      const judged = result.check("private-endpoint-region").findings.filter((finding) => endpointIds.has(idKey(finding.resourceId)));
      expect(judged.length).toBeGreaterThan(0);
      // Regions such as "eastus2(stage)" are looked up like any other.
      expect(Object.keys(result.snapshot.privateEndpointTypes)).toContain(target.location.toLowerCase().replace(/[\s_-]/g, ""));
    },
  };
}

const fixtures: Fixture[] = [
  {
    file: WORKSPACE_GET,
    verify(result, wiring) {
      const example = body(WORKSPACE_GET);
      const raw = resourceIn(result.snapshot, example.id) as Json;
      expect(raw.location).toBe("eastus2euap");
      expect(raw.identity).toEqual(example.identity);
      expect(raw.properties.imageBuildCompute).toBe("testcompute");
      expect(raw.properties.managedNetwork).toEqual(example.properties.managedNetwork);
      expect(raw.properties.encryption).toEqual(example.properties.encryption);
      expect(raw.properties.sharedPrivateLinkResources).toEqual(example.properties.sharedPrivateLinkResources);
      expect(raw.properties.privateEndpointConnections).toEqual(wiring.workspace.properties.privateEndpointConnections);
      expect(result.snapshot.target).toMatchObject({ workspace: "testworkspace", resourceGroup: "workspace-1234", location: "eastus2euap" });
    },
  },
  computeFixture(AML_COMPUTE),
  computeFixture(`${ML}/2026-07-01/Compute/get/ComputeInstance.json`),
  computeFixture(`${ML}/2026-07-01/Compute/get/AKSCompute.json`),
  // One compute per page: the list is paged through nextLink.
  computeFixture(`${ML}/2026-07-01/Compute/list.json`, 1),
  storageFixture(STORAGE_GET),
  storageFixture("Microsoft.Storage/2026-09-01/StorageAccountGetPropertiesCMKEnabled.json"),
  storageFixture("Microsoft.Storage/2026-09-01/StorageAccountGetPropertiesGeoReplicationStatscanFailoverFalse.json"),
  storageFixture("Microsoft.Storage/2026-09-01/StorageAccountUpdateDisablePublicNetworkAccess.json"),
  {
    file: REGISTRY_GET,
    verify(result, wiring) {
      const raw = resourceIn(result.snapshot, wiring.registry.id) as Json;
      expect(raw.sku).toEqual(wiring.registry.sku);
      expect(raw.properties.networkRuleSet).toEqual(wiring.registry.properties.networkRuleSet);
      expect(raw.properties.adminUserEnabled).toBe(false);
      expect(raw.properties.policies).toEqual(wiring.registry.properties.policies);
      expect(raw.properties.status).toBeNull();
    },
  },
  privateEndpointFixture(PE_GET),
  privateEndpointFixture("Microsoft.Network/2026-01-01/PrivateEndpointGetForManualApproval.json"),
  {
    file: VNET_GET,
    verify(result, wiring) {
      const raw = resourceIn(result.snapshot, wiring.vnet!.id) as Json;
      expect(raw.location).toBe("westus");
      expect(raw.properties.addressSpace).toEqual(wiring.vnet!.properties.addressSpace);
      expect(raw.properties.defaultPublicNatGateway).toEqual(wiring.vnet!.properties.defaultPublicNatGateway);
      expect(raw.properties.subnets).toEqual(wiring.vnet!.properties.subnets);
      // The subnet has no NSG: nothing filters outbound 443.
      expect(result.check("service-tags-outbound").findings.map((finding) => finding.messageId)).toEqual(["no-nsg", "no-nsg"]);
    },
  },
  {
    file: "Microsoft.Network/2026-01-01/NetworkSecurityGroupGet.json",
    wire(wiring) {
      const nsg = body("Microsoft.Network/2026-01-01/NetworkSecurityGroupGet.json");
      wiring.vnet!.properties.subnets[0].properties.networkSecurityGroup = { id: nsg.id };
      wiring.extra.push(nsg);
    },
    verify(result, wiring) {
      const nsg = wiring.extra[0] as Json;
      const raw = resourceIn(result.snapshot, nsg.id) as Json;
      expect(raw.properties.securityRules).toEqual(nsg.properties.securityRules);
      expect(raw.properties.defaultSecurityRules).toEqual(nsg.properties.defaultSecurityRules);
      // Only Azure's default rules apply outbound: AllowInternetOutBound lets 443 out.
      const check = result.check("service-tags-outbound");
      expect(check.status).toBe("pass");
      expect(check.findings.map((finding) => (finding.evidence.decidingRule as Json).name)).toEqual(["AllowInternetOutBound", "AllowInternetOutBound"]);
    },
  },
  subnetFixture("Microsoft.Network/2026-03-01/SubnetGet.json"),
  subnetFixture("Microsoft.Network/2026-03-01/SubnetGetWithDelegation.json"),
  subnetFixture("Microsoft.Network/2026-03-01/SubnetCreateServiceEndpoint.json"),
  peeringFixture("Microsoft.Network/2026-03-01/VirtualNetworkPeeringGet.json"),
  peeringFixture("Microsoft.Network/2026-03-01/VirtualNetworkPeeringList.json"),
  connectionsFixture(`${ML}/2025-12-01/PrivateEndpointConnection/list.json`, "workspace"),
  connectionsFixture("Microsoft.Storage/2026-09-01/StorageAccountListPrivateEndpointConnections.json", "storage"),
  connectionsFixture("Microsoft.ContainerRegistry/2025-11-01/PrivateEndpointConnectionGet.json", "registry"),
  connectionsFixture("Microsoft.ContainerRegistry/2025-11-01/PrivateEndpointConnectionList.json", "registry"),
  endpointTypesFixture("Microsoft.Network/2026-03-01/AvailablePrivateEndpointTypesGet.json"),
  endpointTypesFixture("Microsoft.Network/2026-01-01/AvailablePrivateEndpointTypesResourceGroupGet.json"),
];

/** Every check answered with a verdict from its own logic: a status, no crash, no empty run, no gap. */
function expectVerdicts(result: AuditResult): void {
  expect(result.report.checks.map((check) => check.id).sort()).toEqual(
    ["acr-vnet-image-build", "key-sync", "private-endpoint-region", "service-tags-outbound", "subnet-colocation"],
  );
  for (const check of result.report.checks) {
    expect(STATUSES).toContain(check.status);
    expect(check.findings.length, check.id).toBeGreaterThan(0);
    for (const finding of check.findings) {
      expect(STATUSES).toContain(finding.status);
      expect(["check-crashed", "no-findings", "dangling-reference", "part-unreadable", "part-not-collected"], `${check.id}: ${finding.message}`).not.toContain(finding.messageId);
    }
  }
}

/** Every served resource was read and kept whole (none of these bodies holds a secret), and no read failed but on the allowed IDs. */
function expectCollected(result: AuditResult, scenario: Scenario, allowedErrors: string[] = []): void {
  const allowed = new Set(allowedErrors.map(idKey));
  expect(result.snapshot.errors.filter((error) => !allowed.has(idKey(error.resourceId)))).toEqual([]);
  for (const resource of scenario.resources) expect(resourceIn(result.snapshot, resource.id), resource.id).toEqual(resource);
}

describe("ARM example GET bodies load into a snapshot and every check gives a verdict", () => {
  test.each(fixtures)("$file", async (fixture) => {
    const wiring = baseWiring();
    fixture.wire?.(wiring);
    const scenario = toScenario(wiring);
    const result = await auditScenario(scenario, {
      workspace: workspaceRef(wiring.workspace.id),
      ...(fixture.pageSize ? { pageSize: fixture.pageSize } : {}),
    });
    expectCollected(result, scenario, fixture.allowedErrors);
    fixture.verify(result, wiring);
    expectVerdicts(result);
  });
});

describe("listKeys / listCredentials examples as actions", () => {
  const cases = [
    {
      name: "as published: userStorageKey null (storage skipped); registry admin user enabled: cached '<value>'/'0KARR…' match none of listCredentials' zeros",
      cachedStorageKey: undefined,
      adminUserEnabled: true,
      storage: "skip",
      registry: "fail",
    },
    {
      name: "cached storage key set to the placeholder '<value>' (matches key1); registry admin user disabled (skipped)",
      cachedStorageKey: "<value>",
      adminUserEnabled: false,
      storage: "pass",
      registry: "skip",
    },
  ] as const;

  test.each(cases)("$name", async ({ cachedStorageKey, adminUserEnabled, storage, registry }) => {
    const wiring = baseWiring();
    wiring.registry.properties.adminUserEnabled = adminUserEnabled;
    const workspaceKeys = body(WORKSPACE_KEYS);
    if (cachedStorageKey !== undefined) workspaceKeys.userStorageKey = cachedStorageKey;
    wiring.actions[`${wiring.workspace.id}/listKeys`] = workspaceKeys;
    const scenario = toScenario(wiring);
    const result = await auditScenario(scenario, { workspace: workspaceRef(wiring.workspace.id) });
    expectCollected(result, scenario);
    expectVerdicts(result);

    const keySync = result.check("key-sync");
    const byResource = (id: string) => keySync.findings.find((finding) => finding.resourceId === id);
    expect(byResource(wiring.storage.id)?.status).toBe(storage);
    expect(byResource(wiring.registry.id)?.status).toBe(registry);
    if (storage === "pass") expect(byResource(wiring.storage.id)?.evidence.matchedName).toBe("key1");
    const posts = result.requests.filter((request) => request.method === "POST").length;
    expect(posts).toBe(adminUserEnabled ? 3 : 2);

    // Values long enough to be told apart from ordinary text ("<value>" is a placeholder).
    const secrets = [
      ...(workspaceKeys.containerRegistryCredentials.passwords as Json[]).map((entry) => entry.value as string),
      ...(body(REGISTRY_CREDENTIALS).passwords as Json[]).map((entry) => entry.value as string),
    ].filter((value) => value.length >= 8);
    expect(secrets.length).toBeGreaterThan(0);
    const text = JSON.stringify(result.snapshot) + JSON.stringify(result.report);
    for (const secret of secrets) expect(text.includes(secret), "a secret leaked").toBe(false);
  });
});

describe("workspace list examples (resource group found by listing the subscription)", () => {
  test(`${ML}/2026-07-01/Workspace/listBySubscription.json: a name in two resource groups is ambiguous`, async () => {
    const list = body(`${ML}/2026-07-01/Workspace/listBySubscription.json`);
    const { subscriptionId, name } = workspaceRef((list.value as Json[])[0]!.id);
    const attempt = auditScenario({ resources: list.value }, { workspace: { subscriptionId, resourceGroup: undefined, name } });
    await expect(attempt).rejects.toBeInstanceOf(PreflightError);
    await expect(attempt).rejects.toThrow(/workspace-1234.*workspace-5678|workspace-5678.*workspace-1234/);
  });

  test(`${ML}/2025-12-01/Workspace/listByResourceGroup.json: a unique name resolves its resource group`, async () => {
    const list = body(`${ML}/2025-12-01/Workspace/listByResourceGroup.json`);
    const first = (list.value as Json[])[0]!;
    const { subscriptionId, name } = workspaceRef(first.id);
    const scenario: Scenario = { resources: list.value, actions: { [`${first.id}/listKeys`]: body(WORKSPACE_KEYS) } };
    const result = await auditScenario(scenario, { workspace: { subscriptionId, resourceGroup: undefined, name } });
    expect(result.snapshot.target).toMatchObject({ resourceGroup: "workspace-1234", workspace: "testworkspace" });
    // The list entries name a storage account, registry and key vault that are not served: only those reads fail.
    expect(result.snapshot.errors.map((error) => error.statusCode)).toEqual([404, 404, 404]);
    expect((resourceIn(result.snapshot, first.id) as Json).properties.friendlyName).toBe(first.properties.friendlyName);
    for (const check of result.report.checks) {
      expect(STATUSES).toContain(check.status);
      for (const finding of check.findings) expect(finding.messageId).not.toBe("check-crashed");
    }
  });
});
