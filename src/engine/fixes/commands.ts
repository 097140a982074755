// A fix as data: each command the fix plan may print, what `az` line it is, and what it does to a
// snapshot. The plan proves a fix by applying its commands to a copy of the snapshot and judging it
// again; a command that is not here is never printed as a fix, only as advice.

import { idKey, nameOf, parseResourceId, resourceGroupOf } from "../../snapshot/ids.js";
import type { KeyComparison, RawResource, Snapshot } from "../../snapshot/types.js";
import { asString } from "../../snapshot/json.js";
import { shellWord as quote } from "../../core/visible.js";

export type FixCommand =
  | {
      kind: "nsg-rule-priority";
      nsgId: string;
      rule: string;
      priority: number;
    }
  | {
      kind: "nsg-rule-create";
      nsgId: string;
      name: string;
      priority: number;
      direction: "Inbound" | "Outbound";
      protocol: "Tcp" | "Udp" | "*";
      sourcePrefixes: string[];
      destinationPrefix: string;
      ports: string[];
    }
  | { kind: "image-build-compute"; workspaceId: string; compute: string }
  | { kind: "sync-keys"; workspaceId: string }
  | { kind: "dns-zone-link"; zoneId: string; vnetId: string; name: string }
  | { kind: "storage-bypass"; storageId: string; bypass: string[] }
  | { kind: "registry-trusted-services"; registryId: string }
  | { kind: "registry-premium"; registryId: string }
  | { kind: "registry-quarantine-off"; registryId: string }
  /** `services` is the subnet's whole list afterwards: `--service-endpoints` replaces the list. */
  | { kind: "subnet-service-endpoints"; subnetId: string; services: string[] }
  | { kind: "storage-subnet-rule"; storageId: string; subnetId: string }
  | { kind: "endpoint-connection-approve"; connectionId: string }
  | { kind: "route-create"; routeTableId: string; name: string; addressPrefix: string; nextHopType: "Internet" };

/** `-g RG` and, when the snapshot's subscription is another, `--subscription`. */
function where(id: string): string {
  const parsed = parseResourceId(id);
  return `-g ${quote(resourceGroupOf(id))}${parsed ? ` --subscription ${quote(parsed.subscriptionId)}` : ""}`;
}

/**
 * The last name in a resource ID as one shell word. Every value in a line comes from a snapshot,
 * which may be anyone's file: each is quoted (shellWord), so no name can end the word and run code.
 */
function nameWord(id: string): string {
  return quote(nameOf(id));
}

/** The `az` line for a command: every value spelt out, so Azure's defaults decide nothing. */
export function azLine(command: FixCommand): string {
  switch (command.kind) {
    case "nsg-rule-priority":
      return `az network nsg rule update ${where(command.nsgId)} --nsg-name ${nameWord(command.nsgId)} -n ${quote(command.rule)} --priority ${command.priority}`;
    case "nsg-rule-create":
      return [
        `az network nsg rule create ${where(command.nsgId)} --nsg-name ${nameWord(command.nsgId)} -n ${quote(command.name)}`,
        `--priority ${command.priority} --direction ${command.direction} --access Allow --protocol ${quote(command.protocol)}`,
        `--source-address-prefixes ${command.sourcePrefixes.map(quote).join(" ")} --source-port-ranges '*'`,
        `--destination-address-prefixes ${quote(command.destinationPrefix)} --destination-port-ranges ${command.ports.map(quote).join(" ")}`,
      ].join(" ");
    case "image-build-compute":
      return `az ml workspace update -n ${nameWord(command.workspaceId)} ${where(command.workspaceId)} --image-build-compute ${quote(command.compute)}`;
    case "sync-keys":
      return `az ml workspace sync-keys -n ${nameWord(command.workspaceId)} ${where(command.workspaceId)}`;
    case "dns-zone-link":
      return `az network private-dns link vnet create ${where(command.zoneId)} -z ${nameWord(command.zoneId)} -n ${quote(command.name)} -v ${quote(command.vnetId)} -e false`;
    case "storage-bypass":
      return `az storage account update ${where(command.storageId)} -n ${nameWord(command.storageId)} --bypass ${command.bypass.map(quote).join(" ")}`;
    case "registry-trusted-services":
      return `az acr update -n ${nameWord(command.registryId)} ${where(command.registryId)} --allow-trusted-services true`;
    case "registry-premium":
      return `az acr update -n ${nameWord(command.registryId)} ${where(command.registryId)} --sku Premium`;
    case "registry-quarantine-off":
      return `az resource update --ids ${quote(command.registryId)} --set properties.policies.quarantinePolicy.status=disabled`;
    case "subnet-service-endpoints": {
      const vnet = command.subnetId.split("/subnets/")[0] ?? "";
      return `az network vnet subnet update ${where(command.subnetId)} --vnet-name ${nameWord(vnet)} -n ${nameWord(command.subnetId)} --service-endpoints ${command.services.map(quote).join(" ")}`;
    }
    case "storage-subnet-rule":
      return `az storage account network-rule add ${where(command.storageId)} --account-name ${nameWord(command.storageId)} --subnet ${quote(command.subnetId)}`;
    case "endpoint-connection-approve":
      return `az network private-endpoint-connection approve --id ${quote(command.connectionId)} --description aml-preflight`;
    case "route-create":
      return `az network route-table route create ${where(command.routeTableId)} --route-table-name ${nameWord(command.routeTableId)} -n ${quote(command.name)} --address-prefix ${quote(command.addressPrefix)} --next-hop-type ${command.nextHopType}`;
  }
}

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The properties object of a body, created when missing. */
function propertiesOf(resource: RawResource): Json {
  const existing = record(resource.properties);
  if (existing) return existing;
  const created: Json = {};
  resource.properties = created;
  return created;
}

