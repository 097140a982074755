// Typed, defensive views over raw ARM JSON. The snapshot keeps what the wire said; these views
// read only the fields checks decide on and never throw on missing, null or mistyped input.

import { idKey, nameOf, normaliseRegion, parseResourceId, sameId, topLevelType, vnetIdOfSubnet } from "./ids.js";
import type { RawResource, SnapshotTarget } from "./types.js";

type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return undefined;
}
/**
 * "Enum equals", case-insensitive: the one comparison for ARM enum values, types and names (ARM returns
 * "Enabled" and "enabled", "Deny" and "deny", "AmlCompute" and "amlcompute" alike). False for a non-string.
 */
export function eqi(value: unknown, expected: string): boolean {
  return typeof value === "string" && value.toLowerCase() === expected.toLowerCase();
}
/** ARM sends null for a field it leaves unset: both read as absent. */
function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}
function props(raw: unknown): Json {
  return asObject(asObject(raw)?.properties) ?? {};
}
function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return asArray(value).filter((item): item is string => typeof item === "string");
}

export interface WorkspaceView {
  id: string;
  name: string;
  location: string;
  /** `kind`: "Default", "Hub", "Project", "FeatureStore"; undefined when ARM sends none. */
  kind?: string;
  /** A project's `properties.hubResourceId`: the hub it inherits its dependencies and network from. */
  hubResourceId?: string;
  storageAccountId?: string;
  containerRegistryId?: string;
  keyVaultId?: string;
  imageBuildCompute?: string;
  publicNetworkAccess?: string;
  managedNetworkIsolation?: string;
  managedNetwork: ManagedNetworkView;
  privateEndpointIds: string[];
}

/** `properties.managedNetwork` of a workspace. */
interface ManagedNetworkView {
  /** "Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"; undefined when ARM sends none. */
  isolationMode?: string;
  /** `status.status`: "Active" once provisioned, "Inactive" before. */
  status?: string;
  /** `status.sparkReady`: provisioned with serverless Spark (`--include-spark`); undefined when ARM sends none. */
  sparkReady?: boolean;
  /** `outboundRules`, a map by rule name in ARM's wire format. */
  outboundRules: ManagedOutboundRule[];
}

export interface ManagedOutboundRule {
  name: string;
  /** "FQDN", "PrivateEndpoint" or "ServiceTag". */
  type?: string;
  /** "Required", "Recommended", "UserDefined", "Dependency". */
  category?: string;
  /** "Active" or "Inactive". */
  status?: string;
  /** FQDN rules: the host name (may start with "*."). */
  fqdn?: string;
  /** PrivateEndpoint rules: the target resource and its sub-resource. */
  serviceResourceId?: string;
  subresourceTarget?: string;
  /** ServiceTag rules: the tag, protocol and port ranges. */
  serviceTag?: string;
  protocol?: string;
  portRanges?: string;
  /** "Allow" or "Deny" (FQDN and service tag rules); undefined means Allow. */
  action?: string;
}

function managedNetworkView(raw: unknown): ManagedNetworkView {
  const managed = asObject(props(raw).managedNetwork);
  const rules = asObject(managed?.outboundRules) ?? {};
  return {
    isolationMode: asString(managed?.isolationMode),
    status: asString(asObject(managed?.status)?.status),
    sparkReady: asBoolean(asObject(managed?.status)?.sparkReady),
    outboundRules: Object.entries(rules).map(([name, value]) => {
      const rule = asObject(value) ?? {};
      const destination = rule.destination;
      const destinationObject = asObject(destination);
      return {
        name,
        type: asString(rule.type),
        category: asString(rule.category),
        status: asString(rule.status),
        ...(typeof destination === "string" ? { fqdn: destination } : {}),
        ...(destinationObject
          ? {
              serviceResourceId: asString(destinationObject.serviceResourceId),
              subresourceTarget: asString(destinationObject.subresourceTarget),
              serviceTag: asString(destinationObject.serviceTag),
              protocol: asString(destinationObject.protocol),
              portRanges: asString(destinationObject.portRanges),
              action: asString(destinationObject.action),
            }
          : {}),
      };
    }),
  };
}

