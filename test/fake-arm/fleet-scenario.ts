// A deterministic fleet of VNet-secured Azure ML workspaces for the fake ARM: N workspaces spread over
// subscriptions and resource groups, each laid out like examples/healthy-workspace.json, with an exact,
// seeded share of them given each seed check's failure the way a real misconfiguration looks.
//
// Layout, as platform teams build it (and as the fleet sweep must cope with):
// - Each resource group holds one VNet (shared "training" compute subnet, one "private-endpoints"
//   subnet, per-workspace subnets for some workspaces), one NSG, one route table and one NAT gateway,
//   all shared by its workspaces.
// - The privatelink.* DNS zones live once, in the "rg-connectivity" resource group of the first
//   subscription, linked to every VNet of the fleet.
// - Each workspace owns a storage account, a Premium registry, a key vault, one or two AmlCompute clusters
//   (cpu-build is its imageBuildCompute) and private endpoints (with zone groups) for all four.
//
// Everything random comes from a seeded PRNG: the same options give a byte-identical scenario.

import type { ArmResource, Scenario } from "./scenario.js";
import { rng } from "./random.js";

export type SeedFailure =
  "subnet-colocation" | "private-endpoint-region" | "acr-vnet-image-build" | "service-tags-outbound" | "key-sync";

/** The seed checks' failures, in the order `planted` lists them. */
export const SEED_FAILURES: readonly SeedFailure[] = [
  "subnet-colocation",
  "private-endpoint-region",
  "acr-vnet-image-build",
  "service-tags-outbound",
  "key-sync",
];

export interface FleetScenarioOptions {
  workspaces: number;
  /** Subscription IDs are deterministic GUIDs that depend only on the subscription's index. */
  subscriptions: number;
  /** Default 4. */
  resourceGroupsPerSubscription?: number;
  /** Default 1; same options → byte-identical scenario. */
  seed?: number;
  /** Share (0..1) of workspaces given each seed failure; default 0.1 each. */
  failureShare?: Partial<Record<SeedFailure, number>>;
}

interface FleetWorkspace {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  tags: Record<string, string>;
  /** The seed failures planted on it, in {@link SEED_FAILURES} order; empty: every check passes or skips. */
  planted: SeedFailure[];
}

export interface FleetScenario {
  scenario: Scenario;
  workspaces: FleetWorkspace[];
}

const DEFAULT_FAILURE_SHARE = 0.1;
const DEFAULT_RESOURCE_GROUPS = 4;

/** The regions workspaces live in, alternating by resource group. */
const FLEET_REGIONS = ["westeurope", "northeurope"] as const;
/**
 * Where a planted private-endpoint-region failure puts a key vault's endpoint: a DR VNet in a region whose
 * availablePrivateEndpointTypes (in this fleet) does not list key vaults.
 */
export const DR_REGION = "swedencentral";
const TEAMS = ["vision", "nlp", "forecasting", "recsys"] as const;
/** Subscriptions with an even index are prod, odd ones dev; a workspace's `env` tag is its subscription's. */
export const MANAGEMENT_GROUPS = { prod: "mg-ml-prod", dev: "mg-ml-dev", all: "mg-ml-all" } as const;
export const CONNECTIVITY_RESOURCE_GROUP = "rg-connectivity";

const ENDPOINT_TYPES = [
  "Microsoft.MachineLearningServices/workspaces",
  "Microsoft.Storage/storageAccounts",
  "Microsoft.ContainerRegistry/registries",
  "Microsoft.KeyVault/vaults",
  "Microsoft.Sql/servers",
  "Microsoft.Web/sites",
];

/** privatelink zone names by private endpoint group. */
const ZONES = {
  amlworkspace: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"],
  blob: ["privatelink.blob.core.windows.net"],
  file: ["privatelink.file.core.windows.net"],
  registry: ["privatelink.azurecr.io"],
  vault: ["privatelink.vaultcore.azure.net"],
} as const;
type EndpointGroup = keyof typeof ZONES;
const ALL_ZONES = Object.values(ZONES).flat();