/** A patched copy of a snapshot: resources are copied before they are changed, nothing else is. */
class SnapshotPatch {
  private readonly resources: RawResource[];
  keys: Snapshot["keys"];

  constructor(private readonly snapshot: Snapshot) {
    this.resources = [...snapshot.resources];
    this.keys = snapshot.keys;
  }

  /** A copy of the resource with this ID, put in the snapshot's place of the original, to change. */
  edit(id: string): RawResource | undefined {
    const at = this.resources.findIndex(
      (resource) => typeof resource.id === "string" && idKey(resource.id) === idKey(id),
    );
    const original = this.resources[at];
    if (!original) return undefined;
    const copy = structuredClone(original);
    this.resources[at] = copy;
    return copy;
  }

  add(resource: RawResource): void {
    this.resources.push(resource);
  }

  done(): Snapshot {
    return { ...this.snapshot, resources: this.resources, ...(this.keys ? { keys: this.keys } : {}) };
  }
}

/** The snapshot as it would be after the command: what ARM would then return. */
export function applyFix(snapshot: Snapshot, command: FixCommand): Snapshot {
  const patch = new SnapshotPatch(snapshot);
  APPLY[command.kind](patch, command as never);
  return patch.done();
}

type Appliers = {
  [K in FixCommand["kind"]]: (patch: SnapshotPatch, command: Extract<FixCommand, { kind: K }>) => void;
};

