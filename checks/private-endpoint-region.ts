import { defineCheck, type CheckFinding, type Dependency } from "../src/engine/types.js";
import {
  eqi,
  idKey,
  normaliseRegion,
  privateEndpointConnections,
  sameId,
  topLevelType,
  type EndpointConnectionView,
  type NetworkAccessView,
} from "../src/snapshot/model.js";
import { unresolvedRemediation } from "../src/net/reachability.js";
import { errorEvidence, nameOf } from "./shared.js";

type MessageId =
  | "healthy"
  | "connection-not-approved"
  | "type-unsupported-in-region"
  | "vnet-region-mismatch"
  | "endpoint-missing"
  | "undetermined"
  | "no-endpoints";

export default defineCheck<
  "workspace" | "storage" | "registry" | "keyVault" | "privateEndpoints" | "virtualNetworks" | "privateEndpointTypes",
  MessageId
>({
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
  messages: {
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
  },
  remediation:
    "Recreate the private endpoint in a region that supports the target type and in its VNet's region (az network private-endpoint create), and approve pending connections (az network private-endpoint-connection approve).",
  run(parts) {
    const owners: Array<{ id: string; connections: EndpointConnectionView[] }> = [
      { id: parts.workspace.id, connections: privateEndpointConnections(parts.workspace.raw) },
      ...[parts.storage, parts.registry, parts.keyVault].flatMap((dependency: Dependency<NetworkAccessView>) =>
        dependency.state === "present" ? [{ id: dependency.value.id, connections: dependency.value.connections }] : [],
      ),
    ];
    const findings: Array<CheckFinding<MessageId>> = [];
    const seen = new Set<string>();
    for (const owner of owners) {
      for (const connection of owner.connections) {
        const endpointId = connection.privateEndpointId;
        if (!endpointId) continue;
        const pair = `${idKey(endpointId)}|${idKey(owner.id)}`;
        if (seen.has(pair)) continue;
        seen.add(pair);
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
            findings.push({
              status: "fail",
              messageId: "endpoint-missing",
              resourceId: endpointId,
              data: base,
              evidence,
              remediation: `Remove the stale connection: az network private-endpoint-connection delete --id ${connection.id ?? endpointId}`,
            });
          } else {
            findings.push({
              status: "unknown",
              messageId: "undetermined",
              resourceId: endpointId,
              data: { ...base, reason: endpoint.reason },
              evidence: { ...evidence, ...errorEvidence(endpoint.error) },
              remediation: unresolvedRemediation([
                {
                  resourceId: endpointId,
                  missingPermission: endpoint.error?.permission,
                  code: endpoint.error?.code,
                  statusCode: endpoint.error?.statusCode,
                },
              ]),
            });
          }
          continue;
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
        let problems = 0;
        const ownerState = connection.status;
        const notApproved = [state, ownerState].find((value) => value !== undefined && !eqi(value, "Approved"));
        if (notApproved !== undefined) {
          problems++;
          findings.push({
            status: "fail",
            messageId: "connection-not-approved",
            resourceId: endpointId,
            data: { ...data, state: notApproved },
            evidence,
            remediation: `Approve it on the target: az network private-endpoint-connection approve --id ${connection.id ?? "<connection-id>"} --description "aml-preflight"`,
          });
        }
        const types = parts.privateEndpointTypes(region);
        if (!types.ok) {
          problems++;
          findings.push({
            status: "unknown",
            messageId: "undetermined",
            resourceId: endpointId,
            data: { ...data, reason: types.reason },
            evidence: { ...evidence, ...errorEvidence(types.error) },
            remediation: unresolvedRemediation([
              {
                resourceId: types.error?.resourceId ?? endpointId,
                missingPermission: types.error?.permission,
                code: types.error?.code,
                statusCode: types.error?.statusCode,
              },
            ]),
          });
        } else if (!types.value.some((listed) => eqi(listed, targetType))) {
          problems++;
          findings.push({
            status: "fail",
            messageId: "type-unsupported-in-region",
            resourceId: endpointId,
            data,
            evidence: { ...evidence, availableTypes: types.value.length },
          });
        }
        const vnetId = view.vnetId;
        if (!vnetId) {
          problems++;
          findings.push({
            status: "unknown",
            messageId: "undetermined",
            resourceId: endpointId,
            data: { ...data, reason: "its subnet is not a subnet resource ID" },
            evidence,
          });
        } else {
          const vnet = parts.virtualNetworks(vnetId);
          if (!vnet.ok) {
            problems++;
            findings.push({
              status: "unknown",
              messageId: "undetermined",
              resourceId: endpointId,
              data: { ...data, reason: vnet.reason },
              evidence: { ...evidence, vnet: vnetId, ...errorEvidence(vnet.error) },
              remediation: unresolvedRemediation([
                {
                  resourceId: vnetId,
                  missingPermission: vnet.error?.permission,
                  code: vnet.error?.code,
                  statusCode: vnet.error?.statusCode,
                },
              ]),
            });
          } else if (normaliseRegion(vnet.value.location) !== normaliseRegion(region)) {
            problems++;
            findings.push({
              status: "fail",
              messageId: "vnet-region-mismatch",
              resourceId: endpointId,
              data: { ...data, vnet: nameOf(vnetId), vnetRegion: vnet.value.location },
              evidence: { ...evidence, vnet: vnetId, vnetRegion: vnet.value.location },
            });
          }
        }
        if (problems === 0)
          findings.push({ status: "pass", messageId: "healthy", resourceId: endpointId, data, evidence });
      }
    }
    if (findings.length === 0) {
      return [
        {
          status: "skip",
          messageId: "no-endpoints",
          resourceId: parts.workspace.id,
          evidence: { inspected: owners.map((owner) => owner.id) },
        },
      ];
    }
    return findings;
  },
});
