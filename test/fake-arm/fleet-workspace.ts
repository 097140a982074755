// One workspace of a generated fleet and its dependencies: laid out like examples/healthy-workspace.json,
// each workspace owns a storage account, a Premium registry, a key vault, one or two AmlCompute clusters
// (cpu-build is its imageBuildCompute) and private endpoints (with zone groups) for all four, plus the
// keys its actions list; the failures planted on it change these the way a real misconfiguration looks.
// With shared dependencies, a block of workspaces of one resource group uses the storage account and
// registry of its first workspace (the owner), as teams that share them do.

import { dnsZoneGroupResource, type EndpointGroup } from "./fleet-dns.js";
import type { PlantedFailures, SeedFailure } from "./fleet-failures.js";
import { addComputeSubnet, nsgResource, placeEndpoint, type EndpointPlacement } from "./fleet-network.js";
import type { ResourceGroupPlan } from "./fleet-network.js";
import { APPROVED, NETWORK, nameOf, ref } from "./fleet-wire.js";
import { deterministicGuid, hash32 } from "./random.js";
import type { ArmResource } from "./scenario.js";

export interface FleetWorkspace {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  tags: Record<string, string>;
  /** The seed failures planted on it, in {@link SEED_FAILURES} order; empty: every check passes or skips. */
  planted: SeedFailure[];
}

/** Where the generator collects the fleet's resources and action bodies. */
export interface FleetSink {
  resources: ArmResource[];
  actions: Record<string, unknown>;
}

const TEAMS = ["vision", "nlp", "forecasting", "recsys"] as const;

/** Keys were made long before any run of the fleet; a planted rotation is also far older than an hour. */
const KEYS_CREATED = "2026-01-10T08:00:00.0000000Z";
const KEY_ROTATED = "2026-02-03T07:30:00.0000000Z";

const TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

/** One workspace's names and IDs, the failures planted on it and its random layout choices. */
interface WorkspacePlan {
  group: ResourceGroupPlan;
  /** Its number, zero-padded. */
  number: string;
  name: string;
  /** The name without its dash, for storage and registry names. */
  compact: string;
  region: string;
  wsId: string;
  storageId: string;
  registryId: string;
  vaultId: string;
  /** The resource group's `Microsoft.Network` provider path. */
  net: string;
  planted: SeedFailure[];
  colocation: boolean;
  endpointRegion: boolean;
  imageBuild: boolean;
  serviceTags: boolean;
  keySync: boolean;
  team: string;
  adminUser: boolean;
  twoClusters: boolean;
  ownSubnet: boolean;
  buildComputeMissing: boolean;
  tags: Record<string, string>;
  /** Shared dependencies: whether this workspace owns them (creates the storage account and registry), and whose they are. */
  sharing?: { owns: boolean; ownerName: string };
}

/** Where workspace number `index` goes and what it draws from the fleet's layout stream. */
export interface WorkspaceSlot {
  index: number;
  group: ResourceGroupPlan;
  /** Digits of a workspace number. */
  width: number;
  failures: PlantedFailures;
  /** The fleet's layout stream, shared by every workspace in order. */
  random: () => number;
  /** The subscription holding the private DNS zones. */
  dnsSubscriptionId: string;
  /**
   * Shared dependencies: `owner` undefined makes this workspace the owner of a storage account and registry
   * others use; set, it uses that owner's. Absent: it owns its own, alone.
   */
  sharing?: { owner?: DependencyOwner };
}

/** The workspace whose storage account and registry a block of workspaces shares. */
export interface DependencyOwner {
  name: string;
  storageId: string;
  registryId: string;
  adminUser: boolean;
}