export function workspaceView(raw: RawResource): WorkspaceView {
  const p = props(raw);
  const managed = asObject(p.managedNetwork);
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? parseResourceId(raw.id)?.name ?? "",
    location: asString(raw.location) ?? "",
    kind: asString(raw.kind),
    hubResourceId: nonEmpty(asString(p.hubResourceId)),
    storageAccountId: nonEmpty(asString(p.storageAccount)),
    containerRegistryId: nonEmpty(asString(p.containerRegistry)),
    keyVaultId: nonEmpty(asString(p.keyVault)),
    imageBuildCompute: nonEmpty(asString(p.imageBuildCompute)),
    publicNetworkAccess: asString(p.publicNetworkAccess),
    managedNetworkIsolation: asString(managed?.isolationMode),
    managedNetwork: managedNetworkView(raw),
    privateEndpointIds: privateEndpointConnections(raw)
      .map((c) => c.privateEndpointId)
      .filter(isString),
  };
}

/**
 * The hub a Foundry project (`kind` Project, any case) inherits from: its `hubResourceId`. Undefined for
 * any other workspace, and for a project that names none.
 */
export function hubIdOfProject(raw: RawResource | undefined): string | undefined {
  return raw && eqi(raw.kind, "Project") ? nonEmpty(asString(props(raw).hubResourceId)) : undefined;
}

/**
 * The workspace whose settings, dependencies and computes apply, as a target `az ml workspace` commands
 * name: a project's hub (learn.microsoft.com/azure/machine-learning/concept-hub-workspace), otherwise the
 * workspace itself.
 */
export function settingsTarget(target: SnapshotTarget): SnapshotTarget {
  const { hub } = target;
  if (!hub) return target;
  return {
    workspaceId: hub.id,
    subscriptionId: hub.subscriptionId,
    resourceGroup: hub.resourceGroup,
    workspace: hub.name,
  };
}

/** A setting a project's own body gives that differs from its hub's (Learn says the hub's applies). */
export interface ProjectDifference {
  /** The workspace property, e.g. "containerRegistry", "managedNetwork.isolationMode". */
  field: string;
  project: string;
  hub: string;
}

/**
 * Where a project's own body names something other than its hub does. A field the project leaves
 * empty (or at its default: isolation mode Disabled, no private endpoints) is inherited, not different.
 */
export function projectDifferences(project: RawResource, hub: RawResource): ProjectDifference[] {
  const own = workspaceView(project);
  const inherited = workspaceView(hub);
  const out: ProjectDifference[] = [];
  const ids: Array<[string, string | undefined, string | undefined]> = [
    ["storageAccount", own.storageAccountId, inherited.storageAccountId],
    ["keyVault", own.keyVaultId, inherited.keyVaultId],
    ["containerRegistry", own.containerRegistryId, inherited.containerRegistryId],
  ];
  for (const [field, mine, theirs] of ids)
    if (mine && !sameId(mine, theirs)) out.push({ field, project: mine, hub: theirs ?? "" });
  if (own.imageBuildCompute && !eqi(own.imageBuildCompute, inherited.imageBuildCompute ?? ""))
    out.push({ field: "imageBuildCompute", project: own.imageBuildCompute, hub: inherited.imageBuildCompute ?? "" });
  const mode = own.managedNetworkIsolation;
  if (mode && !eqi(mode, "Disabled") && !eqi(mode, inherited.managedNetworkIsolation ?? "Disabled"))
    out.push({ field: "managedNetwork.isolationMode", project: mode, hub: inherited.managedNetworkIsolation ?? "" });
  const hubEndpoints = new Set(inherited.privateEndpointIds.map(idKey));
  const extra = own.privateEndpointIds.filter((id) => !hubEndpoints.has(idKey(id)));
  if (extra.length > 0)
    out.push({
      field: "privateEndpointConnections",
      project: extra.join(", "),
      hub: inherited.privateEndpointIds.join(", "),
    });
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}
function isString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

export interface EndpointConnectionView {
  id?: string;
  privateEndpointId?: string;
  status?: string;
}

