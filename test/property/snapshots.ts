// Real snapshots for the property tests: the bundled scenarios and a few variants of them, and a
// workspace wired from Azure's own REST API examples (the contract fixtures' approach), all collected
// through the real collector and SDK clients against the fake ARM. Built once per test file.

import type { Snapshot } from "../../src/snapshot/types.js";
import { armExampleBody } from "../fixtures/arm-examples.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, demoScenario, healthyScenario, type AuditOptions } from "../harness.js";
import {
  ACR_ID,
  STORAGE_ID,
  TRAINING,
  WS_ID,
  addCompute,
  compute,
  addVnet,
  fault,
  moveEndpoints,
  peer,
  registry,
  ruleSet,
  serviceEndpointsOnly,
  setSubnet,
  storage,
  vnetId,
  workspace,
  type Json,
} from "../checks/mutations.js";

/** The collection clock of every base: key-sync judges rotation age against it. */
const NOW = "2026-03-01T12:00:00.000Z";

const ML = "Microsoft.MachineLearningServices";

const body = (file: string): Json => armExampleBody<Json>(file);

function parentOf(id: string): string {
  return id.slice(0, id.lastIndexOf("/", id.lastIndexOf("/") - 1));
}

/**
 * A workspace whose every reference resolves, wired from the examples as test/contract-fixtures.test.ts
 * does: the workspace example pointing at the storage and registry examples, its connection (the ML
 * connection example) at the private endpoint example, the AmlCompute example re-homed under it in the
 * VNet example's subnet. `nsg` attaches the NSG example to that subnet; `peerings` adds the peering list.
 */
function armExampleScenario({ nsg = false, peerings = false }: { nsg?: boolean; peerings?: boolean } = {}): {
  scenario: Scenario;
  options: AuditOptions;
} {
  const workspace = body(`${ML}/2025-12-01/Workspace/get.json`);
  const storage = body("Microsoft.Storage/2026-09-01/StorageAccountGetProperties.json");
  const registry = body("Microsoft.ContainerRegistry/2025-11-01/RegistryGet.json");
  registry.properties.adminUserEnabled = true;
  const endpoint = body("Microsoft.Network/2026-03-01/PrivateEndpointGet.json");
  const vnet = body("Microsoft.Network/2026-03-01/VirtualNetworkGet.json");
  const compute = body(`${ML}/2025-12-01/Compute/get/AmlCompute.json`);
  compute.id = `${workspace.id}/computes/${compute.name}`;
  compute.properties.properties.subnet = { id: vnet.properties.subnets[0].id };
  const keyVault = {
    id: workspace.properties.keyVault,
    name: (workspace.properties.keyVault as string).split("/").pop(),
    type: "Microsoft.KeyVault/vaults",
    location: workspace.location,
    properties: { tenantId: "00000000-1111-2222-3333-444444444444", sku: { family: "A", name: "standard" } },
  };
  workspace.properties.storageAccount = storage.id;
  workspace.properties.containerRegistry = registry.id;
  const connection = body(`${ML}/2026-07-01/PrivateEndpointConnection/get.json`);
  connection.id = `${workspace.id}/privateEndpointConnections/${connection.name}`;
  connection.properties.privateEndpoint.id = endpoint.id;
  workspace.properties.privateEndpointConnections = [connection];
  // The endpoint's VNet: the VNet example moved there, in the endpoint's region.
  const endpointSubnet = endpoint.properties.subnet.id as string;
  const endpointVnet = body("Microsoft.Network/2026-03-01/VirtualNetworkGet.json");
  endpointVnet.id = parentOf(endpointSubnet);
  endpointVnet.name = endpointVnet.id.split("/").pop();
  endpointVnet.location = endpoint.location;
  endpointVnet.properties.subnets = [
    { ...endpointVnet.properties.subnets[0], id: endpointSubnet, name: endpointSubnet.split("/").pop() },
  ];
  const extra: Json[] = [];
  if (nsg) {
    const group = body("Microsoft.Network/2026-01-01/NetworkSecurityGroupGet.json");
    vnet.properties.subnets[0].properties.networkSecurityGroup = { id: group.id };
    extra.push(group);
  }
  if (peerings) {
    const list = body("Microsoft.Network/2026-03-01/VirtualNetworkPeeringList.json");
    vnet.properties.virtualNetworkPeerings = list.value;
  }
  const resources = [workspace, storage, registry, keyVault, endpoint, endpointVnet, compute, vnet, ...extra];
  const unique = resources.filter(
    (resource, index) => resources.findIndex((other) => other.id.toLowerCase() === resource.id.toLowerCase()) === index,
  );
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/workspaces\/([^/]+)$/i.exec(
    workspace.id,
  );
  if (!match) throw new Error(`not a workspace ID: ${workspace.id}`);
  return {
    scenario: {
      resources: unique as Scenario["resources"],
      actions: {
        [`${workspace.id}/listKeys`]: body(`${ML}/2026-07-01/Workspace/listKeys.json`),
        [`${storage.id}/listKeys`]: body("Microsoft.Storage/2025-08-01/StorageAccountListKeys.json"),
        [`${registry.id}/listCredentials`]: body("Microsoft.ContainerRegistry/2025-11-01/RegistryListCredentials.json"),
      },
    },
    options: {
      workspace: { subscriptionId: match[1] as string, resourceGroup: match[2] as string, name: match[3] as string },
    },
  };
}

