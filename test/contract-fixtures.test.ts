// Contract fixtures: Azure's own REST API examples (test/fixtures/arm-examples), served verbatim by
// the fake ARM and read by the real collector and SDK clients. Each GET body of a type the
// collector reads is wired into a workspace as the dependency it is; the collector must keep it
// whole, and every check must give a verdict on it, odd values and all. The last test holds every
// example of MANIFEST.tsv to account: served here, or named with the reason it is not read.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CHECKS } from "../checks/index.js";
import { PreflightError } from "../src/core/errors.js";
import { prepareSnapshot } from "../src/engine/parts.js";
import { STATUSES } from "../src/core/status.js";
import { idKey } from "../src/snapshot/ids.js";
import type { RawResource, Snapshot } from "../src/snapshot/types.js";
import type { AsyncAction, Fault, Scenario } from "./fake-arm/scenario.js";
import { ARM_EXAMPLES, armExampleBody } from "./fixtures/arm-examples.js";
import { auditScenario, type AuditResult } from "./harness.js";

type Json = Record<string, any>;

const body = (file: string): Json => armExampleBody<Json>(file);

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
const WORKSPACE_CONNECTION = `${ML}/2026-07-01/PrivateEndpointConnection/get.json`;
const WORKSPACES_BY_SUBSCRIPTION = `${ML}/2026-07-01/Workspace/listBySubscription.json`;
const WORKSPACES_BY_GROUP = `${ML}/2025-12-01/Workspace/listByResourceGroup.json`;
const DIAGNOSE = `${ML}/2025-12-01/Workspace/diagnose.json`;
const NSG_GET = "Microsoft.Network/2026-01-01/NetworkSecurityGroupGet.json";
const ROUTE_TABLE_GET = "Microsoft.Network/2026-01-01/RouteTableGet.json";
const ZONE_GROUP_GET = "Microsoft.Network/2025-09-01/PrivateEndpointDnsZoneGroupGet.json";
const ZONE_GET = "Microsoft.Network.privatedns/2024-06-01/PrivateZoneGet.json";
const LINK_GET = "Microsoft.Network.privatedns/2024-06-01/VirtualNetworkLinkGet.json";
const LINK_LIST = "Microsoft.Network.privatedns/2024-06-01/VirtualNetworkLinkList.json";

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
  moved.properties.subnets = (subnets ?? (moved.properties.subnets as Json[])).map((subnet) => ({
    ...subnet,
    id: `${id}/subnets/${subnet.name}`,
  }));
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
  /** Private DNS (none by default, see wireDns): `endpoint`'s zone group, the zones it names, their VNet links. */
  dns: { zoneGroup: Json; zones: Json[]; links: Json[] } | undefined;
  actions: Record<string, unknown>;
  /** Long-running POST actions (the diagnose). */
  asyncActions: Record<string, AsyncAction>;
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
    dns: undefined,
    actions: {},
    asyncActions: {},
    faults: [],
  };
  return wiring;
}

function toScenario(wiring: Wiring): Scenario {
  const { workspace, storage, registry, endpoint } = wiring;
  workspace.properties.storageAccount = storage.id;
  workspace.properties.containerRegistry = registry.id;
  const connection = body(WORKSPACE_CONNECTION);
  connection.id = `${workspace.id}/privateEndpointConnections/${connection.name}`;
  connection.properties.privateEndpoint.id = endpoint.id;
  workspace.properties.privateEndpointConnections = wiring.workspaceConnections ?? [connection];
  const endpointSubnet = endpoint.properties.subnet.id as string;
  const endpointVnet = rehomeVnet(parentOf(endpointSubnet), [
    { ...body(VNET_GET).properties.subnets[0], name: endpointSubnet.split("/").pop() },
  ]);
  // An endpoint lives in its VNet's region.
  endpointVnet.location = endpoint.location;
  wiring.endpointVnet = endpointVnet;
  const dns = wiring.dns ? [wiring.dns.zoneGroup, ...wiring.dns.zones, ...wiring.dns.links] : [];
  const resources = [
    workspace,
    storage,
    registry,
    wiring.keyVault,
    endpoint,
    endpointVnet,
    ...wiring.computes,
    ...(wiring.vnet ? [wiring.vnet] : []),
    ...wiring.extra,
    ...dns,
  ];
  const unique = resources.filter(
    (resource, index) => resources.findIndex((other) => idKey(other.id) === idKey(resource.id)) === index,
  );
  return {
    resources: unique as Scenario["resources"],
    // The listKeys / listCredentials examples answer for the workspace, storage account and registry.
    actions: {
      [`${workspace.id}/listKeys`]: body(WORKSPACE_KEYS),
      [`${storage.id}/listKeys`]: body(STORAGE_KEYS),
      [`${registry.id}/listCredentials`]: body(REGISTRY_CREDENTIALS),
      ...wiring.actions,
    },
    asyncActions: wiring.asyncActions,
    faults: wiring.faults,
  };
}