/** `properties.privateEndpointConnections[]` of a storage account, registry, key vault or workspace. */
export function privateEndpointConnections(raw: unknown): EndpointConnectionView[] {
  return asArray(props(raw).privateEndpointConnections).map((entry) => {
    const p = props(entry);
    return {
      id: asString(asObject(entry)?.id),
      privateEndpointId: asString(asObject(p.privateEndpoint)?.id),
      status: asString(asObject(p.privateLinkServiceConnectionState)?.status),
    };
  });
}

/** How a dependency (storage account or registry) admits network traffic. */
export interface NetworkAccessView {
  id: string;
  location: string;
  /** "Enabled", "Disabled", "SecuredByPerimeter" or undefined (ARM's default: Enabled). */
  publicNetworkAccess?: string;
  /** "Allow" or "Deny"; undefined when no rule set (Allow). */
  defaultAction?: string;
  /** Subnet IDs in the resource's virtual-network rules that are in effect. */
  subnetRules: string[];
  /**
   * Virtual-network rules not in effect (`state` Provisioning, Deprovisioning, Failed, NetworkSourceDeleted):
   * they admit nothing (learn.microsoft.com/azure/storage/common/storage-network-security).
   */
  inactiveSubnetRules: Array<{ id: string; state: string }>;
  /** Whether the resource refuses traffic that arrives over its public endpoint from unlisted networks. */
  restricted: boolean;
  /** Public access fully off: only private endpoints reach it. */
  publicDisabled: boolean;
  bypass?: string;
  /** Storage only: `networkAcls.resourceAccessRules` (resource-instance rules). */
  resourceAccessRules: Array<{ tenantId?: string; resourceId?: string }>;
  sku?: string;
  connections: EndpointConnectionView[];
}

export function storageAccessView(raw: RawResource): NetworkAccessView {
  const p = props(raw);
  const acls = asObject(p.networkAcls);
  return accessView(raw, p, acls, asArray(acls?.virtualNetworkRules), "id", asString(acls?.bypass));
}

export function registryAccessView(raw: RawResource): NetworkAccessView {
  const p = props(raw);
  const rules = asObject(p.networkRuleSet);
  return accessView(raw, p, rules, asArray(rules?.virtualNetworkRules), "id", asString(p.networkRuleBypassOptions));
}

function accessView(
  raw: RawResource,
  p: Json,
  ruleSet: Json | undefined,
  vnetRules: unknown[],
  idField: string,
  bypass: string | undefined,
): NetworkAccessView {
  const publicNetworkAccess = asString(p.publicNetworkAccess);
  const defaultAction = asString(ruleSet?.defaultAction);
  const publicDisabled = publicNetworkAccess !== undefined && !eqi(publicNetworkAccess, "Enabled");
  const allowRules = vnetRules
    .map(asObject)
    .filter((rule): rule is Json => rule !== undefined)
    // Allow is the only action.
    .filter((rule) => absent(rule.action) || eqi(rule.action, "Allow"));
  const ruleSubnet = (rule: Json) => asString(rule[idField]) ?? asString(rule.virtualNetworkResourceId);
  // A rule still provisioning, failed or whose subnet is gone admits nothing.
  const active = (rule: Json) => absent(rule.state) || eqi(rule.state, "Succeeded");
  const subnetRules = allowRules.filter(active).map(ruleSubnet).filter(isString);
  const inactiveSubnetRules = allowRules
    .filter((rule) => !active(rule))
    .flatMap((rule) => {
      const id = ruleSubnet(rule);
      return id ? [{ id, state: asString(rule.state) ?? String(rule.state) }] : [];
    });
  return {
    id: asString(raw.id) ?? "",
    location: asString(raw.location) ?? "",
    publicNetworkAccess,
    defaultAction,
    subnetRules,
    inactiveSubnetRules,
    restricted: publicDisabled || eqi(defaultAction, "Deny"),
    publicDisabled,
    bypass,
    resourceAccessRules: asArray(ruleSet?.resourceAccessRules)
      .map(asObject)
      .filter((rule): rule is Json => rule !== undefined)
      .map((rule) => ({ tenantId: asString(rule.tenantId), resourceId: asString(rule.resourceId) })),
    sku: asString(asObject(raw.sku)?.name),
    connections: privateEndpointConnections(raw),
  };
}

