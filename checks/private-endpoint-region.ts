import { nameOf } from "../src/snapshot/ids.js";
import { defineCheck, type Dependency, type FindingReportOf, type Parts } from "../src/engine/types.js";
import { failedRead, failedReadEvidence, failedReadRemediation } from "../src/core/failed-read.js";
import { placeholder, sh } from "../src/core/visible.js";
import {
  idKey,
  normaliseRegion,
  privateEndpointConnections,
  sameId,
  topLevelType,
  type EndpointConnectionView,
  type NetworkAccessView,
} from "../src/snapshot/model.js";
import { eqi } from "../src/snapshot/json.js";
import { type PrivateEndpointView } from "../src/snapshot/network-views.js";

const MESSAGES = {
  healthy:
    "Private endpoint {endpoint} to {target} is approved, {region} supports {type}, and its VNet is in the same region.",
  "connection-not-approved":
    "Private endpoint {endpoint} to {target} is {state}, not Approved: no traffic flows through it.",
  "type-unsupported-in-region":
    "Private endpoint {endpoint} is in {region}, where availablePrivateEndpointTypes does not list {type}.",
  "vnet-region-mismatch":
    "Private endpoint {endpoint} is in {region} but its virtual network {vnet} is in {vnetRegion}; an endpoint must be in its VNet's region.",
  "endpoint-missing": "{target} has a connection to private endpoint {endpoint}, which no longer exists.",
  undetermined: "Cannot decide on private endpoint {endpoint} to {target}: {reason}.",
  "no-endpoints": "Neither the workspace nor its storage account, registry or key vault has a private endpoint.",
} as const satisfies Record<string, string>;

type Report = FindingReportOf<typeof MESSAGES>;

type EndpointParts = Pick<Parts, "privateEndpoints" | "virtualNetworks" | "privateEndpointTypes">;

/** The workspace or a dependency, with the private endpoint connections it lists. */
interface EndpointOwner {
  id: string;
  connections: EndpointConnectionView[];
}

/** A private endpoint that was read, with what every finding about it carries. */
interface ReadEndpoint {
  id: string;
  view: PrivateEndpointView;
  targetType: string;
  data: { endpoint: string; target: string; type: string; region: string; state: string };
  evidence: Record<string, unknown>;
}

export default defineCheck({
  id: "private-endpoint-region",
  title:
    "Every private endpoint of the workspace, storage, registry and key vault is approved, in a region that supports its target type, and in its VNet's region",
  severity: "high",
  requires: [
    "workspace",
    "storage",
    "registry",
    "keyVault",
    "privateEndpoints",
    "virtualNetworks",
    "privateEndpointTypes",
  ],
  messages: MESSAGES,
  remediation:
    "Recreate the private endpoint in a region that supports the target type and in its VNet's region (az network private-endpoint create), and approve pending connections (az network private-endpoint-connection approve).",
  run(parts, report) {
    const owners: EndpointOwner[] = [
      { id: parts.workspace.id, connections: privateEndpointConnections(parts.workspace.raw) },
      ...[parts.storage, parts.registry, parts.keyVault].flatMap((dependency: Dependency<NetworkAccessView>) =>
        dependency.state === "present" ? [{ id: dependency.value.id, connections: dependency.value.connections }] : [],
      ),
    ];
    // Every connection judged reports at least one finding: none judged means there is nothing to judge.
    let judged = false;
    const seen = new Set<string>();
    for (const owner of owners) {
      for (const connection of owner.connections) {
        const endpointId = connection.privateEndpointId;
        if (!endpointId) continue;
        const pair = `${idKey(endpointId)}|${idKey(owner.id)}`;
        if (seen.has(pair)) continue;
        seen.add(pair);
        judged = true;
        judgeConnection(report, parts, owner, connection, endpointId);
      }
    }
    if (!judged) {
      report.skip("no-endpoints", parts.workspace.id, undefined, { inspected: owners.map((owner) => owner.id) });
    }
  },
});