/**
 * The workspace example isolates its computes in a managed network (AllowOnlyApprovedOutbound), where
 * the checks of the customer's VNet (NSGs, routes, private DNS) skip. Fixtures about those bodies turn
 * the isolation off so that the checks judge them.
 */
function customerNetwork(wiring: Wiring): void {
  wiring.workspace.properties.managedNetwork.isolationMode = "Disabled";
}

/** The private DNS zone IDs a zone group names. */
function zoneIdsOf(zoneGroup: Json): string[] {
  return (zoneGroup.properties.privateDnsZoneConfigs as Json[]).map(
    (config) => config.properties.privateDnsZoneId as string,
  );
}

/**
 * Private DNS for the workspace's endpoint: the zone group example under it, the zone example at each
 * zone the group names, and these links (default: the link example) under each zone, bodies kept.
 */
function wireDns(wiring: Wiring, links: Json[] = [body(LINK_GET)]): void {
  customerNetwork(wiring);
  const zoneGroup = body(ZONE_GROUP_GET);
  // The example's ID puts the group under ".../privateLinkServices/testPe", a slip in the spec: its
  // operation (PrivateDnsZoneGroups_Get) and parameters (privateEndpointName "testPe") put it under a
  // private endpoint, and ARM lists zone groups at "<private endpoint ID>/privateDnsZoneGroups", where the
  // collector reads them. So it moves under the endpoint it belongs to; the rest of the body is kept.
  zoneGroup.id = `${wiring.endpoint.id}/privateDnsZoneGroups/${zoneGroup.name}`;
  const zoneIds = zoneIdsOf(zoneGroup);
  wiring.dns = {
    zoneGroup,
    zones: zoneIds.map((id) => ({ ...body(ZONE_GET), id, name: id.split("/").pop() })),
    links: zoneIds.flatMap((zoneId) =>
      links.map((link) => ({ ...link, id: `${zoneId}/virtualNetworkLinks/${link.name}` })),
    ),
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
  const found = snapshot.resources.find(
    (candidate) => typeof candidate.id === "string" && idKey(candidate.id) === idKey(id),
  );
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
      expect(
        result.requests.some(
          (request) => request.method === "POST" && /%7Bsubscription-id%7D|\{subscription-id\}/i.test(request.path),
        ),
      ).toBe(true);
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
      expect(raw.properties.manualPrivateLinkServiceConnections).toEqual(
        example.properties.manualPrivateLinkServiceConnections,
      );
      // The misspelt "provders" network interface ID is kept as the wire said it.
      expect(raw.properties.networkInterfaces[0].id).toContain("/provders/");
      expect(result.snapshot.privateEndpointTypes.eastus).toBeDefined();
      expect(
        result.check("private-endpoint-region").findings.some((finding) => finding.resourceId === example.id),
      ).toBe(true);
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
      customerNetwork(wiring);
    },
    verify(result, wiring) {
      const raw = resourceIn(result.snapshot, wiring.vnet!.id) as Json;
      expect(raw.properties.subnets).toEqual(wiring.vnet!.properties.subnets);
      expect(result.check("service-tags-outbound").findings.map((finding) => finding.messageId)).toEqual([
        "no-nsg",
        "no-nsg",
      ]);
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
      for (const compute of wiring.computes)
        compute.properties.properties.subnet = { id: vnet.properties.subnets[0].id };
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
      wiring.faults.push({
        method: "GET",
        path: "/providers/Microsoft.Network/locations/eastus/availablePrivateEndpointTypes$",
        body: JSON.stringify(body(file)),
      });
    },
    verify(result) {
      expect(result.snapshot.privateEndpointTypes.eastus).toEqual(["Microsoft.Provider/resourceType"]);
      expect(result.snapshot.errors.filter((error) => /availablePrivateEndpointTypes/i.test(error.resourceId))).toEqual(
        [],
      );
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
      const endpointIds = [
        ...new Set(connections.map((connection) => connection.properties.privateEndpoint.id as string)),
      ];
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
      const judged = result
        .check("private-endpoint-region")
        .findings.filter((finding) => endpointIds.has(idKey(finding.resourceId)));
      expect(judged.length).toBeGreaterThan(0);
      // Regions such as "eastus2(stage)" are looked up like any other.
      expect(Object.keys(result.snapshot.privateEndpointTypes)).toContain(
        target.location.toLowerCase().replace(/[\s_-]/g, ""),
      );
    },
  };
}