export interface ComputeView {
  id: string;
  name: string;
  computeType: string;
  location?: string;
  provisioningState?: string;
  vmSize?: string;
  subnetId?: string;
  enableNodePublicIp?: boolean;
  /**
   * The compute's managed identity, `identity.type` as ARM sends it ("SystemAssigned", "UserAssigned",
   * "SystemAssigned,UserAssigned", "None"). "None" when the body has no identity (ARM leaves it out then);
   * undefined when an identity is there without a readable type.
   */
  identityType?: string;
}

export function computeView(raw: RawResource): ComputeView {
  const p = props(raw);
  const inner = asObject(p.properties) ?? {};
  const aksNetworking = asObject(inner.aksNetworkingConfiguration);
  const subnetId = asString(asObject(inner.subnet)?.id) ?? asString(aksNetworking?.subnetId);
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? parseResourceId(raw.id)?.name ?? "",
    computeType: asString(p.computeType) ?? "",
    location: asString(p.computeLocation) ?? asString(raw.location),
    provisioningState: asString(p.provisioningState),
    vmSize: asString(inner.vmSize),
    subnetId: nonEmpty(subnetId),
    enableNodePublicIp: asBoolean(inner.enableNodePublicIp),
    identityType: identityTypeOf(raw.identity),
  };
}

function identityTypeOf(raw: unknown): string | undefined {
  const identity = asObject(raw);
  return identity ? asString(identity.type) : "None";
}

/** The registry's admin user is on (ARM sends a boolean; tolerate "true"). */
export function registryAdminUserEnabled(raw: RawResource | undefined): boolean {
  return asBoolean(asObject(raw?.properties)?.adminUserEnabled) === true;
}

/** Registry settings that break Azure ML when hardened. */
export interface RegistryPolicyView {
  id: string;
  sku?: string;
  adminUserEnabled: boolean;
  /** `policies.quarantinePolicy.status`: "enabled" or "disabled" (any case); undefined when absent. */
  quarantine?: string;
}

export function registryPolicyView(raw: RawResource): RegistryPolicyView {
  const policies = asObject(props(raw).policies);
  return {
    id: asString(raw.id) ?? "",
    sku: asString(asObject(raw.sku)?.name),
    adminUserEnabled: registryAdminUserEnabled(raw),
    quarantine: asString(asObject(policies?.quarantinePolicy)?.status),
  };
}

/** The storage account refuses shared-key access (`allowSharedKeyAccess` false; tolerate "false"). Absent means allowed. */
export function storageSharedKeyDisallowed(raw: RawResource | undefined): boolean {
  return asBoolean(asObject(raw?.properties)?.allowSharedKeyAccess) === false;
}

/** GPU sizes are the N-series (NC, ND, NV, NG…); everything else is CPU. */
export function isGpuVmSize(vmSize: string): boolean {
  return /^standard_n/i.test(vmSize.trim());
}

export interface PrivateEndpointView {
  id: string;
  location: string;
  subnetId?: string;
  vnetId?: string;
  /**
   * The endpoint's private IP addresses as its own body gives them: `customDnsConfigs[].ipAddresses` and
   * static `ipConfigurations[].properties.privateIPAddress`. Empty when the body names none (its NIC holds them).
   */
  ipAddresses: string[];
  /** One entry per link to a target resource (automatic and manual approval). */
  links: Array<{ targetId?: string; targetType?: string; groupIds: string[]; status?: string }>;
}

export function privateEndpointView(raw: RawResource): PrivateEndpointView {
  const p = props(raw);
  const subnetId = asString(asObject(p.subnet)?.id);
  const links = [...asArray(p.privateLinkServiceConnections), ...asArray(p.manualPrivateLinkServiceConnections)].map(
    (link) => {
      const lp = props(link);
      const targetId = asString(lp.privateLinkServiceId);
      return {
        targetId,
        targetType: topLevelType(targetId),
        groupIds: stringList(lp.groupIds),
        status: asString(asObject(lp.privateLinkServiceConnectionState)?.status),
      };
    },
  );
  const ipAddresses = [
    ...asArray(p.customDnsConfigs).flatMap((config) => stringList(asObject(config)?.ipAddresses)),
    ...asArray(p.ipConfigurations).flatMap((config) => stringList(props(config).privateIPAddress)),
  ]
    .map((address) => address.trim())
    .filter(Boolean);
  return {
    id: asString(raw.id) ?? "",
    location: asString(raw.location) ?? "",
    subnetId,
    vnetId: vnetIdOfSubnet(subnetId),
    ipAddresses: [...new Set(ipAddresses)],
    links,
  };
}