function planWorkspace(slot: WorkspaceSlot): WorkspacePlan {
  const { index, group, failures, random } = slot;
  const number = String(index + 1).padStart(slot.width, "0");
  const name = `mlw-${number}`;
  const compact = `mlw${number}`;
  const region = group.region;
  const rg = group.id;
  const wsId = `${rg}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
  const owner = slot.sharing?.owner;
  const storageId = owner?.storageId ?? `${rg}/providers/Microsoft.Storage/storageAccounts/st${compact}`;
  const registryId = owner?.registryId ?? `${rg}/providers/Microsoft.ContainerRegistry/registries/cr${compact}`;
  const vaultId = `${rg}/providers/Microsoft.KeyVault/vaults/kv-${name}`;
  const net = `${rg}/providers/${NETWORK}`;
  const planted = failures.on(index);
  const colocation = failures.has("subnet-colocation", index);
  const endpointRegion = failures.has("private-endpoint-region", index);
  const imageBuild = failures.has("acr-vnet-image-build", index);
  const serviceTags = failures.has("service-tags-outbound", index);
  const keySync = failures.has("key-sync", index);

  // The layout's random choices, always drawn in this order so that one choice never shifts another.
  const team = TEAMS[Math.floor(random() * TEAMS.length)] as string;
  const drawnAdminUser = random() < 0.5;
  // A shared registry has one admin user setting: its owner's.
  const adminUser = owner ? owner.adminUser : drawnAdminUser;
  const twoClusters = random() < 0.5 || colocation;
  const ownSubnet = random() < 0.25 || serviceTags;
  const buildComputeMissing = random() < 0.5;
  const tags = {
    team,
    env: group.subscriptionIndex % 2 === 0 ? "prod" : "dev",
    "cost-center": `cc-${1000 + (hash32(team) % 9000)}`,
  };
  return {
    group,
    number,
    name,
    compact,
    region,
    wsId,
    storageId,
    registryId,
    vaultId,
    net,
    planted,
    colocation,
    endpointRegion,
    imageBuild,
    serviceTags,
    keySync,
    team,
    adminUser,
    twoClusters,
    ownSubnet,
    buildComputeMissing,
    tags,
    ...(slot.sharing ? { sharing: { owns: !owner, ownerName: owner?.name ?? name } } : {}),
  };
}

/**
 * Compute subnets: the RG's shared training subnet, or the workspace's own (with its own NSG when
 * its outbound is locked down: the RG's NSG is shared by every workspace in the group).
 */
function layOutComputeSubnets(
  plan: WorkspacePlan,
  resources: ArmResource[],
): { buildSubnet: string; trainSubnet: string } {
  const { group, name } = plan;
  const nsgId = plan.serviceTags ? `${plan.net}/networkSecurityGroups/nsg-${name}` : group.nsgId;
  const buildSubnet = plan.ownSubnet ? addComputeSubnet(group, name, "", nsgId) : group.trainingSubnetId;
  // subnet-colocation: a second cluster on a subnet of its own that the storage account's rules do not list.
  const trainSubnet = plan.colocation ? addComputeSubnet(group, name, "-gpu", nsgId) : buildSubnet;
  const mySubnets = [...new Set([buildSubnet, trainSubnet])];
  if (plan.serviceTags) resources.push(nsgResource(nsgId, plan.region, mySubnets, true));
  return { buildSubnet, trainSubnet };
}

/** Private endpoint IDs by `<owner>:<group>` (owner: workspace, storage, registry or vault). */
type EndpointIds = Record<string, string>;

function privateEndpointResource(
  peId: string,
  peName: string,
  targetId: string,
  groupId: EndpointGroup,
  place: EndpointPlacement,
): ArmResource {
  return {
    id: peId,
    name: peName,
    type: `${NETWORK}/privateEndpoints`,
    location: place.location,
    properties: {
      provisioningState: "Succeeded",
      subnet: ref(place.subnetId),
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
  };
}

/** Private endpoints: in the RG's endpoint subnet, except a planted key vault endpoint in the DR VNet. */
function addPrivateEndpoints(plan: WorkspacePlan, dnsSubscriptionId: string, resources: ArmResource[]): EndpointIds {
  const { name, compact } = plan;
  const endpointIds: EndpointIds = {};
  const endpoint = (owner: string, targetId: string, groupId: EndpointGroup, peName: string, inDrVnet = false) => {
    const peId = `${plan.net}/privateEndpoints/${peName}`;
    endpointIds[`${owner}:${groupId}`] = peId;
    const place = placeEndpoint(plan.group, inDrVnet);
    resources.push(privateEndpointResource(peId, peName, targetId, groupId, place));
    resources.push(dnsZoneGroupResource(peId, peName, groupId, place.address, dnsSubscriptionId));
  };
  endpoint("workspace", plan.wsId, "amlworkspace", `pe-${name}`);
  // A shared storage account and registry have their endpoints once, made with them by their owner.
  const owns = plan.sharing?.owns ?? true;
  if (!plan.colocation && owns) {
    endpoint("storage", plan.storageId, "blob", `pe-st${compact}-blob`);
    endpoint("storage", plan.storageId, "file", `pe-st${compact}-file`);
  }
  if (owns) endpoint("registry", plan.registryId, "registry", `pe-cr${compact}`);
  endpoint("vault", plan.vaultId, "vault", `pe-kv-${name}`, plan.endpointRegion);
  return endpointIds;
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

/** The private endpoint connections of `owner`'s resource `ownerId`. */
function connections(endpointIds: EndpointIds, owner: string, ownerId: string) {
  return Object.entries(endpointIds)
    .filter(([key]) => key.startsWith(`${owner}:`))
    .map(([, peId]) => endpointConnection(ownerId, peId));
}

function workspaceResource(plan: WorkspacePlan, endpointIds: EndpointIds): ArmResource {
  const { wsId } = plan;
  const workspaceProperties: Record<string, unknown> = {
    friendlyName: `ML ${plan.team} ${plan.number}`,
    storageAccount: plan.storageId,
    containerRegistry: plan.registryId,
    keyVault: plan.vaultId,
    imageBuildCompute: "cpu-build",
    publicNetworkAccess: "Disabled",
    provisioningState: "Succeeded",
    hbiWorkspace: false,
    v1LegacyMode: false,
    managedNetwork: { isolationMode: "Disabled" },
    privateEndpointConnections: connections(endpointIds, "workspace", wsId),
  };
  // acr-vnet-image-build: the registry stays private, and image builds have no cluster to run on.
  if (plan.imageBuild) {
    if (plan.buildComputeMissing) workspaceProperties.imageBuildCompute = "cpu-build-old";
    else delete workspaceProperties.imageBuildCompute;
  }
  return {
    id: wsId,
    name: plan.name,
    type: "Microsoft.MachineLearningServices/workspaces",
    location: plan.region,
    tags: plan.tags,
    identity: { type: "SystemAssigned", principalId: deterministicGuid(`principal ${wsId}`), tenantId: TENANT_ID },
    sku: { name: "Basic", tier: "Basic" },
    kind: "Default",
    properties: workspaceProperties,
  };
}

/** key1's creation time: key-sync rotated it (long ago) without the workspace noticing; a shared account's was rotated. */
function keyCreation(plan: WorkspacePlan): string {
  return plan.keySync || plan.sharing ? KEY_ROTATED : KEYS_CREATED;
}

/** Storage: private endpoints only, or (subnet-colocation) service endpoints with a rule for the build subnet alone. */
function storageResource(plan: WorkspacePlan, buildSubnet: string, endpointIds: EndpointIds): ArmResource {
  const { storageId, colocation } = plan;
  return {
    id: storageId,
    name: nameOf(storageId),
    type: "Microsoft.Storage/storageAccounts",
    location: plan.region,
    kind: "StorageV2",
    sku: { name: "Standard_LRS", tier: "Standard" },
    properties: {
      provisioningState: "Succeeded",
      publicNetworkAccess: colocation ? "Enabled" : "Disabled",
      allowSharedKeyAccess: true,
      minimumTlsVersion: "TLS1_2",
      keyCreationTime: { key1: keyCreation(plan), key2: KEYS_CREATED },
      networkAcls: {
        bypass: "AzureServices",
        defaultAction: "Deny",
        virtualNetworkRules: colocation ? [{ id: buildSubnet, action: "Allow", state: "Succeeded" }] : [],
        ipRules: [],
      },
      privateEndpointConnections: connections(endpointIds, "storage", storageId),
      primaryEndpoints: {
        blob: `https://${nameOf(storageId)}.blob.core.windows.net/`,
        file: `https://${nameOf(storageId)}.file.core.windows.net/`,
      },
    },
  };
}