const APPLY: Appliers = {
  "nsg-rule-priority": (patch, command) => {
    const nsg = patch.edit(command.nsgId);
    const rules = nsg ? (propertiesOf(nsg).securityRules as unknown[] | undefined) : undefined;
    const rule = rules?.map(record).find((candidate) => candidate?.name === command.rule);
    if (rule) propertiesOf(rule).priority = command.priority;
  },
  "nsg-rule-create": (patch, command) => {
    const nsg = patch.edit(command.nsgId);
    if (!nsg) return;
    const properties = propertiesOf(nsg);
    const rules = Array.isArray(properties.securityRules) ? [...(properties.securityRules as unknown[])] : [];
    rules.push({
      id: `${command.nsgId}/securityRules/${command.name}`,
      name: command.name,
      properties: {
        priority: command.priority,
        direction: command.direction,
        access: "Allow",
        protocol: command.protocol,
        sourceAddressPrefixes: command.sourcePrefixes,
        sourcePortRange: "*",
        destinationAddressPrefix: command.destinationPrefix,
        destinationPortRanges: command.ports,
        provisioningState: "Succeeded",
      },
    });
    properties.securityRules = rules;
  },
  "image-build-compute": (patch, command) => {
    const workspace = patch.edit(command.workspaceId);
    if (workspace) propertiesOf(workspace).imageBuildCompute = command.compute;
  },
  "sync-keys": (patch) => {
    // sync-keys makes the workspace cache the current keys: every comparison that found a mismatch matches.
    const synced = (comparison: KeyComparison): KeyComparison =>
      comparison.outcome === "mismatch" ? { ...comparison, outcome: "match", matchedName: "key1" } : comparison;
    if (patch.keys) patch.keys = { storage: synced(patch.keys.storage), registry: synced(patch.keys.registry) };
  },
  "dns-zone-link": (patch, command) => {
    patch.add({
      id: `${command.zoneId}/virtualNetworkLinks/${command.name}`,
      name: command.name,
      type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
      location: "global",
      properties: {
        virtualNetwork: { id: command.vnetId },
        registrationEnabled: false,
        virtualNetworkLinkState: "Completed",
        provisioningState: "Succeeded",
      },
    });
  },
  "storage-bypass": (patch, command) => {
    const storage = patch.edit(command.storageId);
    if (!storage) return;
    const properties = propertiesOf(storage);
    properties.networkAcls = { ...record(properties.networkAcls), bypass: command.bypass.join(", ") };
  },
  "registry-trusted-services": (patch, command) => {
    const registry = patch.edit(command.registryId);
    if (registry) propertiesOf(registry).networkRuleBypassOptions = "AzureServices";
  },
  "registry-premium": (patch, command) => {
    const registry = patch.edit(command.registryId);
    if (registry) registry.sku = { name: "Premium", tier: "Premium" };
  },
  "registry-quarantine-off": (patch, command) => {
    const registry = patch.edit(command.registryId);
    if (!registry) return;
    const properties = propertiesOf(registry);
    const policies = record(properties.policies) ?? {};
    properties.policies = {
      ...policies,
      quarantinePolicy: { ...record(policies.quarantinePolicy), status: "disabled" },
    };
  },
  "subnet-service-endpoints": (patch, command) => {
    const vnetId = command.subnetId.split(/\/subnets\//i)[0] ?? "";
    const vnet = patch.edit(vnetId);
    const subnets = vnet ? (propertiesOf(vnet).subnets as unknown[] | undefined) : undefined;
    const subnet = subnets
      ?.map(record)
      .find((candidate) => typeof candidate?.id === "string" && idKey(candidate.id) === idKey(command.subnetId));
    if (!subnet) return;
    const properties = propertiesOf(subnet);
    const existing = Array.isArray(properties.serviceEndpoints) ? (properties.serviceEndpoints as unknown[]) : [];
    // The list is replaced, as `--service-endpoints` does: an endpoint it does not name is removed.
    properties.serviceEndpoints = command.services.map(
      (service) =>
        existing.find((entry) => (asString(record(entry)?.service) ?? "").toLowerCase() === service.toLowerCase()) ?? {
          service,
          locations: ["*"],
          provisioningState: "Succeeded",
        },
    );
  },
  "storage-subnet-rule": (patch, command) => {
    const storage = patch.edit(command.storageId);
    if (!storage) return;
    const properties = propertiesOf(storage);
    const acls = record(properties.networkAcls) ?? {};
    const rules = Array.isArray(acls.virtualNetworkRules) ? (acls.virtualNetworkRules as unknown[]) : [];
    properties.networkAcls = {
      ...acls,
      virtualNetworkRules: [...rules, { id: command.subnetId, action: "Allow", state: "Succeeded" }],
    };
  },
  "endpoint-connection-approve": (patch, command) => {
    // The connection lives on the target resource (its privateEndpointConnections) and is mirrored on the endpoint.
    const owner = command.connectionId.split(/\/privateEndpointConnections\//i)[0] ?? "";
    const target = patch.edit(owner);
    const connections = target ? (propertiesOf(target).privateEndpointConnections as unknown[] | undefined) : undefined;
    for (const connection of connections?.map(record) ?? []) {
      if (typeof connection?.id !== "string" || idKey(connection.id) !== idKey(command.connectionId)) continue;
      const properties = propertiesOf(connection);
      properties.privateLinkServiceConnectionState = {
        ...record(properties.privateLinkServiceConnectionState),
        status: "Approved",
      };
    }
  },
  "route-create": (patch, command) => {
    const table = patch.edit(command.routeTableId);
    if (!table) return;
    const properties = propertiesOf(table);
    const routes = Array.isArray(properties.routes) ? [...(properties.routes as unknown[])] : [];
    routes.push({
      id: `${command.routeTableId}/routes/${command.name}`,
      name: command.name,
      properties: {
        addressPrefix: command.addressPrefix,
        nextHopType: command.nextHopType,
        provisioningState: "Succeeded",
      },
    });
    properties.routes = routes;
  },
};
