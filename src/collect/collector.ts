// Reads a workspace and what it depends on, level by level, each level's requests in parallel:
//   1 workspace → 2 dependencies, computes, workspace keys, workspace endpoints and their DNS zone groups
//   → 3 VNets, remaining endpoints and their zone groups, dependency keys, the NSGs listed beside compute
//     VNets, the private DNS zones (and their VNet links) named so far
//   → 4 NSGs not found that way, route tables of compute subnets, remaining VNets, zones and endpoint types.
// With --resource-group that is at most 4 sequential round trips. --diagnose runs Azure's own diagnose
// (a long-running POST) beside them.

import { timingSafeEqual } from "node:crypto";
import { PreflightError } from "../core/errors.js";
import {
  asArray,
  asObject,
  asString,
  computeView,
  dnsZoneGroupView,
  registryAdminUserEnabled,
  privateEndpointConnections,
  privateEndpointView,
  virtualNetworkView,
} from "../snapshot/model.js";
import { idKey, normaliseRegion, parseResourceId, vnetIdOfSubnet } from "../snapshot/ids.js";
import {
  SNAPSHOT_SCHEMA_VERSION,
  type CollectionError,
  type DiagnoseOutcome,
  type DiagnoseResult,
  type KeyComparison,
  type PartName,
  type RawResource,
  type Snapshot,
} from "../snapshot/types.js";
import { ML_API_VERSION, type ArmReader, type RequestTally } from "./arm.js";
import type { Operation } from "./permissions.js";
import { redactFields, type Redactor } from "../core/redact.js";
import type { SharedReads } from "./shared-reads.js";

export interface WorkspaceRef {
  subscriptionId: string;
  /** Absent: found by listing the subscription's workspaces. */
  resourceGroup?: string;
  name: string;
}

export interface CollectOptions {
  reader: ArmReader;
  redactor: Redactor;
  workspace: WorkspaceRef;
  parts: readonly PartName[];
  /** --no-keys: no listKeys/listCredentials at all. */
  readKeys: boolean;
  toolVersion: string;
  now?: () => Date;
  /** --diagnose: run Azure's workspace diagnose, bounded by this many milliseconds. Absent: not run. */
  diagnose?: { timeoutMs: number };
  /** A fleet's reads shared between its workspaces (and its Resource Graph sweep); absent: every read is this workspace's own. */
  shared?: SharedReads;
}

/** Parts that cannot be read without others. */
const IMPLIED: Partial<Record<PartName, PartName[]>> = {
  networkSecurityGroups: ["computes", "virtualNetworks"],
  virtualNetworks: ["computes"],
  privateEndpointTypes: ["privateEndpoints"],
  routeTables: ["computes", "virtualNetworks"],
  // Zones must be linked to the VNets that hold compute, and those VNets' DNS servers matter.
  privateDns: ["privateEndpoints", "computes", "virtualNetworks"],
};

export function expandParts(parts: readonly PartName[]): PartName[] {
  const out = new Set<PartName>(["workspace", ...parts]);
  for (const part of [...out]) for (const implied of IMPLIED[part] ?? []) out.add(implied);
  return [...out];
}

export async function collectSnapshot(options: CollectOptions): Promise<Snapshot> {
  // The snapshot counts its own requests: a fleet's workspaces share one reader.
  return options.reader.tallied((tally) => collectTallied(options, tally));
}