function registryResource(plan: WorkspacePlan, endpointIds: EndpointIds): ArmResource {
  const { registryId } = plan;
  return {
    id: registryId,
    name: nameOf(registryId),
    type: "Microsoft.ContainerRegistry/registries",
    location: plan.region,
    sku: { name: "Premium", tier: "Premium" },
    properties: {
      loginServer: `${nameOf(registryId)}.azurecr.io`,
      provisioningState: "Succeeded",
      adminUserEnabled: plan.adminUser,
      publicNetworkAccess: "Disabled",
      networkRuleSet: { defaultAction: "Deny", ipRules: [] },
      networkRuleBypassOptions: "AzureServices",
      policies: { quarantinePolicy: { status: "disabled" } },
      privateEndpointConnections: connections(endpointIds, "registry", registryId),
      zoneRedundancy: "Disabled",
    },
  };
}

function vaultResource(plan: WorkspacePlan, endpointIds: EndpointIds): ArmResource {
  const { vaultId } = plan;
  return {
    id: vaultId,
    name: nameOf(vaultId),
    type: "Microsoft.KeyVault/vaults",
    location: plan.region,
    properties: {
      tenantId: TENANT_ID,
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      publicNetworkAccess: "Disabled",
      networkAcls: { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] },
      privateEndpointConnections: connections(endpointIds, "vault", vaultId),
      vaultUri: `https://${nameOf(vaultId)}.vault.azure.net/`,
    },
  };
}

