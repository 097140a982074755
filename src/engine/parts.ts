// Turns a snapshot into the typed parts checks read, and says which parts could not be read.

import {
  ResourceIndex,
  asString,
  computeView,
  dnsZoneGroupView,
  dnsZoneLinkView,
  routeTableView,
  idKey,
  normaliseRegion,
  privateEndpointView,
  registryAccessView,
  storageAccessView,
  virtualNetworkView,
  workspaceView,
  type NetworkAccessView,
} from "../snapshot/model.js";
import type { CollectionError, PartName, RawResource, Snapshot } from "../snapshot/types.js";
import type { Dependency, Parts, PrivateDnsParts } from "./types.js";
import type { Lookup } from "../snapshot/types.js";
import { explainFailedRead } from "../core/failed-read.js";

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
}

const DEPENDENCY_KIND: Record<"storage" | "registry" | "keyVault", string> = {
  storage: "storage account",
  registry: "container registry",
  keyVault: "key vault",
};

export function prepareSnapshot(snapshot: Snapshot): PreparedSnapshot {
  const index = new ResourceIndex(snapshot.resources);
  const failures = new Map<PartName, PartFailure>();
  const errorFor = (part: PartName, resourceId?: string): CollectionError | undefined =>
    snapshot.errors.find(
      (error) => error.part === part && (resourceId === undefined || idKey(error.resourceId) === idKey(resourceId)),
    );

  const workspaceRaw = index.get(snapshot.target.workspaceId) ?? {};
  const workspace = { ...workspaceView(workspaceRaw), raw: workspaceRaw };

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
  const computes = index.listed(`${snapshot.target.workspaceId}/computes`).map(computeView);

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

  const keys = snapshot.keys ?? {
    storage: { outcome: "unknown", reason: "keys were not collected" },
    registry: { outcome: "unknown", reason: "keys were not collected" },
  };

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

  return {
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
      keys,
      routeTables: lookup("routeTables", "route table", routeTableView),
      privateDns,
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