/** GET requests whose path (decoded, without the query) is `path`, case-insensitive. */
function getsOf(result: AuditResult, path: string): number {
  return result.requests.filter(
    (request) =>
      request.method === "GET" && idKey(decodeURIComponent(request.path.split("?")[0] as string)) === idKey(path),
  ).length;
}

/** A private DNS example in its place (see wireDns); every check judges it, private-dns on the endpoint. */
function dnsFixture(file: string, fixture: Omit<Fixture, "file" | "wire"> & { links?: () => Json[] }): Fixture {
  return {
    file,
    ...(fixture.pageSize ? { pageSize: fixture.pageSize } : {}),
    wire(wiring) {
      wireDns(wiring, fixture.links?.());
    },
    verify(result, wiring) {
      const { zoneGroup, zones } = wiring.dns!;
      // The group was listed under its endpoint, and each zone it names was read once with its links.
      expect(getsOf(result, `${wiring.endpoint.id}/privateDnsZoneGroups`)).toBe(1);
      for (const zone of zones) {
        expect(getsOf(result, zone.id), zone.id).toBe(1);
        expect(getsOf(result, `${zone.id}/virtualNetworkLinks`), zone.id).toBeGreaterThan(0);
      }
      expect(zones.map((zone) => zone.id)).toEqual(zoneIdsOf(zoneGroup));
      expect(result.check("private-dns").findings.some((finding) => finding.status !== "skip")).toBe(true);
      fixture.verify(result, wiring);
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
      expect(result.snapshot.target).toMatchObject({
        workspace: "testworkspace",
        resourceGroup: "workspace-1234",
        location: "eastus2euap",
      });
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
    wire: customerNetwork,
    verify(result, wiring) {
      const raw = resourceIn(result.snapshot, wiring.vnet!.id) as Json;
      expect(raw.location).toBe("westus");
      expect(raw.properties.addressSpace).toEqual(wiring.vnet!.properties.addressSpace);
      expect(raw.properties.defaultPublicNatGateway).toEqual(wiring.vnet!.properties.defaultPublicNatGateway);
      expect(raw.properties.subnets).toEqual(wiring.vnet!.properties.subnets);
      // The subnet has no NSG: nothing filters outbound 443.
      expect(result.check("service-tags-outbound").findings.map((finding) => finding.messageId)).toEqual([
        "no-nsg",
        "no-nsg",
      ]);
    },
  },
  {
    file: NSG_GET,
    wire(wiring) {
      customerNetwork(wiring);
      const nsg = body(NSG_GET);
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
      expect(check.findings.map((finding) => (finding.evidence.decidingRule as Json).name)).toEqual([
        "AllowInternetOutBound",
        "AllowInternetOutBound",
      ]);
    },
  },
  {
    file: ROUTE_TABLE_GET,
    wire(wiring) {
      customerNetwork(wiring);
      const routeTable = body(ROUTE_TABLE_GET);
      wiring.vnet!.properties.subnets[0].properties.routeTable = { id: routeTable.id };
      wiring.extra.push(routeTable);
    },
    verify(result, wiring) {
      const routeTable = wiring.extra[0] as Json;
      const raw = resourceIn(result.snapshot, routeTable.id) as Json;
      expect(raw.properties.routes).toEqual(routeTable.properties.routes);
      expect(getsOf(result, routeTable.id)).toBe(1);
      // The route table view reads Azure's shape: one route to 10.0.3.0/24 through the VNet gateway.
      expect(prepareSnapshot(result.snapshot).parts.routeTables(routeTable.id)).toEqual({
        ok: true,
        value: {
          id: routeTable.id,
          location: "westus",
          disableBgpRoutePropagation: false,
          routes: [{ name: "route1", addressPrefix: "10.0.3.0/24", nextHopType: "VirtualNetworkGateway" }],
        },
      });
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
  dnsFixture(ZONE_GROUP_GET, {
    verify(result, wiring) {
      const { zoneGroup } = wiring.dns!;
      const raw = resourceIn(result.snapshot, zoneGroup.id) as Json;
      expect(raw.properties.privateDnsZoneConfigs).toEqual(body(ZONE_GROUP_GET).properties.privateDnsZoneConfigs);
      // The engine finds the group under its endpoint, both zones and their A records in it.
      const groups = prepareSnapshot(result.snapshot).parts.privateDns.zoneGroups(wiring.endpoint.id);
      expect(
        groups.ok &&
          groups.value.map((group) =>
            group.zones.map((zone) => [zone.zoneName, zone.recordSets.map((record) => record.fqdn)]),
          ),
      ).toEqual([
        [
          ["zone1.com", ["abc.zone1.com", "abc2.zone1.com"]],
          ["zone2.com", ["abc.zone2.com", "abc2.zone2.com"]],
        ],
      ]);
    },
  }),
  dnsFixture(ZONE_GET, {
    verify(result, wiring) {
      const example = body(ZONE_GET);
      for (const zone of wiring.dns!.zones) {
        const raw = resourceIn(result.snapshot, zone.id) as Json;
        expect(raw.location).toBe("global");
        expect(raw.etag).toBe(example.etag);
        expect(raw.tags).toEqual(example.tags);
        expect(raw.properties).toEqual(example.properties);
        expect(prepareSnapshot(result.snapshot).parts.privateDns.zone(zone.id)).toEqual({
          ok: true,
          value: { id: zone.id, name: zone.name },
        });
      }
    },
  }),
  dnsFixture(LINK_GET, {
    verify(result, wiring) {
      const example = body(LINK_GET);
      for (const zone of wiring.dns!.zones) {
        const links = prepareSnapshot(result.snapshot).parts.privateDns.zoneLinks(zone.id);
        expect(links).toEqual({
          ok: true,
          value: [
            {
              id: `${zone.id}/virtualNetworkLinks/virtualNetworkLink1`,
              name: "virtualNetworkLink1",
              vnetId: example.properties.virtualNetwork.id,
              linkState: "Completed",
              provisioningState: "Succeeded",
            },
          ],
        });
      }
    },
  }),
  // One link per page: the fake pages the list through its own nextLink.
  dnsFixture(LINK_LIST, {
    pageSize: 1,
    // The example's nextLink points at management.azure.com with a made-up skipToken; the fake pages by itself.
    links: () => body(LINK_LIST).value as Json[],
    verify(result, wiring) {
      const example = body(LINK_LIST).value as Json[];
      for (const zone of wiring.dns!.zones) {
        const prefix = `${idKey(zone.id)}/virtualnetworklinks/`;
        const raw = result.snapshot.resources.filter(
          (resource) => typeof resource.id === "string" && idKey(resource.id).startsWith(prefix),
        ) as Json[];
        expect(raw.map(({ id: _id, ...rest }) => rest)).toEqual(example.map(({ id: _id, ...rest }) => rest));
        expect(getsOf(result, `${zone.id}/virtualNetworkLinks`)).toBe(2);
        const links = prepareSnapshot(result.snapshot).parts.privateDns.zoneLinks(zone.id);
        expect(links.ok && links.value.map((link) => link.linkState)).toEqual(["Completed", "InProgress"]);
      }
    },
  }),
  // RecordSetAList.json is not served: the collector reads no record sets (an endpoint's A records come
  // inside its zone group's privateDnsZoneConfigs[].properties.recordSets).
  endpointTypesFixture("Microsoft.Network/2026-03-01/AvailablePrivateEndpointTypesGet.json"),
  endpointTypesFixture("Microsoft.Network/2026-01-01/AvailablePrivateEndpointTypesResourceGroupGet.json"),
];

/** Every check answered with a verdict from its own logic: a status, no crash, no empty run, no gap. */
function expectVerdicts(result: AuditResult): void {
  expect(result.report.checks.map((check) => check.id).sort()).toEqual(CHECKS.map((check) => check.id).sort());
  for (const check of result.report.checks) {
    expect(STATUSES).toContain(check.status);
    expect(check.findings.length, check.id).toBeGreaterThan(0);
    for (const finding of check.findings) {
      expect(STATUSES).toContain(finding.status);
      expect(
        ["check-crashed", "no-findings", "dangling-reference", "part-unreadable", "part-not-collected"],
        `${check.id}: ${finding.message}`,
      ).not.toContain(finding.messageId);
    }
  }
}

/** Every served resource was read and kept whole (none of these bodies holds a secret), and no read failed but on the allowed IDs. */
function expectCollected(result: AuditResult, scenario: Scenario, allowedErrors: string[] = []): void {
  const allowed = new Set(allowedErrors.map(idKey));
  expect(result.snapshot.errors.filter((error) => !allowed.has(idKey(error.resourceId)))).toEqual([]);
  for (const resource of scenario.resources)
    expect(resourceIn(result.snapshot, resource.id), resource.id).toEqual(resource);
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

describe(`${DIAGNOSE} (--diagnose)`, () => {
  // The same 200 body, once as Azure sends it (202 + Location, polled) and once answered at once.
  const cases = [
    { name: "long-running: 202 with Location, polled until 200", polls: 2 },
    { name: "answered at once: 200", polls: 0 },
  ];

  test.each(cases)("$name", async ({ polls }) => {
    const wiring = baseWiring();
    const example = body(DIAGNOSE);
    const path = `${wiring.workspace.id}/diagnose`;
    if (polls) wiring.asyncActions[path] = { body: example, polls };
    else wiring.actions[path] = example;
    const scenario = toScenario(wiring);
    const result = await auditScenario(scenario, {
      workspace: workspaceRef(wiring.workspace.id),
      diagnose: { timeoutMs: 5000 },
    });
    expectCollected(result, scenario);
    expectVerdicts(result);

    // Eight empty categories and one warning: the results are that warning, as the service worded it.
    const warning = example.value.dnsResolutionResults[0] as Json;
    const expected = { category: "dnsResolution", code: warning.code, level: "Warning", message: warning.message };
    expect(result.snapshot.diagnose).toEqual({ requested: true, results: [expected] });
    const check = result.check("workspace-diagnose");
    expect(check.status).toBe("warn");
    expect(check.findings.map((finding) => [finding.status, finding.messageId, finding.evidence])).toEqual([
      ["warn", "diagnose-warning", expected],
    ]);
    expect(
      result.requests
        .filter((request) => request.method === "POST" && /\/diagnose\?/i.test(request.path))
        .map((request) => request.status),
    ).toEqual([polls ? 202 : 200]);
    expect(
      result.requests.filter((request) => /\/operationResults\//i.test(request.path)).map((request) => request.status),
    ).toEqual(polls ? [202, 200] : []);
  });
});

describe("workspace list examples (resource group found by listing the subscription)", () => {
  test(`${ML}/2026-07-01/Workspace/listBySubscription.json: a name in two resource groups is ambiguous`, async () => {
    const list = body(`${ML}/2026-07-01/Workspace/listBySubscription.json`);
    const { subscriptionId, name } = workspaceRef((list.value as Json[])[0]!.id);
    const attempt = auditScenario(
      { resources: list.value },
      { workspace: { subscriptionId, resourceGroup: undefined, name } },
    );
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

/** Examples of MANIFEST.tsv that no test here serves, and why. */
const NOT_READ: Record<string, string> = {
  "Microsoft.Network.privatedns/2024-06-01/RecordSetAList.json":
    "the collector reads no record sets: an endpoint's A records come inside its zone group",
  "Microsoft.Network/2026-03-01/DefaultSecurityRuleGet.json":
    "default rules come inside the NSG's body (defaultSecurityRules), not read one by one",
  "Microsoft.Network/2026-03-01/DefaultSecurityRuleList.json":
    "default rules come inside the NSG's body (defaultSecurityRules), not listed",
  "Microsoft.MachineLearningServices/2025-12-01/Workspace/resyncKeys.json": "a write: the tool only reads",
  "Microsoft.Network/2026-01-01/ServiceTagsList.json":
    "service tags are not listed: NSG rules are judged by tag name, offline (src/net/service-tags.ts)",
  "Microsoft.ResourceGraph/2024-04-01/ResourcesBasicQuery.json":
    "the collector reads resource providers, not Resource Graph",
  "Microsoft.ResourceGraph/2024-04-01/ResourcesFilterQuery.json":
    "the collector reads resource providers, not Resource Graph",
  "Microsoft.ResourceGraph/2024-04-01/ResourcesFirstPageQuery.json":
    "the collector reads resource providers, not Resource Graph",
  "Microsoft.ResourceGraph/2024-04-01/ResourcesPropertiesQuery.json":
    "the collector reads resource providers, not Resource Graph",
};

test("every example in MANIFEST.tsv is served above or named as not read", () => {
  const listed = readFileSync(join(ARM_EXAMPLES, "MANIFEST.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split("\t").pop() as string);
  const served = [
    ...fixtures.map((fixture) => fixture.file),
    WORKSPACE_KEYS,
    STORAGE_KEYS,
    REGISTRY_CREDENTIALS,
    WORKSPACE_CONNECTION,
    WORKSPACES_BY_SUBSCRIPTION,
    WORKSPACES_BY_GROUP,
    DIAGNOSE,
  ];
  expect(listed.filter((file) => !served.includes(file) && !(file in NOT_READ))).toEqual([]);
  expect(Object.keys(NOT_READ).filter((file) => !listed.includes(file) || served.includes(file))).toEqual([]);
});