function clusterResource(plan: WorkspacePlan, clusterName: string, vmSize: string, subnetId: string): ArmResource {
  return {
    id: `${plan.wsId}/computes/${clusterName}`,
    name: clusterName,
    type: "Microsoft.MachineLearningServices/workspaces/computes",
    location: plan.region,
    // With the registry's admin user off, a cluster pulls with its managed identity (Learn,
    // how-to-identity-based-service-authentication): such workspaces create their clusters with one.
    ...(plan.adminUser
      ? {}
      : {
          identity: {
            type: "SystemAssigned",
            principalId: deterministicGuid(`principal ${plan.wsId}/computes/${clusterName}`),
            tenantId: TENANT_ID,
          },
        }),
    properties: {
      computeType: "AmlCompute",
      computeLocation: plan.region,
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
  };
}

/**
 * Keys of a shared storage account and registry (named for their owner): key1 was rotated long ago, and every
 * workspace caches the new one, except a key-sync workspace, which still caches the old one.
 */
function addSharedKeyActions(
  plan: WorkspacePlan,
  ownerName: string,
  owns: boolean,
  actions: Record<string, unknown>,
): void {
  const { keySync, adminUser, wsId, storageId, registryId } = plan;
  const storageKey = (slot: number, version = "") => `FAKE-STORAGE-KEY${slot}-${ownerName}${version}==`;
  const registryCredentials = {
    username: nameOf(registryId),
    passwords: [
      { name: "password", value: `FAKE-ACR-PASSWORD1-${ownerName}` },
      { name: "password2", value: `FAKE-ACR-PASSWORD2-${ownerName}` },
    ],
  };
  actions[`${wsId}/listKeys`] = {
    userStorageKey: storageKey(1, keySync ? "" : "-v2"),
    userStorageArmId: storageId,
    ...(adminUser ? { containerRegistryCredentials: { location: plan.region, ...registryCredentials } } : {}),
    notebookAccessKeys: { primaryAccessKey: null, secondaryAccessKey: null },
  };
  if (!owns) return;
  actions[`${storageId}/listKeys`] = {
    keys: [
      { keyName: "key1", value: storageKey(1, "-v2"), permissions: "FULL", creationTime: KEY_ROTATED },
      { keyName: "key2", value: storageKey(2), permissions: "FULL", creationTime: KEYS_CREATED },
    ],
  };
  if (adminUser) actions[`${registryId}/listCredentials`] = registryCredentials;
}

/** Keys: obviously fake, unique per workspace. key-sync: the workspace still caches the key rotated out. */
function addKeyActions(plan: WorkspacePlan, actions: Record<string, unknown>): void {
  if (plan.sharing) {
    addSharedKeyActions(plan, plan.sharing.ownerName, plan.sharing.owns, actions);
    return;
  }
  const { name, keySync, adminUser, wsId, storageId, registryId } = plan;
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
    ...(adminUser ? { containerRegistryCredentials: { location: plan.region, ...registryCredentials } } : {}),
    notebookAccessKeys: { primaryAccessKey: null, secondaryAccessKey: null },
  };
  actions[`${storageId}/listKeys`] = {
    keys: [
      { keyName: "key1", value: storageKey(1), permissions: "FULL", creationTime: keyCreation(plan) },
      { keyName: "key2", value: storageKey(2), permissions: "FULL", creationTime: KEYS_CREATED },
    ],
  };
  if (adminUser) actions[`${registryId}/listCredentials`] = registryCredentials;
}

/** Workspace number `slot.index` with its dependencies, private endpoints and key actions, added to `sink`. */
export function addWorkspace(sink: FleetSink, slot: WorkspaceSlot): FleetWorkspace {
  const plan = planWorkspace(slot);
  const { resources } = sink;
  const { buildSubnet, trainSubnet } = layOutComputeSubnets(plan, resources);
  const endpointIds = addPrivateEndpoints(plan, slot.dnsSubscriptionId, resources);
  resources.push(workspaceResource(plan, endpointIds));
  if (plan.sharing?.owns ?? true) {
    resources.push(storageResource(plan, buildSubnet, endpointIds));
    resources.push(registryResource(plan, endpointIds));
  }
  resources.push(vaultResource(plan, endpointIds));
  resources.push(clusterResource(plan, "cpu-build", "Standard_DS3_v2", buildSubnet));
  if (plan.twoClusters) resources.push(clusterResource(plan, "gpu-train", "Standard_NC6s_v3", trainSubnet));
  addKeyActions(plan, sink.actions);
  const { group, name, tags, planted } = plan;
  return { id: plan.wsId, subscriptionId: group.subscriptionId, resourceGroup: group.name, name, tags, planted };
}

/**
 * The owner record other workspaces of a block use: this workspace's storage account, registry and admin
 * user, found among the resources it added (from `sink.resources[from]` on).
 */
export function dependencyOwner(sink: FleetSink, workspace: FleetWorkspace, from: number): DependencyOwner {
  const added = sink.resources.slice(from);
  const body = added.find((resource) => resource.id === workspace.id);
  const properties = body?.properties ?? {};
  const registry = added.find((resource) => resource.id === properties.containerRegistry);
  return {
    name: workspace.name,
    storageId: String(properties.storageAccount),
    registryId: String(properties.containerRegistry),
    adminUser: registry?.properties?.adminUserEnabled === true,
  };
}
