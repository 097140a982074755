import { nameOf, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck } from "../src/engine/types.js";
import { failedRead, failedReadEvidence, failedReadRemediation } from "../src/core/failed-read.js";
import { type Status } from "../src/core/status.js";
import { sh } from "../src/core/visible.js";
import { evaluateFlow, rulesFromNsg, type NsgRule } from "../src/net/index.js";
import { sameId, vnetIdOfSubnet } from "../src/snapshot/model.js";
import { eqi } from "../src/snapshot/json.js";
import { computeSubnets, isManagedNetwork, managedNetworkSkip, noSubnetsSkip } from "./shared.js";

/** Image pulls go to Microsoft Container Registry, which serves its content through Front Door. */
const REQUIRED_TAGS = ["MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty"] as const;
const PORT = 443;

export default defineCheck({
  id: "service-tags-outbound",
  title: "The NSG on every compute subnet lets TCP 443 out to MicrosoftContainerRegistry and AzureFrontDoor.FirstParty",
  severity: "high",
  requires: ["workspace", "computes", "virtualNetworks", "networkSecurityGroups"],
  messages: {
    allowed: "Subnet {subnet} may send TCP 443 to {tag}: {reason}.",
    "no-nsg": "Subnet {subnet} has no network security group; outbound TCP 443 to {tag} is not filtered.",
    blocked: "Subnet {subnet} cannot send TCP 443 to {tag}: {reason}.",
    undetermined: "Cannot decide whether subnet {subnet} may send TCP 443 to {tag}: {reason}.",
    "no-subnets": "No compute of this workspace is in a virtual network subnet; no NSG applies.",
    "managed-network":
      "The workspace isolates its computes in a managed network ({isolationMode}); the NSGs of your virtual networks are not on their path.",
  },
  remediation:
    "Add an outbound NSG rule, at a lower priority number than the rule that blocks it: az network nsg rule create -g RG --nsg-name NSG -n AllowMcrOutbound --priority 100 --direction Outbound --access Allow --protocol Tcp --destination-address-prefixes MicrosoftContainerRegistry AzureFrontDoor.FirstParty --destination-port-ranges 443",
  run(parts, report, context) {
    if (isManagedNetwork(parts)) return managedNetworkSkip(parts, context.target, report);
    const subnets = computeSubnets(parts.computes);
    if (subnets.length === 0) {
      return noSubnetsSkip(parts, context.target, report);
    }
    for (const { subnetId, computes } of subnets) {
      const base = { subnet: subnetId, computes: computes.map((compute) => compute.name) };
      const perTag = (
        status: Status,
        messageId: "no-nsg" | "undetermined",
        reason: string,
        evidence: Record<string, unknown>,
        remediation?: string,
      ): void => {
        for (const tag of REQUIRED_TAGS) {
          report.add(
            status,
            messageId,
            subnetId,
            { subnet: nameOf(subnetId), tag, reason },
            { ...base, tag, port: PORT, ...evidence },
            remediation,
          );
        }
      };
      const vnetId = vnetIdOfSubnet(subnetId);
      if (!vnetId) {
        perTag("unknown", "undetermined", `"${subnetId}" is not a subnet resource ID`, {});
        continue;
      }
      const vnet = parts.virtualNetworks(vnetId);
      if (!vnet.ok) {
        perTag(
          "unknown",
          "undetermined",
          vnet.reason,
          failedReadEvidence(vnet.error),
          failedReadRemediation([failedRead(vnetId, vnet.error)]),
        );
        continue;
      }
      const subnet =
        vnet.value.subnets.find((candidate) => sameId(candidate.id, subnetId)) ??
        vnet.value.subnets.find((candidate) => eqi(candidate.name, nameOf(subnetId)));
      if (!subnet) {
        perTag("unknown", "undetermined", `subnet not found in virtual network ${nameOf(vnetId)}`, { vnet: vnetId });
        continue;
      }
      if (!subnet.networkSecurityGroupId) {
        perTag("pass", "no-nsg", "", { networkSecurityGroup: null });
        continue;
      }
      const nsgId = subnet.networkSecurityGroupId;
      const nsg = parts.networkSecurityGroups(nsgId);
      if (!nsg.ok) {
        perTag(
          "unknown",
          "undetermined",
          nsg.reason,
          { networkSecurityGroup: nsgId, ...failedReadEvidence(nsg.error) },
          failedReadRemediation([failedRead(nsgId, nsg.error)]),
        );
        continue;
      }
      const { rules, malformed } = rulesFromNsg(nsg.value);
      for (const tag of REQUIRED_TAGS) {
        const verdict = evaluateFlow(rules, {
          direction: "Outbound",
          protocol: "Tcp",
          port: PORT,
          sourcePrefixes: subnet.addressPrefixes,
          vnetPrefixes: vnet.value.addressPrefixes,
          destination: { kind: "tag", tag, region: vnet.value.location },
        });
        const evidence = {
          ...base,
          tag,
          port: PORT,
          region: vnet.value.location,
          subnetPrefixes: subnet.addressPrefixes,
          networkSecurityGroup: nsgId,
          decidingRule: describeRule(verdict.decidingRule),
          uncertainRules: verdict.uncertainRules.map(describeRule),
          ...(malformed.length > 0 ? { malformedRules: malformed } : {}),
        };
        const data = { subnet: nameOf(subnetId), tag, reason: verdict.reason };
        if (verdict.decision === "allow") report.pass("allowed", subnetId, data, evidence);
        else if (verdict.decision === "deny") {
          report.fail(
            "blocked",
            subnetId,
            data,
            evidence,
            sh`az network nsg rule create -g ${resourceGroupOf(nsgId)} --nsg-name ${nameOf(nsgId)} -n ${`Allow-${tag.replace(/\W/g, "")}-443`} --priority ${allowPriority(verdict.decidingRule)} --direction Outbound --access Allow --protocol Tcp --destination-address-prefixes ${tag} --destination-port-ranges 443`,
          );
        } else report.unknown("undetermined", subnetId, data, evidence);
      }
    }
  },
});

function describeRule(rule: NsgRule | undefined): Record<string, unknown> | null {
  if (!rule) return null;
  return {
    name: rule.name,
    priority: rule.priority,
    access: rule.access,
    direction: rule.direction,
    protocol: rule.protocol,
    destinationAddressPrefixes: rule.destinationAddressPrefixes,
    destinationPortRanges: rule.destinationPortRanges,
    isDefault: rule.isDefault,
  };
}

/** A free priority just before the blocking rule, within NSG limits (100–4096). */
function allowPriority(blocking: NsgRule | undefined): number {
  if (!blocking || blocking.isDefault) return 4096;
  return Math.max(100, Math.min(4096, blocking.priority - 1));
}