async function collectTallied(options: CollectOptions, tally: RequestTally): Promise<Snapshot> {
  const { reader, redactor, shared } = options;
  const now = options.now ?? (() => new Date());
  const started = now();
  const parts = new Set(expandParts(options.parts));
  const want = (part: PartName) => parts.has(part);
  const resources = new Map<string, RawResource>();
  const errors: CollectionError[] = [];
  const privateEndpointTypes: Record<string, string[]> = {};

  const keep = (body: Record<string, unknown>): RawResource => {
    const clean = redactFields(body) as RawResource;
    if (typeof clean.id === "string") resources.set(idKey(clean.id), clean);
    return clean;
  };
  const getById = async (
    part: PartName,
    operation: Operation,
    id: string,
    call: (ref: ParsedRef) => Promise<unknown>,
  ) => {
    const ref = parseRef(id);
    if (!ref) {
      errors.push({ part, resourceId: id, operation, message: `"${id}" is not an ARM resource ID` });
      return undefined;
    }
    if (resources.has(idKey(id))) return resources.get(idKey(id));
    const read = () => reader.readOne(part, operation, id, () => call(ref));
    const result = await (shared ? shared.one(id, read) : read());
    if (!result.ok) {
      errors.push(result.error);
      return undefined;
    }
    return keep(result.body);
  };

  // Level 0 (only without --resource-group): find the workspace's resource group.
  const { subscriptionId, name } = options.workspace;
  const resourceGroup = options.workspace.resourceGroup ?? (await findResourceGroup(reader, subscriptionId, name));
  const workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;

  // Level 1: the workspace. Without it there is nothing to audit.
  const ml = reader.clientsFor(subscriptionId).ml;
  const workspaceResult = await reader.readOne("workspace", "workspace get", workspaceId, () =>
    ml.workspaces.get(resourceGroup, name),
  );
  if (!workspaceResult.ok) throw workspaceFailure(workspaceResult.error, workspaceId);
  const workspace = keep(workspaceResult.body);
  const workspaceProps = asObject(workspace.properties) ?? {};
  // Azure's own diagnose takes tens of seconds; it runs beside levels 2–4 and is awaited at the end.
  const diagnosing: Promise<DiagnoseOutcome> | undefined = !want("diagnose")
    ? undefined
    : !options.diagnose
      ? Promise.resolve({ requested: false })
      : reader.diagnose(workspaceId, subscriptionId, resourceGroup, name, options.diagnose.timeoutMs).then((result) => {
          if (!result.ok) {
            errors.push(result.error);
            return { requested: true, error: result.error };
          }
          return { requested: true, results: diagnoseResults(result.body, redactor) };
        });
  const storageId = asString(workspaceProps.storageAccount);
  const registryId = asString(workspaceProps.containerRegistry);
  const keyVaultId = asString(workspaceProps.keyVault);

  // Level 2: dependencies, computes, the workspace's cached keys, the workspace's endpoints.
  let workspaceKeys: Record<string, unknown> | undefined;
  let workspaceKeysError: CollectionError | undefined;
  const level2: Array<Promise<unknown>> = [];
  if (want("storage") && storageId) {
    level2.push(
      getById("storage", "storage get", storageId, (ref) =>
        reader.clientsFor(ref.subscriptionId).storage.storageAccounts.getProperties(ref.resourceGroup, ref.name),
      ),
    );
  }
  if (want("registry") && registryId) {
    level2.push(
      getById("registry", "registry get", registryId, (ref) =>
        reader.clientsFor(ref.subscriptionId).registry.registries.get(ref.resourceGroup, ref.name),
      ),
    );
  }
  if (want("keyVault") && keyVaultId) {
    level2.push(
      getById("keyVault", "key vault get", keyVaultId, (ref) =>
        reader.clientsFor(ref.subscriptionId).keyVault.vaults.get(ref.resourceGroup, ref.name),
      ),
    );
  }
  if (want("computes")) {
    const list = () =>
      reader.readAll("computes", "computes list", `${workspaceId}/computes`, () =>
        ml.computeOperations.list(resourceGroup, name),
      );
    level2.push(
      (shared
        ? shared.children(workspaceId, "Microsoft.MachineLearningServices/workspaces/computes", list)
        : list()
      ).then((result) => {
        if (result.ok) result.items.forEach(keep);
        else errors.push(result.error);
      }),
    );
  }
  if (want("keys") && options.readKeys) {
    level2.push(
      reader
        .readOne("keys", "workspace listKeys", workspaceId, () => ml.workspaces.listKeys(resourceGroup, name))
        .then((result) => {
          if (result.ok) workspaceKeys = result.body;
          else workspaceKeysError = result.error;
        }),
    );
  }
  const readEndpoint = (id: string) =>
    getById("privateEndpoints", "private endpoint get", id, (ref) =>
      reader.clientsFor(ref.subscriptionId).network.privateEndpoints.get(ref.resourceGroup, ref.name),
    );
  const endpointIdsOf = (raw: unknown) =>
    privateEndpointConnections(raw)
      .map((c) => c.privateEndpointId)
      .filter((id): id is string => !!id);
  if (want("privateEndpoints")) for (const id of endpointIdsOf(workspace)) level2.push(readEndpoint(id));
  // Private DNS: an endpoint's zone groups are listed by the endpoint's ID, so they need not wait for it.
  const zoneGroupsListed = new Set<string>();
  // Zone groups as their lists returned them: Azure's zone group body carries no `type` to find them by.
  const zoneGroups: RawResource[] = [];
  const listZoneGroups = (endpointId: string, into: Array<Promise<unknown>>) => {
    const ref = parseRef(endpointId);
    if (!ref || zoneGroupsListed.has(idKey(endpointId))) return;
    zoneGroupsListed.add(idKey(endpointId));
    const list = () =>
      reader.readAll("privateDns", "private DNS zone groups list", `${ref.id}/privateDnsZoneGroups`, () =>
        reader.clientsFor(ref.subscriptionId).network.privateDnsZoneGroups.list(ref.resourceGroup, ref.name),
      );
    into.push(
      (shared ? shared.children(ref.id, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", list) : list()).then(
        (result) => {
          if (result.ok) zoneGroups.push(...result.items.map(keep));
          else errors.push(result.error);
        },
      ),
    );
  };
  const zonesRead = new Set<string>();
  /** Each zone a zone group read so far names, and its VNet links: once per zone. */
  const readZones = (into: Array<Promise<unknown>>) => {
    const zoneIds = zoneGroups
      .flatMap((raw) => dnsZoneGroupView(raw).zones.map((zone) => zone.zoneId))
      .filter((id): id is string => !!id);
    for (const zoneId of zoneIds) {
      if (zonesRead.has(idKey(zoneId))) continue;
      zonesRead.add(idKey(zoneId));
      const ref = parseRef(zoneId);
      if (!ref) {
        errors.push({
          part: "privateDns",
          resourceId: zoneId,
          operation: "private DNS zone get",
          message: `"${zoneId}" is not an ARM resource ID`,
        });
        continue;
      }
      const dns = reader.clientsFor(ref.subscriptionId).privateDns;
      into.push(
        getById("privateDns", "private DNS zone get", zoneId, () => dns.privateZones.get(ref.resourceGroup, ref.name)),
      );
      const list = () =>
        reader.readAll("privateDns", "virtual network links list", `${ref.id}/virtualNetworkLinks`, () =>
          dns.virtualNetworkLinks.list(ref.resourceGroup, ref.name),
        );
      into.push(
        (shared ? shared.children(ref.id, "Microsoft.Network/privateDnsZones/virtualNetworkLinks", list) : list()).then(
          (result) => {
            if (result.ok) result.items.forEach(keep);
            else errors.push(result.error);
          },
        ),
      );
    }
  };
  if (want("privateDns")) for (const id of endpointIdsOf(workspace)) listZoneGroups(id, level2);
  await Promise.all(level2);

  // Level 3: VNets of compute subnets and workspace endpoints, the dependencies' endpoints, their keys.
  const storage = storageId ? resources.get(idKey(storageId)) : undefined;
  const registry = registryId ? resources.get(idKey(registryId)) : undefined;
  const keyVault = keyVaultId ? resources.get(idKey(keyVaultId)) : undefined;
  const computeSubnets = [...resources.values()]
    .filter(
      (resource) => typeof resource.id === "string" && idKey(resource.id).startsWith(`${idKey(workspaceId)}/computes/`),
    )
    .map((resource) => computeView(resource).subnetId)
    .filter((id): id is string => !!id);
  const readVnet = (id: string) =>
    getById("virtualNetworks", "virtual network get", id, (ref) =>
      reader.clientsFor(ref.subscriptionId).network.virtualNetworks.get(ref.resourceGroup, ref.name),
    );
  /** The private endpoints read so far (they arrive at levels 2 and 3). */
  const endpointsRead = () =>
    [...resources.values()]
      .filter(
        (resource) =>
          typeof resource.type === "string" && resource.type.toLowerCase() === "microsoft.network/privateendpoints",
      )
      .map(privateEndpointView);
  const endpointVnets = () =>
    endpointsRead()
      .map((endpoint) => endpoint.vnetId)
      .filter((id): id is string => !!id);
  const endpointRegions = () =>
    endpointsRead()
      .map((endpoint) => endpoint.location)
      .filter(Boolean);
  const typesAttempted = new Set<string>();
  const readTypes = async (region: string) => {
    const key = normaliseRegion(region);
    // Once per region, failed or not: a failure is recorded once, not retried at the next level.
    if (!key || typesAttempted.has(key)) return;
    typesAttempted.add(key);
    const typesId = `/subscriptions/${subscriptionId}/providers/Microsoft.Network/locations/${region}/availablePrivateEndpointTypes`;
    const list = () =>
      reader.readAll("privateEndpointTypes", "availablePrivateEndpointTypes list", typesId, () =>
        reader.clientsFor(subscriptionId).network.availablePrivateEndpointTypes.list(region),
      );
    // A fleet asks once per subscription and region, whichever workspace asks first.
    const result = await (shared ? shared.once(`${subscriptionId}|${key}`, list) : list());
    if (result.ok) {
      privateEndpointTypes[key] = result.items
        .map((item) => asString(item.resourceName) ?? asString(item.name) ?? "")
        .filter(Boolean);
    } else {
      errors.push(result.error);
    }
  };
  const level3: Array<Promise<unknown>> = [];
  const vnetIds = new Set<string>();
  const queueVnet = (id: string | undefined, into: Array<Promise<unknown>>) => {
    if (!id || vnetIds.has(idKey(id))) return;
    vnetIds.add(idKey(id));
    into.push(readVnet(id));
  };
  if (want("virtualNetworks")) {
    for (const subnet of computeSubnets) {
      const vnetId = vnetIdOfSubnet(subnet);
      if (vnetId) queueVnet(vnetId, level3);
      else
        errors.push({
          part: "virtualNetworks",
          resourceId: subnet,
          operation: "virtual network get",
          message: `"${subnet}" is not a subnet resource ID`,
        });
    }
    if (want("privateEndpoints")) for (const vnetId of endpointVnets()) queueVnet(vnetId, level3);
  }
  if (want("privateEndpoints")) {
    for (const owner of [storage, registry, keyVault])
      for (const id of endpointIdsOf(owner)) level3.push(readEndpoint(id));
  }
  if (want("privateDns")) {
    for (const owner of [storage, registry, keyVault])
      for (const id of endpointIdsOf(owner)) listZoneGroups(id, level3);
    readZones(level3);
  }
  if (want("networkSecurityGroups") && !shared) {
    // Prefetch: an NSG's body lists the subnets it is attached to, so listing the NSGs of each compute
    // VNet's resource group finds most of them a level early. What it misses is read at level 4.
    // A fleet skips it: its NSGs come from the sweep or are read once each for every workspace.
    const groups = new Map(
      computeSubnets
        .map((subnetId) => parseResourceId(subnetId))
        .filter((ref) => ref !== undefined)
        .map((ref) => [`${ref.subscriptionId}/${ref.resourceGroup}`.toLowerCase(), ref]),
    );
    const wanted = new Set(computeSubnets.map(idKey));
    for (const ref of groups.values()) {
      const listId = `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Network/networkSecurityGroups`;
      level3.push(
        reader
          .readAll("networkSecurityGroups", "network security groups list", listId, () =>
            reader.clientsFor(ref.subscriptionId).network.networkSecurityGroups.list(ref.resourceGroup),
          )
          .then((result) => {
            // A failed prefetch is not a failed read: level 4 reads each NSG it needs and records that.
            if (!result.ok) return;
            for (const nsg of result.items) {
              const attached = asArray(asObject(nsg.properties)?.subnets).map((subnet) =>
                asString(asObject(subnet)?.id),
              );
              if (attached.some((id) => id !== undefined && wanted.has(idKey(id)))) keep(nsg);
            }
          }),
      );
    }
  }
  if (want("privateEndpointTypes")) for (const region of endpointRegions()) level3.push(readTypes(region));
  let storageKeys: Record<string, unknown> | undefined;
  let storageKeysError: CollectionError | undefined;
  let registryCredentials: Record<string, unknown> | undefined;
  let registryCredentialsError: CollectionError | undefined;
  const registryAdmin = registryAdminUserEnabled(registry);
  if (want("keys") && options.readKeys && workspaceKeys) {
    const storageRef = storageId ? parseRef(storageId) : undefined;
    if (storage && storageRef) {
      level3.push(
        reader
          .readOne("keys", "storage listKeys", storageRef.id, () =>
            reader
              .clientsFor(storageRef.subscriptionId)
              .storage.storageAccounts.listKeys(storageRef.resourceGroup, storageRef.name),
          )
          .then((result) => {
            if (result.ok) storageKeys = result.body;
            else storageKeysError = result.error;
          }),
      );
    }
    const registryRef = registryId ? parseRef(registryId) : undefined;
    if (registry && registryRef && registryAdmin) {
      level3.push(
        reader
          .readOne("keys", "registry listCredentials", registryRef.id, () =>
            reader
              .clientsFor(registryRef.subscriptionId)
              .registry.registries.listCredentials(registryRef.resourceGroup, registryRef.name),
          )
          .then((result) => {
            if (result.ok) registryCredentials = result.body;
            else registryCredentialsError = result.error;
          }),
      );
    }
  }
  await Promise.all(level3);

  // Level 4: NSGs of compute subnets, VNets and regions of the endpoints found at level 3.
  const level4: Array<Promise<unknown>> = [];
  // The compute subnets as their VNets (read at level 3) describe them: where their NSG and route table are.
  const computeSubnetViews = computeSubnets
    .map((subnetId) => {
      const vnet = resources.get(idKey(vnetIdOfSubnet(subnetId) ?? ""));
      return vnet
        ? virtualNetworkView(vnet).subnets.find((candidate) => idKey(candidate.id) === idKey(subnetId))
        : undefined;
    })
    .filter((subnet) => subnet !== undefined);
  /** Each distinct ID once: an NSG or route table shared by several compute subnets is read once. */
  const distinct = (ids: Array<string | undefined>): string[] => {
    const first = new Map<string, string>();
    for (const id of ids) if (id && !first.has(idKey(id))) first.set(idKey(id), id);
    return [...first.values()];
  };
  if (want("networkSecurityGroups")) {
    for (const nsgId of distinct(computeSubnetViews.map((subnet) => subnet.networkSecurityGroupId))) {
      level4.push(
        getById("networkSecurityGroups", "network security group get", nsgId, (ref) =>
          reader.clientsFor(ref.subscriptionId).network.networkSecurityGroups.get(ref.resourceGroup, ref.name),
        ),
      );
    }
  }
  if (want("routeTables")) {
    for (const routeTableId of distinct(computeSubnetViews.map((subnet) => subnet.routeTableId))) {
      level4.push(
        getById("routeTables", "route table get", routeTableId, (ref) =>
          reader.clientsFor(ref.subscriptionId).network.routeTables.get(ref.resourceGroup, ref.name),
        ),
      );
    }
  }
  if (want("privateDns")) readZones(level4);
  if (want("virtualNetworks") && want("privateEndpoints"))
    for (const vnetId of endpointVnets()) queueVnet(vnetId, level4);
  if (want("privateEndpointTypes")) for (const region of endpointRegions()) level4.push(readTypes(region));
  await Promise.all(level4);
  const diagnose = diagnosing ? await diagnosing : undefined;

  const snapshot: Snapshot = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tool: { name: "aml-preflight", version: options.toolVersion },
    collectedAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    target: {
      workspaceId: asString(workspace.id) ?? workspaceId,
      subscriptionId,
      resourceGroup,
      workspace: asString(workspace.name) ?? name,
      ...(asString(workspace.location) ? { location: asString(workspace.location) } : {}),
    },
    parts: [...parts],
    apiVersions: { "Microsoft.MachineLearningServices": ML_API_VERSION },
    resources: [...resources.values()],
    privateEndpointTypes,
    requests: tally.requests,
    errors,
    ...(diagnose ? { diagnose } : {}),
    // Parallel reads finish in any order; sorted, two runs of one scenario give the same report.
    ...(tally.retries.length
      ? {
          retries: [...tally.retries].sort(
            (a, b) => a.resourceId.localeCompare(b.resourceId) || a.operation.localeCompare(b.operation),
          ),
        }
      : {}),
  };
  if (want("keys")) {
    snapshot.keys = options.readKeys
      ? compareKeys({
          workspaceKeys,
          workspaceKeysError,
          storageId,
          storage,
          storageKeys,
          storageKeysError,
          registryId,
          registry,
          registryAdmin,
          registryCredentials,
          registryCredentialsError,
        })
      : {
          storage: { outcome: "not-applicable", reason: "keys were not read (--no-keys)" },
          registry: { outcome: "not-applicable", reason: "keys were not read (--no-keys)" },
        };
    for (const error of [workspaceKeysError, storageKeysError, registryCredentialsError]) if (error) errors.push(error);
  }
  // Anything kept before the keys were read (an error message echoing one, a key pasted into a tag)
  // is redacted now that every secret of the run is known.
  return redactor.redactDeep(snapshot);
}