/** The findings on one private endpoint connection of an owner: its problems, or that it is healthy. */
function judgeConnection(
  report: Report,
  parts: EndpointParts,
  owner: EndpointOwner,
  connection: EndpointConnectionView,
  endpointId: string,
): void {
  const type = topLevelType(owner.id) ?? "unknown type";
  const base = { endpoint: nameOf(endpointId), target: nameOf(owner.id), type };
  // connectionState is the endpoint's side (once read); targetConnectionState the target's. Either can refuse.
  const evidence: Record<string, unknown> = {
    privateEndpoint: endpointId,
    target: owner.id,
    targetType: type,
    connectionState: connection.status ?? null,
    targetConnectionState: connection.status ?? null,
  };
  const endpoint = parts.privateEndpoints(endpointId);
  if (!endpoint.ok) {
    if (endpoint.error?.statusCode === 404) {
      report.fail(
        "endpoint-missing",
        endpointId,
        base,
        evidence,
        `Remove the stale connection: ${sh`az network private-endpoint-connection delete --id ${connection.id ?? endpointId}`}`,
      );
    } else {
      report.unknown(
        "undetermined",
        endpointId,
        { ...base, reason: endpoint.reason },
        { ...evidence, ...failedReadEvidence(endpoint.error) },
        failedReadRemediation([failedRead(endpointId, endpoint.error)]),
      );
    }
    return;
  }
  const view = endpoint.value;
  const link = view.links.find((candidate) => sameId(candidate.targetId, owner.id)) ?? view.links[0];
  const targetType = link?.targetType ?? type;
  const state = link?.status ?? connection.status;
  const region = view.location;
  const data = { ...base, type: targetType, region, state: state ?? "unknown" };
  Object.assign(evidence, {
    region,
    targetType,
    connectionState: state ?? null,
    subnet: view.subnetId ?? null,
    groupIds: link?.groupIds ?? [],
  });
  const read: ReadEndpoint = { id: endpointId, view, targetType, data, evidence };
  // Each is judged, in this order: every problem is reported, and the endpoint is healthy only without one.
  const notApproved = judgeApproval(report, read, [state, connection.status], connection);
  const typeProblem = judgeTypeInRegion(report, read, parts.privateEndpointTypes);
  const vnetProblem = judgeVnetRegion(report, read, parts.virtualNetworks);
  if (!notApproved && !typeProblem && !vnetProblem) report.pass("healthy", endpointId, data, evidence);
}

/** Fails a connection either side has not approved (the endpoint's link first, then the owner's); true when it did. */
function judgeApproval(
  report: Report,
  read: ReadEndpoint,
  states: Array<string | undefined>,
  connection: EndpointConnectionView,
): boolean {
  const notApproved = states.find((value) => value !== undefined && !eqi(value, "Approved"));
  if (notApproved === undefined) return false;
  report.fail(
    "connection-not-approved",
    read.id,
    { ...read.data, state: notApproved },
    read.evidence,
    `Approve it on the target: ${sh`az network private-endpoint-connection approve --id ${connection.id ?? placeholder("<connection-id>")} --description "aml-preflight"`}`,
  );
  return true;
}

/** Reports an endpoint whose region does not list its target type (or whose list cannot be read); true when it did. */
function judgeTypeInRegion(
  report: Report,
  read: ReadEndpoint,
  privateEndpointTypes: Parts["privateEndpointTypes"],
): boolean {
  const { id, data, evidence } = read;
  const types = privateEndpointTypes(read.view.location);
  if (!types.ok) {
    report.unknown(
      "undetermined",
      id,
      { ...data, reason: types.reason },
      { ...evidence, ...failedReadEvidence(types.error) },
      failedReadRemediation([failedRead(types.error?.resourceId ?? id, types.error)]),
    );
    return true;
  }
  if (types.value.some((listed) => eqi(listed, read.targetType))) return false;
  report.fail("type-unsupported-in-region", id, data, { ...evidence, availableTypes: types.value.length });
  return true;
}

/** Reports an endpoint outside its VNet's region (or whose VNet cannot be read); true when it did. */
function judgeVnetRegion(report: Report, read: ReadEndpoint, virtualNetworks: Parts["virtualNetworks"]): boolean {
  const { id, data, evidence } = read;
  const vnetId = read.view.vnetId;
  if (!vnetId) {
    report.unknown("undetermined", id, { ...data, reason: "its subnet is not a subnet resource ID" }, evidence);
    return true;
  }
  const vnet = virtualNetworks(vnetId);
  if (!vnet.ok) {
    report.unknown(
      "undetermined",
      id,
      { ...data, reason: vnet.reason },
      { ...evidence, vnet: vnetId, ...failedReadEvidence(vnet.error) },
      failedReadRemediation([failedRead(vnetId, vnet.error)]),
    );
    return true;
  }
  if (normaliseRegion(vnet.value.location) === normaliseRegion(read.view.location)) return false;
  report.fail(
    "vnet-region-mismatch",
    id,
    { ...data, vnet: nameOf(vnetId), vnetRegion: vnet.value.location },
    { ...evidence, vnet: vnetId, vnetRegion: vnet.value.location },
  );
  return true;
}