/** Keys were made long before any run of the fleet; a planted rotation is also far older than an hour. */
const KEYS_CREATED = "2026-01-10T08:00:00.0000000Z";
const KEY_ROTATED = "2026-02-03T07:30:00.0000000Z";

const TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const NETWORK = "Microsoft.Network";
const APPROVED = { status: "Approved", description: "Auto-Approved", actionsRequired: "None" };

// ---- deterministic randomness ---------------------------------------------------------------------

/** 32-bit FNV-1a of a string: seeds and GUIDs from names, never from the clock. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A GUID-shaped string (version 4 layout) derived from `name` alone. */
function deterministicGuid(name: string): string {
  const next = rng(hash32(name));
  const hex = Array.from({ length: 4 }, () =>
    Math.floor(next() * 4294967296)
      .toString(16)
      .padStart(8, "0"),
  ).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89ab"[parseInt(hex[16] ?? "0", 16) % 4]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Exactly `count` distinct indices of 0..n-1, chosen by `random` (partial Fisher–Yates), ascending. */
function choose(n: number, count: number, random: () => number): number[] {
  const indices = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return indices.slice(0, count).sort((a, b) => a - b);
}

// ---- ARM wire-format builders ---------------------------------------------------------------------

const ref = (id: string) => ({ id });
const titleCase = (region: string) =>
  region === "westeurope" ? "WestEurope" : region === "northeurope" ? "NorthEurope" : region;

function securityRule(
  nsgId: string,
  name: string,
  priority: number,
  direction: string,
  access: string,
  protocol: string,
  source: string,
  destination: string,
  port: string,
) {
  return {
    id: `${nsgId}/securityRules/${name}`,
    name,
    type: `${NETWORK}/networkSecurityGroups/securityRules`,
    properties: {
      priority,
      direction,
      access,
      protocol,
      sourceAddressPrefix: source,
      sourcePortRange: "*",
      destinationAddressPrefix: destination,
      destinationPortRange: port,
      provisioningState: "Succeeded",
    },
  };
}

/** The healthy example's compute-subnet rules, with the region's MCR tag; `denyMcr` adds a lockdown rule ahead of them. */
function nsgResource(nsgId: string, region: string, subnetIds: string[], denyMcr: boolean): ArmResource {
  const rules = [
    securityRule(nsgId, "AllowAzureMLInbound", 100, "Inbound", "Allow", "Tcp", "AzureMachineLearning", "*", "44224"),
    ...(denyMcr
      ? [
          securityRule(
            nsgId,
            "DenyContainerRegistryOut",
            90,
            "Outbound",
            "Deny",
            "Tcp",
            "VirtualNetwork",
            "MicrosoftContainerRegistry",
            "443",
          ),
        ]
      : []),
    securityRule(
      nsgId,
      "AllowContainerRegistryOut",
      100,
      "Outbound",
      "Allow",
      "Tcp",
      "VirtualNetwork",
      `MicrosoftContainerRegistry.${titleCase(region)}`,
      "443",
    ),
    securityRule(
      nsgId,
      "AllowFrontDoorFirstPartyOut",
      110,
      "Outbound",
      "Allow",
      "Tcp",
      "VirtualNetwork",
      "AzureFrontDoor.FirstParty",
      "443",
    ),
    securityRule(nsgId, "AllowAzureCloudOut", 120, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureCloud", "443"),
    securityRule(
      nsgId,
      "AllowAzureMLServiceOut",
      130,
      "Outbound",
      "Allow",
      "Tcp",
      "VirtualNetwork",
      "AzureMachineLearning",
      "18881",
    ),
    securityRule(
      nsgId,
      "AllowAzureMLUdpOut",
      140,
      "Outbound",
      "Allow",
      "Udp",
      "VirtualNetwork",
      "AzureMachineLearning",
      "5831",
    ),
    securityRule(nsgId, "DenyInternetOut", 4000, "Outbound", "Deny", "*", "VirtualNetwork", "Internet", "*"),
  ];
  return {
    id: nsgId,
    name: nameOf(nsgId),
    type: `${NETWORK}/networkSecurityGroups`,
    location: region,
    properties: { provisioningState: "Succeeded", securityRules: rules, subnets: subnetIds.map(ref) },
  };
}

function nameOf(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
}

interface Subnet {
  id: string;
  prefix: string;
  nsgId?: string;
  /** A compute subnet: service endpoint for storage, NAT gateway egress, the RG's route table. */
  compute: boolean;
}

function subnetEntry(subnet: Subnet, group: ResourceGroupPlan) {
  const properties: Record<string, unknown> = { addressPrefix: subnet.prefix };
  if (subnet.nsgId) properties.networkSecurityGroup = ref(subnet.nsgId);
  if (subnet.compute) properties.serviceEndpoints = [{ service: "Microsoft.Storage", locations: [group.region] }];
  properties.privateEndpointNetworkPolicies = "Disabled";
  properties.provisioningState = "Succeeded";
  if (subnet.compute) {
    properties.natGateway = ref(group.natGatewayId);
    properties.defaultOutboundAccess = false;
    properties.routeTable = ref(group.routeTableId);
  }
  return { id: subnet.id, name: nameOf(subnet.id), type: `${NETWORK}/virtualNetworks/subnets`, properties };
}

function endpointConnection(ownerId: string, endpointId: string) {
  const name = nameOf(endpointId);
  return {
    id: `${ownerId}/privateEndpointConnections/${name}`,
    name,
    type: "privateEndpointConnections",
    properties: {
      privateEndpoint: ref(endpointId),
      privateLinkServiceConnectionState: APPROVED,
      provisioningState: "Succeeded",
    },
  };
}

// ---- the fleet ------------------------------------------------------------------------------------

interface ResourceGroupPlan {
  subscriptionId: string;
  subscriptionIndex: number;
  name: string;
  id: string;
  region: string;
  /** Second octet of the VNet's 10.x.0.0/16. */
  octet: number;
  vnetId: string;
  trainingSubnetId: string;
  endpointSubnetId: string;
  nsgId: string;
  routeTableId: string;
  natGatewayId: string;
  /** Subnets beyond training and private-endpoints, in order of creation. */
  extraSubnets: Subnet[];
  /** Compute subnets on the shared NSG, route table and NAT gateway. */
  sharedNsgSubnets: string[];
  computeSubnets: string[];
  endpointCount: number;
  /** The DR VNet for planted key vault endpoints, made when first needed. */
  drVnet?: { id: string; subnetId: string; prefix: string; endpointCount: number };
}

function validate(options: FleetScenarioOptions): void {
  const positive = (name: string, value: unknown) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, got ${String(value)}`);
  };
  positive("workspaces", options.workspaces);
  positive("subscriptions", options.subscriptions);
  if (options.resourceGroupsPerSubscription !== undefined)
    positive("resourceGroupsPerSubscription", options.resourceGroupsPerSubscription);
  if (options.seed !== undefined && (typeof options.seed !== "number" || !Number.isInteger(options.seed)))
    throw new Error(`seed must be an integer, got ${String(options.seed)}`);
  for (const [failure, share] of Object.entries(options.failureShare ?? {})) {
    if (!SEED_FAILURES.includes(failure as SeedFailure))
      throw new Error(`failureShare: unknown seed failure "${failure}" (known: ${SEED_FAILURES.join(", ")})`);
    if (typeof share !== "number" || !(share >= 0 && share <= 1))
      throw new Error(`failureShare["${failure}"] must be between 0 and 1, got ${String(share)}`);
  }
}

/** The subscription ID of the fleet's subscription number `index` (0-based): the same for every seed. */
export function fleetSubscriptionId(index: number): string {
  return deterministicGuid(`aml-preflight fleet subscription ${index}`);
}

/** How many workspaces get each failure: round(share × N). */
function plantedCounts(options: FleetScenarioOptions): Record<SeedFailure, number> {
  return Object.fromEntries(
    SEED_FAILURES.map((failure) => [
      failure,
      Math.round((options.failureShare?.[failure] ?? DEFAULT_FAILURE_SHARE) * options.workspaces),
    ]),
  ) as Record<SeedFailure, number>;
}

export function generateFleetScenario(options: FleetScenarioOptions): FleetScenario {
  validate(options);
  const n = options.workspaces;
  const groupsPerSubscription = options.resourceGroupsPerSubscription ?? DEFAULT_RESOURCE_GROUPS;
  const seed = options.seed ?? 1;

  // Which workspaces get which failure: one stream per failure, so one share's change leaves the others be.
  const counts = plantedCounts(options);
  const plantedOn = new Map<SeedFailure, Set<number>>(
    SEED_FAILURES.map((failure) => [failure, new Set(choose(n, counts[failure], rng(hash32(`${seed}:${failure}`))))]),
  );
  const has = (failure: SeedFailure, index: number) => plantedOn.get(failure)?.has(index) === true;
  const random = rng(hash32(`${seed}:layout`));

  const subscriptionIds = Array.from({ length: options.subscriptions }, (_, index) => fleetSubscriptionId(index));
  const groups: ResourceGroupPlan[] = [];
  for (let s = 0; s < options.subscriptions; s++) {
    for (let r = 0; r < groupsPerSubscription; r++) {
      const subscriptionId = subscriptionIds[s] as string;
      const region = FLEET_REGIONS[r % FLEET_REGIONS.length] as string;
      const name = `rg-ml-${region === "westeurope" ? "weu" : "neu"}-${String(r + 1).padStart(2, "0")}`;
      const id = `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
      const net = `${id}/providers/${NETWORK}`;
      const vnetId = `${net}/virtualNetworks/vnet-ml-${r + 1}`;
      groups.push({
        subscriptionId,
        subscriptionIndex: s,
        name,
        id,
        region,
        octet: groups.length % 256,
        vnetId,
        trainingSubnetId: `${vnetId}/subnets/training`,
        endpointSubnetId: `${vnetId}/subnets/private-endpoints`,
        nsgId: `${net}/networkSecurityGroups/nsg-ml-compute`,
        routeTableId: `${net}/routeTables/rt-ml-compute`,
        natGatewayId: `${net}/natGateways/nat-ml`,
        extraSubnets: [],
        sharedNsgSubnets: [`${vnetId}/subnets/training`],
        computeSubnets: [`${vnetId}/subnets/training`],
        endpointCount: 0,
      });
    }
  }

  const resources: ArmResource[] = [];
  const actions: Record<string, unknown> = {};
  const workspaces: FleetWorkspace[] = [];
  const width = Math.max(4, String(n).length);

  for (let index = 0; index < n; index++) {
    const group = groups[
      (index % options.subscriptions) * groupsPerSubscription +
        (Math.floor(index / options.subscriptions) % groupsPerSubscription)
    ] as ResourceGroupPlan;
    const number = String(index + 1).padStart(width, "0");
    const name = `mlw-${number}`;
    const compact = `mlw${number}`;
    const region = group.region;
    const rg = group.id;
    const wsId = `${rg}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
    const storageId = `${rg}/providers/Microsoft.Storage/storageAccounts/st${compact}`;
    const registryId = `${rg}/providers/Microsoft.ContainerRegistry/registries/cr${compact}`;
    const vaultId = `${rg}/providers/Microsoft.KeyVault/vaults/kv-${name}`;
    const net = `${rg}/providers/${NETWORK}`;
    const planted = SEED_FAILURES.filter((failure) => has(failure, index));
    const colocation = has("subnet-colocation", index);
    const endpointRegion = has("private-endpoint-region", index);
    const imageBuild = has("acr-vnet-image-build", index);
    const serviceTags = has("service-tags-outbound", index);
    const keySync = has("key-sync", index);

    // The layout's random choices, always drawn in this order so that one choice never shifts another.
    const team = TEAMS[Math.floor(random() * TEAMS.length)] as string;
    const adminUser = random() < 0.5;
    const twoClusters = random() < 0.5 || colocation;
    const ownSubnet = random() < 0.25 || serviceTags;
    const buildComputeMissing = random() < 0.5;
    const tags = {
      team,
      env: group.subscriptionIndex % 2 === 0 ? "prod" : "dev",
      "cost-center": `cc-${1000 + (hash32(team) % 9000)}`,
    };

    // Compute subnets: the RG's shared training subnet, or the workspace's own (with its own NSG when
    // its outbound is locked down: the RG's NSG is shared by every workspace in the group).
    const nsgId = serviceTags ? `${net}/networkSecurityGroups/nsg-${name}` : group.nsgId;
    const addSubnet = (suffix: string): string => {
      const slot = group.extraSubnets.length % 512;
      const subnet: Subnet = {
        id: `${group.vnetId}/subnets/${name}${suffix}`,
        prefix: `10.${group.octet}.${128 + Math.floor(slot / 4)}.${(slot % 4) * 64}/26`,
        nsgId,
        compute: true,
      };
      group.extraSubnets.push(subnet);
      group.computeSubnets.push(subnet.id);
      if (nsgId === group.nsgId) group.sharedNsgSubnets.push(subnet.id);
      return subnet.id;
    };
    const buildSubnet = ownSubnet ? addSubnet("") : group.trainingSubnetId;
    // subnet-colocation: a second cluster on a subnet of its own that the storage account's rules do not list.
    const trainSubnet = colocation ? addSubnet("-gpu") : buildSubnet;
    const mySubnets = [...new Set([buildSubnet, trainSubnet])];
    if (serviceTags) resources.push(nsgResource(nsgId, region, mySubnets, true));

    // Private endpoints: in the RG's endpoint subnet, except a planted key vault endpoint in the DR VNet.
    const endpointIds: Record<string, string> = {};
    const endpoint = (
      owner: string,
      targetId: string,
      groupId: EndpointGroup,
      peName: string,
      inDrVnet = false,
    ): void => {
      const peId = `${net}/privateEndpoints/${peName}`;
      endpointIds[`${owner}:${groupId}`] = peId;
      let subnetId = group.endpointSubnetId;
      let location = region;
      let address: string;
      if (inDrVnet) {
        const dr = (group.drVnet ??= (() => {
          const prefix = `172.16.${group.octet}.0/24`;
          const id = `${net}/virtualNetworks/vnet-ml-dr`;
          return { id, subnetId: `${id}/subnets/private-endpoints`, prefix, endpointCount: 0 };
        })());
        subnetId = dr.subnetId;
        location = DR_REGION;
        address = `172.16.${group.octet}.${4 + (dr.endpointCount++ % 250)}`;
      } else {
        const offset = 4 + (group.endpointCount++ % 16000);
        address = `10.${group.octet}.${Math.floor(offset / 256)}.${offset % 256}`;
      }
      resources.push({
        id: peId,
        name: peName,
        type: `${NETWORK}/privateEndpoints`,
        location,
        properties: {
          provisioningState: "Succeeded",
          subnet: ref(subnetId),
          privateLinkServiceConnections: [
            {
              id: `${peId}/privateLinkServiceConnections/${peName}`,
              name: peName,
              properties: {
                privateLinkServiceId: targetId,
                groupIds: [groupId],
                privateLinkServiceConnectionState: APPROVED,
              },
            },
          ],
          manualPrivateLinkServiceConnections: [],
          customDnsConfigs: [],
        },
      });
      resources.push({
        id: `${peId}/privateDnsZoneGroups/default`,
        name: "default",
        type: `${NETWORK}/privateEndpoints/privateDnsZoneGroups`,
        properties: {
          provisioningState: "Succeeded",
          privateDnsZoneConfigs: ZONES[groupId].map((zone) => ({
            name: zone.replace(/\./g, "-"),
            properties: {
              privateDnsZoneId: zoneId(subscriptionIds[0] as string, zone),
              recordSets: [
                { recordType: "A", recordSetName: peName, fqdn: `${peName}.${zone}`, ttl: 10, ipAddresses: [address] },
              ],
            },
          })),
        },
      });
    };
    endpoint("workspace", wsId, "amlworkspace", `pe-${name}`);
    if (!colocation) {
      endpoint("storage", storageId, "blob", `pe-st${compact}-blob`);
      endpoint("storage", storageId, "file", `pe-st${compact}-file`);
    }
    endpoint("registry", registryId, "registry", `pe-cr${compact}`);
    endpoint("vault", vaultId, "vault", `pe-kv-${name}`, endpointRegion);
    const connections = (owner: string, ownerId: string) =>
      Object.entries(endpointIds)
        .filter(([key]) => key.startsWith(`${owner}:`))
        .map(([, peId]) => endpointConnection(ownerId, peId));

    // Workspace.
    const workspaceProperties: Record<string, unknown> = {
      friendlyName: `ML ${team} ${number}`,
      storageAccount: storageId,
      containerRegistry: registryId,
      keyVault: vaultId,
      imageBuildCompute: "cpu-build",
      publicNetworkAccess: "Disabled",
      provisioningState: "Succeeded",
      hbiWorkspace: false,
      v1LegacyMode: false,
      managedNetwork: { isolationMode: "Disabled" },
      privateEndpointConnections: connections("workspace", wsId),
    };
    // acr-vnet-image-build: the registry stays private, and image builds have no cluster to run on.
    if (imageBuild) {
      if (buildComputeMissing) workspaceProperties.imageBuildCompute = "cpu-build-old";
      else delete workspaceProperties.imageBuildCompute;
    }
    resources.push({
      id: wsId,
      name,
      type: "Microsoft.MachineLearningServices/workspaces",
      location: region,
      tags,
      identity: { type: "SystemAssigned", principalId: deterministicGuid(`principal ${wsId}`), tenantId: TENANT_ID },
      sku: { name: "Basic", tier: "Basic" },
      kind: "Default",
      properties: workspaceProperties,
    });

    // Storage: private endpoints only, or (subnet-colocation) service endpoints with a rule for the build subnet alone.
    const keyCreation = keySync ? KEY_ROTATED : KEYS_CREATED;
    resources.push({
      id: storageId,
      name: nameOf(storageId),
      type: "Microsoft.Storage/storageAccounts",
      location: region,
      kind: "StorageV2",
      sku: { name: "Standard_LRS", tier: "Standard" },
      properties: {
        provisioningState: "Succeeded",
        publicNetworkAccess: colocation ? "Enabled" : "Disabled",
        allowSharedKeyAccess: true,
        minimumTlsVersion: "TLS1_2",
        keyCreationTime: { key1: keyCreation, key2: KEYS_CREATED },
        networkAcls: {
          bypass: "AzureServices",
          defaultAction: "Deny",
          virtualNetworkRules: colocation ? [{ id: buildSubnet, action: "Allow", state: "Succeeded" }] : [],
          ipRules: [],
        },
        privateEndpointConnections: connections("storage", storageId),
        primaryEndpoints: {
          blob: `https://${nameOf(storageId)}.blob.core.windows.net/`,
          file: `https://${nameOf(storageId)}.file.core.windows.net/`,
        },
      },
    });
    resources.push({
      id: registryId,
      name: nameOf(registryId),
      type: "Microsoft.ContainerRegistry/registries",
      location: region,
      sku: { name: "Premium", tier: "Premium" },
      properties: {
        loginServer: `${nameOf(registryId)}.azurecr.io`,
        provisioningState: "Succeeded",
        adminUserEnabled: adminUser,
        publicNetworkAccess: "Disabled",
        networkRuleSet: { defaultAction: "Deny", ipRules: [] },
        networkRuleBypassOptions: "AzureServices",
        policies: { quarantinePolicy: { status: "disabled" } },
        privateEndpointConnections: connections("registry", registryId),
        zoneRedundancy: "Disabled",
      },
    });
    resources.push({
      id: vaultId,
      name: nameOf(vaultId),
      type: "Microsoft.KeyVault/vaults",
      location: region,
      properties: {
        tenantId: TENANT_ID,
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        publicNetworkAccess: "Disabled",
        networkAcls: { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] },
        privateEndpointConnections: connections("vault", vaultId),
        vaultUri: `https://${nameOf(vaultId)}.vault.azure.net/`,
      },
    });

    const cluster = (clusterName: string, vmSize: string, subnetId: string): ArmResource => ({
      id: `${wsId}/computes/${clusterName}`,
      name: clusterName,
      type: "Microsoft.MachineLearningServices/workspaces/computes",
      location: region,
      properties: {
        computeType: "AmlCompute",
        computeLocation: region,
        provisioningState: "Succeeded",
        disableLocalAuth: true,
        properties: {
          vmSize,
          subnet: ref(subnetId),
          enableNodePublicIp: false,
          scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: "PT120S" },
          vmPriority: "Dedicated",
          osType: "Linux",
        },
      },
    });
    resources.push(cluster("cpu-build", "Standard_DS3_v2", buildSubnet));
    if (twoClusters) resources.push(cluster("gpu-train", "Standard_NC6s_v3", trainSubnet));

    // Keys: obviously fake, unique per workspace. key-sync: the workspace still caches the key rotated out.
    const storageKey = (slot: number) => `FAKE-STORAGE-KEY${slot}-${name}${keySync && slot === 1 ? "-v2" : ""}==`;
    const registryPassword = (slot: number) => `FAKE-ACR-PASSWORD${slot}-${name}`;
    const registryCredentials = {
      username: nameOf(registryId),
      passwords: [
        { name: "password", value: registryPassword(1) },
        { name: "password2", value: registryPassword(2) },
      ],
    };
    actions[`${wsId}/listKeys`] = {
      userStorageKey: `FAKE-STORAGE-KEY1-${name}==`,
      userStorageArmId: storageId,
      ...(adminUser ? { containerRegistryCredentials: { location: region, ...registryCredentials } } : {}),
      notebookAccessKeys: { primaryAccessKey: null, secondaryAccessKey: null },
    };
    actions[`${storageId}/listKeys`] = {
      keys: [
        { keyName: "key1", value: storageKey(1), permissions: "FULL", creationTime: keyCreation },
        { keyName: "key2", value: storageKey(2), permissions: "FULL", creationTime: KEYS_CREATED },
      ],
    };
    if (adminUser) actions[`${registryId}/listCredentials`] = registryCredentials;

    workspaces.push({ id: wsId, subscriptionId: group.subscriptionId, resourceGroup: group.name, name, tags, planted });
  }

  // The resource groups' shared network, now that every workspace has added its subnets.
  const vnetIds: string[] = [];
  for (const group of groups) {
    const net = `${group.id}/providers/${NETWORK}`;
    const subnets: Subnet[] = [
      { id: group.trainingSubnetId, prefix: `10.${group.octet}.64.0/19`, nsgId: group.nsgId, compute: true },
      { id: group.endpointSubnetId, prefix: `10.${group.octet}.0.0/18`, compute: false },
      ...group.extraSubnets,
    ];
    vnetIds.push(group.vnetId);
    resources.push({
      id: group.vnetId,
      name: nameOf(group.vnetId),
      type: `${NETWORK}/virtualNetworks`,
      location: group.region,
      properties: {
        provisioningState: "Succeeded",
        addressSpace: { addressPrefixes: [`10.${group.octet}.0.0/16`] },
        subnets: subnets.map((subnet) => subnetEntry(subnet, group)),
        virtualNetworkPeerings: [],
        enableDdosProtection: false,
      },
    });
    resources.push(nsgResource(group.nsgId, group.region, group.sharedNsgSubnets, false));
    resources.push({
      id: group.routeTableId,
      name: nameOf(group.routeTableId),
      type: `${NETWORK}/routeTables`,
      location: group.region,
      properties: {
        disableBgpRoutePropagation: false,
        provisioningState: "Succeeded",
        routes: [
          {
            name: "to-onprem",
            id: `${group.routeTableId}/routes/to-onprem`,
            properties: {
              addressPrefix: "192.168.0.0/16",
              nextHopType: "VirtualNetworkGateway",
              provisioningState: "Succeeded",
            },
          },
        ],
        subnets: group.computeSubnets.map(ref),
      },
    });
    const publicIpId = `${net}/publicIPAddresses/pip-nat-ml`;
    resources.push({
      id: group.natGatewayId,
      name: nameOf(group.natGatewayId),
      type: `${NETWORK}/natGateways`,
      location: group.region,
      sku: { name: "Standard" },
      properties: {
        provisioningState: "Succeeded",
        idleTimeoutInMinutes: 4,
        subnets: group.computeSubnets.map(ref),
        publicIpAddresses: [ref(publicIpId)],
      },
    });
    resources.push({
      id: publicIpId,
      name: nameOf(publicIpId),
      type: `${NETWORK}/publicIPAddresses`,
      location: group.region,
      sku: { name: "Standard", tier: "Regional" },
      properties: {
        provisioningState: "Succeeded",
        publicIPAllocationMethod: "Static",
        publicIPAddressVersion: "IPv4",
      },
    });
    if (group.drVnet) {
      const dr = group.drVnet;
      vnetIds.push(dr.id);
      resources.push({
        id: dr.id,
        name: nameOf(dr.id),
        type: `${NETWORK}/virtualNetworks`,
        location: DR_REGION,
        properties: {
          provisioningState: "Succeeded",
          addressSpace: { addressPrefixes: [dr.prefix] },
          subnets: [subnetEntry({ id: dr.subnetId, prefix: dr.prefix, compute: false }, group)],
          virtualNetworkPeerings: [],
          enableDdosProtection: false,
        },
      });
    }
  }

  // Central private DNS: each zone once, linked to every VNet of the fleet.
  for (const zone of ALL_ZONES) {
    const id = zoneId(subscriptionIds[0] as string, zone);
    resources.push({
      id,
      name: zone,
      type: `${NETWORK}/privateDnsZones`,
      location: "global",
      properties: {
        maxNumberOfRecordSets: 25000,
        numberOfRecordSets: 1 + n,
        numberOfVirtualNetworkLinks: vnetIds.length,
        provisioningState: "Succeeded",
      },
    });
    for (const vnetId of vnetIds) {
      // Link names must be unique in the zone: subscription prefix, resource group, VNet.
      const parts = vnetId.split("/");
      const linkName = `${(parts[2] ?? "").slice(0, 8)}-${parts[4]}-${parts[8]}`;
      resources.push({
        id: `${id}/virtualNetworkLinks/${linkName}`,
        name: linkName,
        type: `${NETWORK}/privateDnsZones/virtualNetworkLinks`,
        location: "global",
        properties: {
          virtualNetwork: ref(vnetId),
          registrationEnabled: false,
          virtualNetworkLinkState: "Completed",
          provisioningState: "Succeeded",
        },
      });
    }
  }

  const prodSubscriptions = subscriptionIds.filter((_, index) => index % 2 === 0);
  const devSubscriptions = subscriptionIds.filter((_, index) => index % 2 === 1);
  const fullTypes = ENDPOINT_TYPES;
  const scenario: Scenario = {
    resources,
    actions,
    privateEndpointTypes: {
      westeurope: fullTypes,
      northeurope: fullTypes,
      [DR_REGION]: fullTypes.filter((type) => type !== "Microsoft.KeyVault/vaults"),
    },
    managementGroups: {
      [MANAGEMENT_GROUPS.prod]: prodSubscriptions,
      ...(devSubscriptions.length > 0 ? { [MANAGEMENT_GROUPS.dev]: devSubscriptions } : {}),
      [MANAGEMENT_GROUPS.all]: subscriptionIds,
    },
    faults: [],
  };
  return { scenario, workspaces };
}

function zoneId(subscriptionId: string, zone: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${CONNECTIVITY_RESOURCE_GROUP}/providers/${NETWORK}/privateDnsZones/${zone}`;
}
