// Turns a snapshot into the typed parts checks read, and says which parts could not be read.

import {
  ResourceIndex,
  computeView,
  idKey,
  normaliseRegion,
  hubIdOfProject,
  projectDifferences,
  registryAccessView,
  storageAccessView,
  workspaceView,
  type NetworkAccessView,
  type ProjectDifference,
} from "../snapshot/model.js";
import { asString, eqi } from "../snapshot/json.js";
import {
  dnsZoneGroupView,
  dnsZoneLinkView,
  routeTableView,
  privateEndpointView,
  virtualNetworkView,
} from "../snapshot/network-views.js";
import { PART_NAMES, type CollectionError, type PartName, type RawResource, type Snapshot } from "../snapshot/types.js";
import type { Dependency, Parts, PrivateDnsParts } from "./types.js";
import type { Lookup } from "../snapshot/types.js";
import { explainFailedRead } from "../core/failed-read.js";
import { dnsForwardersParts } from "./dns-forwarders.js";

/** Why a required part is missing as a whole: the engine then answers for the check. */
export interface PartFailure {
  part: PartName;
  resourceId: string;
  /** A dependency the workspace names that ARM says does not exist. */
  dangling: boolean;
  error?: CollectionError;
  reason: string;
}

export interface PreparedSnapshot {
  parts: Parts;
  failures: Map<PartName, PartFailure>;
  /** Where a project's own body names something other than its hub, with the part judged from the hub's. */
  projectDifferences: Array<ProjectDifference & { part: PartName }>;
}

/** The part whose checks judge a setting a project inherits: where a difference from the hub is said. */
export const DIFFERENCE_PART: Readonly<Record<string, PartName>> = {
  storageAccount: "storage",
  keyVault: "keyVault",
  containerRegistry: "registry",
  imageBuildCompute: "computes",
  "managedNetwork.isolationMode": "computes",
  privateEndpointConnections: "privateEndpoints",
};

/** What a project inherits: its hub's body, or why every inherited part is undecided. */
interface Inheritance {
  /** The workspace whose dependencies apply: the hub of a project that could be read, else the audited one. */
  settings: RawResource;
  /** The audited workspace, when it is a project. */
  project?: RawResource;
  failure?: Omit<PartFailure, "part">;
  differences: ProjectDifference[];
}

function inheritanceOf(
  snapshot: Snapshot,
  index: ResourceIndex,
  errorFor: (part: PartName, resourceId?: string) => CollectionError | undefined,
): Inheritance {
  const audited = index.get(snapshot.target.workspaceId) ?? {};
  if (!eqi(audited.kind, "Project")) return { settings: audited, differences: [] };
  const name = asString(audited.name) ?? snapshot.target.workspace;
  const hubId = hubIdOfProject(audited);
  if (!hubId)
    return {
      settings: audited,
      project: audited,
      differences: [],
      failure: {
        resourceId: snapshot.target.workspaceId,
        dangling: false,
        reason: `project ${name} names no hub (properties.hubResourceId is empty), so what it inherits from one cannot be read`,
      },
    };
  const hub = index.get(hubId);
  if (hub) return { settings: hub, project: audited, differences: projectDifferences(audited, hub) };
  const error = errorFor("workspace", hubId);
  const dangling = error?.statusCode === 404;
  const hubName = hubId.split("/").pop() ?? hubId;
  return {
    settings: audited,
    project: audited,
    differences: [],
    failure: {
      resourceId: hubId,
      dangling,
      error,
      reason: dangling
        ? `project ${name} names a hub, ${hubName}, that no longer exists`
        : `the hub ${hubName} of project ${name} ${error ? "could not be read" : "was not collected"}, and the project inherits its dependencies, network and computes`,
    },
  };
}

const DEPENDENCY_KIND: Record<"storage" | "registry" | "keyVault", string> = {
  storage: "storage account",
  registry: "container registry",
  keyVault: "key vault",
};

const KEYS_NOT_COLLECTED: Parts["keys"] = {
  storage: { outcome: "unknown", reason: "keys were not collected" },
  registry: { outcome: "unknown", reason: "keys were not collected" },
};

