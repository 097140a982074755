// Typed, defensive views over raw ARM JSON. The snapshot keeps what the wire said; these views
// read only the fields checks decide on and never throw on missing, null or mistyped input.

import { idKey, nameOf, normaliseRegion, parseResourceId, sameId, topLevelType, vnetIdOfSubnet } from "./ids.js";
import { asObject, asArray, asString, asBoolean, eqi, absent, props, nonEmpty, isString, type Json } from "./json.js";
import type { RawResource, SnapshotTarget } from "./types.js";

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