/** The healthy workspace with `mutate` applied (mutations.ts helpers, ARM wire format). */
function healthyWith(mutate: (s: Scenario) => void): { scenario: Scenario; options: AuditOptions } {
  const scenario = healthyScenario();
  mutate(scenario);
  return { scenario, options: {} };
}

const BUILDERS: Record<string, () => { scenario: Scenario; options: AuditOptions }> = {
  healthy: () => ({ scenario: healthyScenario(), options: {} }),
  demo: () => ({ scenario: demoScenario(), options: {} }),
  // Service endpoints instead of private endpoints: the virtual-network rule path.
  "service-endpoints": () =>
    healthyWith((s) => {
      serviceEndpointsOnly(storage(s), [TRAINING], { state: "Succeeded" });
      serviceEndpointsOnly(registry(s), [TRAINING]);
    }),
  // The private endpoints sit in a peered VNet (one side Connected), and one compute in a third VNet.
  peered: () =>
    healthyWith((s) => {
      const endpoints = addVnet(s, "endpoints-vnet", "10.50.0.0/16", {
        subnetProperties: { privateEndpointNetworkPolicies: "Disabled" },
      });
      moveEndpoints(s, endpoints, ["pe-mlresearchstore-blob", "pe-mlresearchstore-file", "pe-mlresearchacr"]);
      peer(s, "endpoints-vnet", vnetId("ml-vnet"), "Connected");
      const lonely = addVnet(s, "lonely-vnet", "10.60.0.0/16");
      setSubnet(s, "ci-alice", lonely);
    }),
  // Reads that fail: a 403 on one private endpoint and on availablePrivateEndpointTypes, a 404 on another endpoint.
  faults: () =>
    healthyWith((s) => {
      fault(s, "/privateEndpoints/pe-mlresearchacr$");
      fault(s, "/privateEndpoints/pe-mlresearchstore-file$", 404, "NotFound");
      fault(s, "/availablePrivateEndpointTypes$");
    }),
  // A managed network, a compute outside any VNet, a pending connection, a GPU image-build compute.
  managed: () =>
    healthyWith((s) => {
      workspace(s).properties.managedNetwork = { isolationMode: "AllowOnlyApprovedOutbound" };
      workspace(s).properties.imageBuildCompute = "gpu-train";
      setSubnet(s, "ci-alice", undefined);
      addCompute(s, "aks-1", {
        computeType: "AKS",
        provisioningState: "Failed",
        properties: { aksNetworkingConfiguration: { subnetId: TRAINING } },
      });
      const connection = (storage(s).properties.privateEndpointConnections as Json[])[0] as Json;
      connection.properties.privateLinkServiceConnectionState.status = "Pending";
      storage(s).properties.publicNetworkAccess = "Enabled";
      registry(s).properties.publicNetworkAccess = "Enabled";
      registry(s).properties.networkRuleSet = {
        defaultAction: "Deny",
        virtualNetworkRules: [{ id: TRAINING, action: "Allow" }],
      };
      // An outbound Deny on an application security group ahead of the Allow rules: service tags undetermined.
      const nsg = s.resources.find((resource) => /\/networkSecurityGroups\/training-nsg$/i.test(resource.id)) as Json;
      nsg.properties.securityRules.push({
        name: "DenyAsgOut",
        properties: {
          priority: 101,
          direction: "Outbound",
          access: "Deny",
          protocol: "Tcp",
          sourceAddressPrefix: "VirtualNetwork",
          sourcePortRange: "*",
          destinationApplicationSecurityGroups: [
            { id: `${vnetId("ml-vnet").replace(/virtualNetworks\/ml-vnet$/, "applicationSecurityGroups/egress")}` },
          ],
          destinationPortRange: "443",
        },
      });
    }),
  // Endpoints with a second link (to another resource) listed first, and an NSG rule on "Any".
  "multi-link": () =>
    healthyWith((s) => {
      const otherLink = (endpoint: string, target: string, groupIds: string[], status: string): void => {
        const pe = s.resources.find((resource) =>
          resource.id.toLowerCase().endsWith(`/privateendpoints/${endpoint}`),
        ) as Json;
        pe.properties.privateLinkServiceConnections.unshift({
          id: `${pe.id}/privateLinkServiceConnections/other`,
          name: "other",
          properties: {
            privateLinkServiceId: target,
            groupIds,
            privateLinkServiceConnectionState: { status, description: "", actionsRequired: "None" },
          },
        });
      };
      otherLink("pe-mlresearchstore-file", STORAGE_ID.replace(/mlresearchstore$/, "otherstore"), ["blob"], "Rejected");
      otherLink("pe-mlresearchacr", ACR_ID.replace(/mlresearchacr$/, "otheracr"), ["registry"], "Pending");
      // The workspace lists its endpoint's connection twice (a connection re-created under another name).
      const connections = workspace(s).properties.privateEndpointConnections as Json[];
      connections.push({
        ...structuredClone(connections[0] as Json),
        id: `${(connections[0] as Json).id}-2`,
        name: "pe-ml-research-2",
      });
      const nsg = s.resources.find((resource) => /\/networkSecurityGroups\/training-nsg$/i.test(resource.id)) as Json;
      nsg.properties.securityRules.push({
        name: "DenyAnyToMcr",
        properties: {
          priority: 95,
          direction: "Outbound",
          access: "Deny",
          protocol: "Tcp",
          sourceAddressPrefix: "Any",
          sourcePortRange: "Any",
          destinationAddressPrefix: "MicrosoftContainerRegistry",
          destinationPortRange: "443",
        },
      });
    }),
  // Hardening that breaks builds: storage and registry refuse trusted services, a Standard registry
  // behind private endpoints, quarantine on, the admin user off under clusters without a managed
  // identity, a compute in another region, a default route to nowhere, a zone missing from a group.
  hardened: () =>
    healthyWith((s) => {
      ruleSet(storage(s)).bypass = "None";
      registry(s).properties.networkRuleBypassOptions = "None";
      registry(s).sku = { name: "Standard", tier: "Standard" };
      registry(s).properties.policies = { quarantinePolicy: { status: "enabled" } };
      registry(s).properties.adminUserEnabled = false;
      compute(s, "gpu-train").location = "northeurope";
      compute(s, "gpu-train").properties.computeLocation = "northeurope";
      const routes = (s.resources.find((resource) => /\/routeTables\/training-rt$/i.test(resource.id)) as Json)
        .properties.routes as Json[];
      routes.push({ name: "blackhole", properties: { addressPrefix: "0.0.0.0/0", nextHopType: "None" } });
      const group = s.resources.find((resource) =>
        /pe-ml-research\/privateDnsZoneGroups\/default$/i.test(resource.id),
      ) as Json;
      group.properties.privateDnsZoneConfigs = (group.properties.privateDnsZoneConfigs as Json[]).slice(0, 1);
    }),
  // What cannot be judged: keys not read with the admin user off (and a cluster whose identity has no
  // type), storage under a network security perimeter, a compute without a region, a subnet relying on
  // default outbound access, custom DNS.
  undecided: () => {
    const built = healthyWith((s) => {
      registry(s).properties.adminUserEnabled = false;
      compute(s, "gpu-train").identity = { principalId: "00000000-0000-0000-0000-00000000c0de" };
      storage(s).properties.publicNetworkAccess = "SecuredByPerimeter";
      delete compute(s, "ci-alice").location;
      delete compute(s, "ci-alice").properties.computeLocation;
      const vnet = s.resources.find((resource) => /\/virtualNetworks\/ml-vnet$/i.test(resource.id)) as Json;
      const training = (vnet.properties.subnets as Json[]).find((subnet) => subnet.name === "training") as Json;
      delete training.properties.natGateway;
      delete training.properties.defaultOutboundAccess;
      vnet.properties.dhcpOptions = { dnsServers: ["10.20.0.4"] };
    });
    return { scenario: built.scenario, options: { readKeys: false } };
  },
  // A managed network not yet provisioned, whose approved outbound rules miss the registry.
  "managed-inactive": () =>
    healthyWith((s) => {
      workspace(s).properties.managedNetwork = {
        isolationMode: "AllowOnlyApprovedOutbound",
        status: { status: "Inactive" },
        outboundRules: {},
      };
    }),
  // Azure's own diagnose run, with an error and a warning.
  diagnosed: () => {
    const scenario = healthyScenario();
    scenario.asyncActions = {
      [`${WS_ID}/diagnose`]: {
        body: {
          value: {
            dnsResolutionResults: [{ code: "CustomDNSInUse", level: "Warning", message: "custom DNS in use" }],
            networkSecurityRuleResults: [
              { code: "NsgRuleBlocks", level: "Error", message: "an NSG rule blocks outbound" },
            ],
          },
        },
      },
    };
    return { scenario, options: { diagnose: { timeoutMs: 10_000 } } };
  },
  "arm-examples": () => armExampleScenario(),
  "arm-examples-nsg-peerings": () => armExampleScenario({ nsg: true, peerings: true }),
};