export function prepareSnapshot(snapshot: Snapshot): PreparedSnapshot {
  const index = new ResourceIndex(snapshot.resources);
  const failures = new Map<PartName, PartFailure>();
  const errorFor = (part: PartName, resourceId?: string): CollectionError | undefined =>
    snapshot.errors.find(
      (error) => error.part === part && (resourceId === undefined || idKey(error.resourceId) === idKey(resourceId)),
    );

  const inheritance = inheritanceOf(snapshot, index, errorFor);
  const workspaceRaw = inheritance.settings;
  const workspace = {
    ...workspaceView(workspaceRaw),
    raw: workspaceRaw,
    ...(inheritance.project ? { project: { ...workspaceView(inheritance.project), raw: inheritance.project } } : {}),
  };

  const dependency = (
    part: "storage" | "registry" | "keyVault",
    id: string | undefined,
    view: (raw: RawResource) => NetworkAccessView,
  ): Dependency<NetworkAccessView> => {
    if (!id) return { state: "none" };
    const raw = index.get(id);
    if (raw) return { state: "present", value: view(raw), raw };
    const error = errorFor(part, id);
    const dangling = error?.statusCode === 404;
    failures.set(part, {
      part,
      resourceId: id,
      dangling,
      error,
      reason: dangling
        ? `the workspace references a ${DEPENDENCY_KIND[part]} that no longer exists`
        : error
          ? `the ${DEPENDENCY_KIND[part]} could not be read`
          : `the ${DEPENDENCY_KIND[part]} was not collected`,
    });
    return { state: "none" };
  };

  const storage = dependency("storage", workspace.storageAccountId, storageAccessView);
  const registry = dependency("registry", workspace.containerRegistryId, registryAccessView);
  const keyVault = dependency("keyVault", workspace.keyVaultId, storageAccessView);

  const computesError = errorFor("computes");
  if (computesError) {
    failures.set("computes", {
      part: "computes",
      resourceId: computesError.resourceId,
      dangling: false,
      error: computesError,
      reason: "the workspace's computes could not be listed",
    });
  }
  const computes = index.listed(`${workspace.id || snapshot.target.workspaceId}/computes`).map(computeView);

  const lookup = <T>(part: PartName, kind: string, view: (raw: RawResource) => T) => {
    return (id: string): Lookup<T> => {
      const raw = index.get(id);
      if (raw) return { ok: true, value: view(raw) };
      const error = errorFor(part, id);
      return {
        ok: false,
        error,
        reason: error ? `the ${kind} could not be read (${explainFailedRead(error)})` : `the ${kind} was not collected`,
      };
    };
  };

  const privateEndpointTypes = endpointTypesLookup(snapshot);

  /** Children listed under a parent (`<parent>/<collection>/...`): the list, or why it is missing. */
  const children = <T>(part: PartName, kind: string, collection: string, view: (raw: RawResource) => T) => {
    return (parentId: string): Lookup<T[]> => {
      const listId = `${parentId}/${collection}`;
      const error = errorFor(part, listId);
      if (error)
        return {
          ok: false,
          error,
          reason: `the ${kind} of ${parentId.split("/").pop()} could not be listed (${explainFailedRead(error)})`,
        };
      return { ok: true, value: index.listed(listId).map(view) };
    };
  };
  const privateDns: PrivateDnsParts = {
    zoneGroups: children("privateDns", "DNS zone groups", "privateDnsZoneGroups", dnsZoneGroupView),
    zone: lookup("privateDns", "private DNS zone", (raw) => ({
      id: asString(raw.id) ?? "",
      name: asString(raw.name) ?? "",
    })),
    zoneLinks: children("privateDns", "virtual network links", "virtualNetworkLinks", dnsZoneLinkView),
  };

  const { failure } = inheritance;
  // A project whose hub cannot be read: everything it inherits is undecided (a deleted hub: a dangling reference).
  if (failure)
    for (const part of PART_NAMES)
      if (part !== "workspace" && part !== "diagnose") failures.set(part, { part, ...failure });

  return {
    projectDifferences: inheritance.differences.map((difference) => ({
      ...difference,
      part: DIFFERENCE_PART[difference.field] ?? "workspace",
    })),
    parts: {
      workspace,
      storage,
      registry,
      keyVault,
      computes,
      privateEndpoints: lookup("privateEndpoints", "private endpoint", privateEndpointView),
      virtualNetworks: lookup("virtualNetworks", "virtual network", virtualNetworkView),
      networkSecurityGroups: lookup("networkSecurityGroups", "network security group", (raw) => raw),
      privateEndpointTypes,
      keys: snapshot.keys ?? KEYS_NOT_COLLECTED,
      routeTables: lookup("routeTables", "route table", routeTableView),
      privateDns,
      dnsForwarders: dnsForwardersParts(
        index,
        snapshot.errors,
        [snapshot.target.workspaceId, workspace.id],
        snapshot.parts.includes("dnsForwarders"),
      ),
      diagnose: snapshot.diagnose ?? { requested: false },
    },
    failures,
  };
}

/** availablePrivateEndpointTypes by region, or why a region's list is missing. */
function endpointTypesLookup(snapshot: Snapshot): (region: string) => Lookup<string[]> {
  const typesByRegion = new Map(
    Object.entries(snapshot.privateEndpointTypes).map(([region, types]) => [normaliseRegion(region), types]),
  );
  return (region: string): Lookup<string[]> => {
    const types = typesByRegion.get(normaliseRegion(region));
    if (types) return { ok: true, value: types };
    const error = snapshot.errors.find(
      (candidate) =>
        candidate.part === "privateEndpointTypes" &&
        normaliseRegion(/\/locations\/([^/]+)/i.exec(candidate.resourceId)?.[1]) === normaliseRegion(region),
    );
    return {
      ok: false,
      error,
      reason: error
        ? `availablePrivateEndpointTypes for ${region} could not be read (${explainFailedRead(error)})`
        : `availablePrivateEndpointTypes for ${region} was not collected`,
    };
  };
}