export interface SubnetView {
  id: string;
  name: string;
  addressPrefixes: string[];
  networkSecurityGroupId?: string;
  routeTableId?: string;
  natGatewayId?: string;
  /** `defaultOutboundAccess`: false means no implicit outbound; undefined when ARM sends none. */
  defaultOutboundAccess?: boolean;
  /** `serviceEndpoints[]`: the services whose traffic leaves the subnet with its identity. */
  serviceEndpoints: ServiceEndpointView[];
}

export interface ServiceEndpointView {
  /** "Microsoft.Storage", "Microsoft.Storage.Global", "Microsoft.KeyVault", ... */
  service: string;
  /** The regions it serves ("*" for all); empty when ARM sends none. */
  locations: string[];
  /** "Succeeded" once in effect; undefined when ARM sends none. */
  provisioningState?: string;
}

export interface VirtualNetworkView {
  id: string;
  location: string;
  addressPrefixes: string[];
  subnets: SubnetView[];
  /** Peerings that carry traffic now (peeringState Connected). */
  connectedPeers: string[];
  /** Every peering with its state, for evidence. */
  peerings: Array<{ name: string; remoteVnetId?: string; state?: string }>;
  /** `dhcpOptions.dnsServers`: custom DNS servers; empty means Azure-provided DNS (168.63.129.16). */
  dnsServers: string[];
}

export function virtualNetworkView(raw: RawResource): VirtualNetworkView {
  const p = props(raw);
  const peerings = asArray(p.virtualNetworkPeerings).map((peering) => {
    const pp = props(peering);
    return {
      name: asString(asObject(peering)?.name) ?? "",
      remoteVnetId: asString(asObject(pp.remoteVirtualNetwork)?.id),
      state: asString(pp.peeringState),
    };
  });
  return {
    id: asString(raw.id) ?? "",
    location: asString(raw.location) ?? "",
    addressPrefixes: stringList(asObject(p.addressSpace)?.addressPrefixes),
    subnets: asArray(p.subnets).map((subnet) => subnetView(subnet)),
    connectedPeers: peerings
      .filter((peering) => eqi(peering.state, "Connected") && peering.remoteVnetId)
      .map((peering) => peering.remoteVnetId as string),
    peerings,
    dnsServers: stringList(asObject(p.dhcpOptions)?.dnsServers)
      .map((server) => server.trim())
      .filter(Boolean),
  };
}

function subnetView(raw: unknown): SubnetView {
  const object = asObject(raw) ?? {};
  const p = props(raw);
  const prefixes = [...stringList(p.addressPrefix), ...stringList(p.addressPrefixes)];
  return {
    id: asString(object.id) ?? "",
    name: asString(object.name) ?? "",
    addressPrefixes: [...new Set(prefixes)],
    networkSecurityGroupId: asString(asObject(p.networkSecurityGroup)?.id),
    routeTableId: asString(asObject(p.routeTable)?.id),
    natGatewayId: asString(asObject(p.natGateway)?.id),
    defaultOutboundAccess: asBoolean(p.defaultOutboundAccess),
    serviceEndpoints: asArray(p.serviceEndpoints).flatMap((entry) => {
      const endpoint = asObject(entry);
      const service = asString(endpoint?.service)?.trim();
      return service
        ? [
            {
              service,
              locations: stringList(endpoint?.locations)
                .map((location) => location.trim())
                .filter(Boolean),
              provisioningState: asString(endpoint?.provisioningState),
            },
          ]
        : [];
    }),
  };
}

export interface RouteView {
  name: string;
  /** A CIDR or a service tag (route tables accept tags such as "AzureMachineLearning"). */
  addressPrefix?: string;
  /** "VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance" or "None". */
  nextHopType?: string;
  nextHopIpAddress?: string;
}

export interface RouteTableView {
  id: string;
  location: string;
  disableBgpRoutePropagation?: boolean;
  routes: RouteView[];
}