/** Key outcomes the collector gives on other workspaces, planted into a collected snapshot. */
function withKeyOutcomes(snapshot: Snapshot): Snapshot {
  const copy = structuredClone(snapshot);
  copy.keys = {
    storage: {
      outcome: "mismatch",
      resourceId: STORAGE_ID,
      keyCreationTimes: {
        key1: new Date(Date.parse(NOW) - 10 * 60_000).toISOString(),
        key2: "2026-01-10T08:00:00.0000000Z",
      },
    },
    registry: {
      outcome: "unknown",
      resourceId: ACR_ID,
      reason: "the registry's credentials were not read",
      error: {
        resourceId: ACR_ID,
        operation: "registry listCredentials",
        statusCode: 403,
        code: "AuthorizationFailed",
        permission: "Microsoft.ContainerRegistry/registries/listCredentials/action",
      },
    },
  };
  const acr: Json | undefined = copy.resources.find(
    (resource) => typeof resource.id === "string" && resource.id.toLowerCase() === ACR_ID.toLowerCase(),
  );
  if (acr) acr.properties.adminUserEnabled = true;
  return copy;
}

export type Bases = Record<string, Snapshot>;

/** Every base snapshot by name, collected through the real collector. */
export async function collectBases(): Promise<Bases> {
  const bases: Bases = {};
  for (const [name, build] of Object.entries(BUILDERS)) {
    const { scenario, options } = build();
    const { snapshot } = await auditScenario(scenario, { ...options, now: NOW });
    bases[name] = snapshot;
  }
  bases["keys-rotated"] = withKeyOutcomes(bases.healthy as Snapshot);
  return bases;
}