/** `{ value: { dnsResolutionResults: [...], ... } }` as a flat list, server text scrubbed. */
function diagnoseResults(body: Record<string, unknown>, redactor: Redactor): DiagnoseResult[] {
  const value = asObject(body.value) ?? {};
  const results: DiagnoseResult[] = [];
  for (const [key, list] of Object.entries(value)) {
    const category = key.replace(/Results$/, "");
    for (const entry of asArray(list).map(asObject)) {
      if (!entry) continue;
      results.push({
        category,
        code: asString(entry.code) ?? "",
        level: asString(entry.level) ?? "",
        message: redactor.redactMessage(asString(entry.message) ?? ""),
      });
    }
  }
  return results;
}

interface ParsedRef {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function parseRef(id: string): ParsedRef | undefined {
  const parsed = parseResourceId(id);
  if (!parsed || parsed.segments.length !== 1) return undefined;
  return {
    id: parsed.id,
    subscriptionId: parsed.subscriptionId,
    resourceGroup: parsed.resourceGroup,
    name: parsed.name,
  };
}

async function findResourceGroup(reader: ArmReader, subscriptionId: string, name: string): Promise<string> {
  const listId = `/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`;
  const result = await reader.readAll("workspace", "workspaces list", listId, () =>
    reader.clientsFor(subscriptionId).ml.workspaces.listBySubscription(),
  );
  if (!result.ok) throw workspaceFailure(result.error, listId);
  const all = result.items.map((item) => parseResourceId(item.id)).filter((ref) => ref !== undefined);
  const matches = all.filter((ref) => ref.name.toLowerCase() === name.toLowerCase());
  if (matches.length === 1) return (matches[0] as NonNullable<(typeof matches)[0]>).resourceGroup;
  if (matches.length === 0) {
    const names = all.map((ref) => `${ref.resourceGroup}/${ref.name}`).slice(0, 10);
    throw new PreflightError(
      `workspace "${name}" not found in subscription ${subscriptionId}${names.length ? ` (workspaces there: ${names.join(", ")})` : " (it has no workspaces)"}; check --workspace and --subscription`,
    );
  }
  throw new PreflightError(
    `workspace name "${name}" is ambiguous in subscription ${subscriptionId}: found in resource groups ${matches.map((ref) => ref.resourceGroup).join(", ")}; pass --resource-group`,
  );
}

/** A 401 from ARM, on whichever read met it first: signing in again is the fix. */
export function credentialsRejected(error: CollectionError): PreflightError {
  return new PreflightError(
    `ARM rejected the credentials (401 ${error.code ?? ""}): run \`az login\` or set the service-principal variables, or refresh PREFLIGHT_ACCESS_TOKEN`,
  );
}

function workspaceFailure(error: CollectionError, resourceId: string): PreflightError {
  if (error.statusCode === 404) {
    return new PreflightError(
      `workspace not found: ${resourceId} (${error.code ?? "404"}); check --workspace, --resource-group and --subscription`,
    );
  }
  if (error.statusCode === 403) {
    return new PreflightError(
      `not allowed to read the workspace ${resourceId} (${error.code ?? "403"}): grant ${error.permission ?? "Reader"} (the Reader role covers it)`,
    );
  }
  if (error.statusCode === 401) return credentialsRejected(error);
  return new PreflightError(
    `could not read the workspace ${resourceId}: ${[error.statusCode, error.code].filter(Boolean).join(" ")} ${error.message}`.trim(),
  );
}

interface KeyInputs {
  workspaceKeys?: Record<string, unknown>;
  workspaceKeysError?: CollectionError;
  storageId?: string;
  storage?: RawResource;
  storageKeys?: Record<string, unknown>;
  storageKeysError?: CollectionError;
  registryId?: string;
  registry?: RawResource;
  registryAdmin: boolean;
  registryCredentials?: Record<string, unknown>;
  registryCredentialsError?: CollectionError;
}

/** Compares secrets in memory; what leaves is only which name matched and when keys were made. */
function compareKeys(inputs: KeyInputs): { storage: KeyComparison; registry: KeyComparison } {
  const unknownFrom = (error: CollectionError, resourceId: string | undefined): KeyComparison => ({
    outcome: "unknown",
    ...(resourceId ? { resourceId } : {}),
    reason: `${error.operation} failed (${[error.statusCode, error.code].filter(Boolean).join(" ") || error.message})${error.permission ? `; needs ${error.permission}` : ""}`,
    failedOperation: error.operation,
    ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
    ...(error.permission ? { permission: error.permission } : {}),
  });
  const { workspaceKeys } = inputs;
  if (!workspaceKeys) {
    const error = inputs.workspaceKeysError;
    const fallback: KeyComparison = { outcome: "unknown", reason: "the workspace's keys were not read" };
    return {
      storage: error ? unknownFrom(error, inputs.storageId) : fallback,
      registry: error ? unknownFrom(error, inputs.registryId) : fallback,
    };
  }

  // Storage: the workspace's cached key against the account's current keys.
  let storage: KeyComparison;
  const cachedStorageKey = asString(workspaceKeys.userStorageKey);
  const storageCreation = creationTimes(inputs.storage, inputs.storageKeys);
  if (!inputs.storageId) storage = { outcome: "not-applicable", reason: "the workspace names no storage account" };
  else if (!cachedStorageKey)
    storage = {
      outcome: "not-applicable",
      resourceId: inputs.storageId,
      reason: "the workspace holds no cached storage key (identity-based access)",
    };
  else if (inputs.storageKeysError) storage = unknownFrom(inputs.storageKeysError, inputs.storageId);
  else if (!inputs.storageKeys)
    storage = { outcome: "unknown", resourceId: inputs.storageId, reason: "the storage account's keys were not read" };
  else {
    const current = asArray(inputs.storageKeys.keys)
      .map(asObject)
      .filter((key) => key !== undefined);
    const matched = current.find((key) => secretEquals(asString(key.value), cachedStorageKey));
    storage = {
      outcome: matched ? "match" : "mismatch",
      resourceId: inputs.storageId,
      ...(matched ? { matchedName: asString(matched.keyName) ?? "key" } : {}),
      ...(Object.keys(storageCreation).length ? { keyCreationTimes: storageCreation } : {}),
    };
  }

  // Registry: compared only when the admin user is on (otherwise the workspace uses its identity).
  let registry: KeyComparison;
  const cachedCredentials = asObject(workspaceKeys.containerRegistryCredentials);
  const cachedPasswords = asArray(cachedCredentials?.passwords)
    .map((entry) => asString(asObject(entry)?.value))
    .filter((value): value is string => !!value);
  if (!inputs.registryId) registry = { outcome: "not-applicable", reason: "the workspace names no container registry" };
  else if (!inputs.registry)
    registry = { outcome: "unknown", resourceId: inputs.registryId, reason: "the registry could not be read" };
  else if (!inputs.registryAdmin)
    registry = {
      outcome: "not-applicable",
      resourceId: inputs.registryId,
      reason: "the registry's admin user is disabled",
    };
  else if (cachedPasswords.length === 0)
    registry = {
      outcome: "not-applicable",
      resourceId: inputs.registryId,
      reason: "the workspace holds no cached registry password",
    };
  else if (inputs.registryCredentialsError) registry = unknownFrom(inputs.registryCredentialsError, inputs.registryId);
  else if (!inputs.registryCredentials)
    registry = {
      outcome: "unknown",
      resourceId: inputs.registryId,
      reason: "the registry's credentials were not read",
    };
  else {
    const current = asArray(inputs.registryCredentials.passwords)
      .map(asObject)
      .filter((entry) => entry !== undefined);
    const matched = current.find((entry) =>
      cachedPasswords.some((cached) => secretEquals(asString(entry.value), cached)),
    );
    registry = {
      outcome: matched ? "match" : "mismatch",
      resourceId: inputs.registryId,
      ...(matched ? { matchedName: asString(matched.name) ?? "password" } : {}),
    };
  }
  // Whether the workspace reaches the registry with a password at all: registry-policies needs it.
  if (inputs.registryId) registry.cachedCredentials = cachedPasswords.length > 0;
  return { storage, registry };
}

function secretEquals(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Key creation times from listKeys (`creationTime`) or the account's `keyCreationTime`. */
function creationTimes(
  storage: RawResource | undefined,
  keys: Record<string, unknown> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of asArray(keys?.keys).map(asObject)) {
    const name = asString(key?.keyName);
    const created = asString(key?.creationTime);
    if (name && created) out[name] = created;
  }
  const fromAccount = asObject(asObject(storage?.properties)?.keyCreationTime) ?? {};
  for (const [name, created] of Object.entries(fromAccount)) {
    if (!(name in out) && typeof created === "string") out[name] = created;
  }
  return out;
}