export function routeTableView(raw: RawResource): RouteTableView {
  const p = props(raw);
  return {
    id: asString(raw.id) ?? "",
    location: asString(raw.location) ?? "",
    disableBgpRoutePropagation: asBoolean(p.disableBgpRoutePropagation),
    routes: asArray(p.routes).map((route) => {
      const rp = props(route);
      return {
        name: asString(asObject(route)?.name) ?? "",
        addressPrefix: asString(rp.addressPrefix)?.trim(),
        nextHopType: asString(rp.nextHopType),
        nextHopIpAddress: asString(rp.nextHopIpAddress),
      };
    }),
  };
}

/** A private endpoint's DNS zone group: the private DNS zones its records are written to. */
export interface DnsZoneGroupView {
  id: string;
  name: string;
  zones: Array<{ zoneId?: string; zoneName?: string; recordSets: Array<{ fqdn?: string; ipAddresses: string[] }> }>;
}

export function dnsZoneGroupView(raw: RawResource): DnsZoneGroupView {
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? "",
    zones: asArray(props(raw).privateDnsZoneConfigs).map((config) => {
      const cp = props(config);
      const zoneId = nonEmpty(asString(cp.privateDnsZoneId));
      return {
        zoneId,
        zoneName: zoneId ? (parseResourceId(zoneId)?.name ?? zoneId.split("/").pop()) : undefined,
        recordSets: asArray(cp.recordSets).map((record) => {
          const r = asObject(record) ?? {};
          return { fqdn: asString(r.fqdn), ipAddresses: stringList(r.ipAddresses) };
        }),
      };
    }),
  };
}

/** A private DNS zone's link to a VNet. */
export interface DnsZoneLinkView {
  id: string;
  name: string;
  vnetId?: string;
  /** "Completed" once the link resolves; "InProgress" before. */
  linkState?: string;
  provisioningState?: string;
}

export function dnsZoneLinkView(raw: RawResource): DnsZoneLinkView {
  const p = props(raw);
  return {
    id: asString(raw.id) ?? "",
    name: asString(raw.name) ?? "",
    vnetId: asString(asObject(p.virtualNetwork)?.id),
    linkState: asString(p.virtualNetworkLinkState),
    provisioningState: asString(p.provisioningState),
  };
}

/** Index of snapshot resources by ID, case-insensitive. */
/**
 * A resource's ID key and the key of the collection it is listed in, worked out once per resource
 * object: the snapshots of a fleet audited offline share their VNets, NSGs and DNS zones (a hub zone's
 * hundreds of links in every workspace's snapshot), and each snapshot's index would key them again.
 */
const resourceKeys = new WeakMap<object, { key: string; list: string }>();

function keysOf(resource: RawResource): { key: string; list: string } | undefined {
  if (typeof resource?.id !== "string") return undefined;
  let keys = resourceKeys.get(resource);
  if (keys === undefined) {
    const key = idKey(resource.id);
    keys = { key, list: key.slice(0, key.lastIndexOf("/")) };
    resourceKeys.set(resource, keys);
  }
  return keys;
}

export class ResourceIndex {
  private readonly byId = new Map<string, RawResource>();
  /** Resources by the collection they are listed in (`<parent>/<collection>`, as an ID key). */
  private readonly byList = new Map<string, RawResource[]>();
  constructor(resources: readonly RawResource[]) {
    for (const resource of resources) {
      const keys = keysOf(resource);
      if (keys === undefined) continue;
      this.byId.set(keys.key, resource);
      const members = this.byList.get(keys.list);
      if (members) members.push(resource);
      else this.byList.set(keys.list, [resource]);
    }
  }
  get(id: string | undefined): RawResource | undefined {
    return id ? this.byId.get(idKey(id)) : undefined;
  }
  /** The resources listed under `<parent>/<collection>` (computes, zone groups, VNet links), in snapshot order. */
  listed(listId: string): RawResource[] {
    return this.byList.get(idKey(listId)) ?? [];
  }
  ofType(type: string): RawResource[] {
    const prefix = type.toLowerCase();
    return [...this.byId.values()].filter((resource) => eqi(resource.type, prefix));
  }
}

export { idKey, nameOf, normaliseRegion, parseResourceId, sameId, topLevelType, vnetIdOfSubnet };
