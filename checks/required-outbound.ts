import { nameOf, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck, type FindingReportOf, type Parts } from "../src/engine/types.js";
import { failedRead, failedReadEvidence, failedReadRemediation } from "../src/core/failed-read.js";
import { type Status } from "../src/core/status.js";
import { sh, shWords } from "../src/core/visible.js";
import {
  evaluateFlow,
  rulesFromNsg,
  type Destination,
  type Flow,
  type FlowVerdict,
  type NsgRule,
} from "../src/net/index.js";
import { normaliseRegion, vnetIdOfSubnet, type ComputeView } from "../src/snapshot/model.js";
import { type SubnetView, type VirtualNetworkView } from "../src/snapshot/network-views.js";
import {
  computeSubnets,
  hasPublicIp,
  isBatchCompute,
  isManagedNetwork,
  managedNetworkSkip,
  noSubnetsSkip,
  resolveSubnet,
} from "./shared.js";
import { judgeEndpointFlow, subnetEndpointFlows, type EndpointFlow } from "./required-outbound/private-endpoints.js";
import type { Unresolved } from "../src/net/reachability.js";

interface Requirement {
  direction: "Outbound" | "Inbound";
  /** The service tag; `<region>` is replaced by the VNet's region. */
  tag: string;
  protocol: "Tcp" | "Udp";
  port: number;
  purpose: string;
  /** Only the Azure Batch back end of compute clusters and instances needs it (not AKS). */
  batchOnly: boolean;
  /** A flow to one private endpoint (tag `VirtualNetwork`): judged at the endpoint's address. */
  endpoint?: EndpointFlow;
  /** A read that failed and could have named a private endpoint the subnet needs. */
  gap?: Unresolved;
}

const out = (
  tag: string,
  port: number,
  purpose: string,
  batchOnly = false,
  protocol: "Tcp" | "Udp" = "Tcp",
): Requirement => ({
  direction: "Outbound",
  tag,
  protocol,
  port,
  purpose,
  batchOnly,
});

/** Microsoft Learn, how-to-access-azureml-behind-firewall: "Required public internet access". */
const REQUIRED_OUTBOUND: readonly Requirement[] = [
  out("AzureActiveDirectory", 443, "authentication with Microsoft Entra ID"),
  out("AzureMachineLearning", 443, "the Azure Machine Learning service"),
  out("AzureMachineLearning", 18881, "compute management by the Azure Machine Learning service", true),
  out("AzureMachineLearning", 5831, "compute management by the Azure Machine Learning service", true, "Udp"),
  out("BatchNodeManagement.<region>", 443, "the Azure Batch back end of compute clusters and instances", true),
  out("AzureResourceManager", 443, "creating Azure resources"),
  out("Storage.<region>", 443, "the workspace's storage account"),
  out("AzureFrontDoor.FrontEnd", 443, "the studio and environment image assets behind Front Door"),
  out("MicrosoftContainerRegistry.<region>", 443, "Microsoft's Docker images"),
  out("AzureMonitor", 443, "logs and metrics"),
  out("AzureKeyVault.<region>", 443, "the workspace's key vault"),
];

/** Clusters and instances with a public IP are managed through it. */
const PUBLIC_IP_INBOUND: Requirement = {
  direction: "Inbound",
  tag: "AzureMachineLearning",
  protocol: "Tcp",
  port: 44224,
  purpose: "managing compute with a public IP",
  batchOnly: true,
};

const MESSAGES = {
  allowed: "Subnet {subnet} allows {flow} ({purpose}): {reason}.",
  "no-nsg":
    "Subnet {subnet} has no network security group; the traffic Azure Machine Learning needs is not filtered by one.",
  blocked: "Subnet {subnet} blocks {flow}, needed for {purpose}: {reason}.",
  undetermined: "Cannot decide whether subnet {subnet} allows {flow}: {reason}.",
  "no-subnets": "No compute of this workspace is in a virtual network subnet; no NSG applies.",
  "managed-network":
    "The workspace isolates its computes in a managed network ({isolationMode}); the NSGs of your virtual networks are not on their path.",
} satisfies Record<string, string>;

type RequiredOutboundReport = FindingReportOf<typeof MESSAGES>;

export default defineCheck({
  id: "required-outbound",
  title: "The NSG on every compute subnet allows the service-tag traffic Azure Machine Learning compute requires",
  severity: "high",
  requires: [
    "workspace",
    "storage",
    "registry",
    "keyVault",
    "computes",
    "privateEndpoints",
    "virtualNetworks",
    "networkSecurityGroups",
  ],
  messages: MESSAGES,
  remediation:
    "Add an NSG rule that allows the blocked service tag, at a lower priority number than the rule that blocks it: az network nsg rule create -g RG --nsg-name NSG -n Allow-AzureActiveDirectory-Tcp-443-Out --priority 100 --direction Outbound --access Allow --protocol Tcp --destination-address-prefixes AzureActiveDirectory --destination-port-ranges 443",
  run(parts, report, context) {
    if (isManagedNetwork(parts)) return managedNetworkSkip(parts, context.target, report);
    const subnets = computeSubnets(parts.computes);
    if (subnets.length === 0) {
      return noSubnetsSkip(parts, context.target, report);
    }
    for (const { subnetId, computes } of subnets) judgeSubnet(parts, report, subnetId, computes);
  },
});

type SubnetParts = Pick<
  Parts,
  "workspace" | "storage" | "registry" | "keyVault" | "privateEndpoints" | "virtualNetworks" | "networkSecurityGroups"
>;

/** Whether one compute subnet's NSG allows each flow its computes need, one finding per flow. */
function judgeSubnet(
  parts: SubnetParts,
  report: RequiredOutboundReport,
  subnetId: string,
  computes: ComputeView[],
): void {
  const publicIpComputes = computes
    .filter((compute) => isBatchCompute(compute) && hasPublicIp(compute))
    .map((compute) => compute.name);
  const base = { subnet: subnetId, computes: computes.map((compute) => compute.name) };
  const resolved = resolveSubnet(subnetId, parts.virtualNetworks);
  // The VNet's region names the regional tags, even when the subnet itself is missing from it.
  const vnetId = vnetIdOfSubnet(subnetId);
  const vnetRead = vnetId ? parts.virtualNetworks(vnetId) : undefined;
  const region = vnetRead?.ok ? normaliseRegion(vnetRead.value.location) : "";
  const requirements = [
    ...subnetRequirements(computes, publicIpComputes.length > 0, region),
    ...endpointRequirements(parts, subnetId, computes.some(isBatchCompute)),
  ];
  const push: Push = (status, messageId, requirement, reason, evidence, remediation) => {
    report.add(
      status,
      messageId,
      subnetId,
      { subnet: nameOf(subnetId), flow: describe(requirement), purpose: requirement.purpose, reason },
      {
        ...base,
        direction: requirement.direction,
        tag: requirement.tag,
        protocol: requirement.protocol,
        port: requirement.port,
        ...(requirement.direction === "Inbound" ? { publicIpComputes } : {}),
        ...endpointEvidence(requirement),
        ...evidence,
      },
      remediation,
    );
  };

  if (!resolved.ok) {
    for (const requirement of requirements)
      push("unknown", "undetermined", requirement, resolved.reason, resolved.evidence, resolved.remediation);
    return;
  }
  const { vnet, subnet } = resolved;
  const nsgId = subnet.networkSecurityGroupId;
  if (!nsgId) {
    report.pass("no-nsg", subnetId, { subnet: nameOf(subnetId) }, { ...base, networkSecurityGroup: null });
    return;
  }
  const nsg = parts.networkSecurityGroups(nsgId);
  if (!nsg.ok) {
    const remediation = failedReadRemediation([failedRead(nsgId, nsg.error)]);
    for (const requirement of requirements)
      push(
        "unknown",
        "undetermined",
        requirement,
        nsg.reason,
        { networkSecurityGroup: nsgId, ...failedReadEvidence(nsg.error) },
        remediation,
      );
    return;
  }
  judgeFlows(parts, push, requirements, { nsgId, nsg: nsg.value, region, vnet, subnet });
}

/** Reports one finding about one flow of a subnet. */
type Push = (
  status: Status,
  messageId: keyof typeof MESSAGES,
  requirement: Requirement,
  reason: string,
  evidence: Record<string, unknown>,
  remediation?: string,
) => void;

/** Each flow of a subnet judged by its NSG's rules. */
function judgeFlows(
  parts: SubnetParts,
  push: Push,
  requirements: Requirement[],
  where: { nsgId: string; nsg: unknown; region: string; vnet: VirtualNetworkView; subnet: SubnetView },
): void {
  const { nsgId, region, vnet, subnet } = where;
  const { rules, malformed } = rulesFromNsg(where.nsg);
  // Priorities already taken, per direction: each proposed allow rule gets a free one.
  const taken = { Outbound: new Set<number>(), Inbound: new Set<number>() };
  for (const rule of rules) if (!rule.isDefault) taken[rule.direction].add(rule.priority);

  // One proposed rule per destination, however many findings (one per private endpoint) it fixes.
  const proposed = new Map<string, string>();
  const propose = (requirement: Requirement, blocking: NsgRule | undefined): string => {
    const key = `${requirement.direction}|${requirement.tag}|${requirement.protocol}|${requirement.port}`;
    let command = proposed.get(key);
    if (command === undefined) {
      command = ruleCommand(nsgId, requirement, freePriority(blocking, taken[requirement.direction]));
      proposed.set(key, command);
    }
    return command;
  };
  const nsgEvidence = {
    region: region || null,
    subnetPrefixes: subnet.addressPrefixes,
    networkSecurityGroup: nsgId,
    ...(malformed.length > 0 ? { malformedRules: malformed } : {}),
  };

  for (const requirement of requirements) {
    if (requirement.gap) {
      const gap = requirement.gap;
      push(
        "unknown",
        "undetermined",
        requirement,
        gap.reason,
        { ...nsgEvidence, ...failedReadEvidence(gap) },
        failedReadRemediation([gap]),
      );
      continue;
    }
    let verdict: FlowVerdict;
    let destination: Record<string, unknown> = {};
    if (requirement.endpoint) {
      const flowBase = { sourcePrefixes: subnet.addressPrefixes, vnetPrefixes: vnet.addressPrefixes };
      const judged = judgeEndpointFlow(parts, rules, flowBase, requirement.endpoint);
      if (!judged.decided) {
        push("unknown", "undetermined", requirement, judged.reason, { ...nsgEvidence, ...judged.evidence });
        continue;
      }
      verdict = judged.verdict;
      destination = judged.evidence;
    } else verdict = evaluateFlow(rules, requiredFlow(requirement, region, vnet, subnet));
    const evidence = {
      ...nsgEvidence,
      ...destination,
      decidingRule: describeRule(verdict.decidingRule),
      uncertainRules: verdict.uncertainRules.map(describeRule),
    };
    if (verdict.decision === "allow") push("pass", "allowed", requirement, verdict.reason, evidence);
    else if (verdict.decision === "deny")
      push("fail", "blocked", requirement, verdict.reason, evidence, propose(requirement, verdict.decidingRule));
    else push("unknown", "undetermined", requirement, verdict.reason, evidence);
  }
}

/** The flows to the private endpoints in reach of the subnet, and a placeholder per read that could add one. */
function endpointRequirements(parts: SubnetParts, subnetId: string, batch: boolean): Requirement[] {
  const { flows, unresolved } = subnetEndpointFlows(parts, subnetId, batch);
  const toVnet = (port: number, purpose: string) => ({
    direction: "Outbound" as const,
    tag: "VirtualNetwork",
    protocol: "Tcp" as const,
    port,
    purpose,
    batchOnly: port !== 443,
  });
  return [
    ...flows.map((endpoint) => ({ ...toVnet(endpoint.port, endpoint.purpose), endpoint })),
    ...unresolved.map((gap) => ({
      ...toVnet(443, "the private endpoints of the workspace and its dependencies"),
      gap,
    })),
  ];
}

/** What tells one private endpoint flow from another, for the evidence. */
function endpointEvidence(requirement: Requirement): Record<string, unknown> {
  const { endpoint, gap } = requirement;
  if (endpoint)
    return {
      privateEndpoint: endpoint.privateEndpoint,
      endpointOwner: endpoint.owner,
      groupIds: endpoint.groupIds,
    };
  if (gap)
    return /\/privateEndpoints\//i.test(gap.resourceId)
      ? { privateEndpoint: gap.resourceId }
      : { vnet: gap.resourceId };
  return {};
}

/** The flows a subnet's computes need, their regional tags named for the VNet's region. */
function subnetRequirements(computes: ComputeView[], publicIp: boolean, region: string): Requirement[] {
  const batch = computes.some(isBatchCompute);
  return [
    ...REQUIRED_OUTBOUND.filter((requirement) => batch || !requirement.batchOnly),
    ...(publicIp ? [PUBLIC_IP_INBOUND] : []),
  ].map((requirement) => ({ ...requirement, tag: regional(requirement.tag, region) }));
}

/** A requirement as the flow evaluateFlow judges against the NSG's rules. */
function requiredFlow(requirement: Requirement, region: string, vnet: VirtualNetworkView, subnet: SubnetView): Flow {
  const tagDestination: Destination = { kind: "tag", tag: requirement.tag, ...(region ? { region } : {}) };
  return {
    direction: requirement.direction,
    protocol: requirement.protocol,
    port: requirement.port,
    sourcePrefixes: subnet.addressPrefixes,
    vnetPrefixes: vnet.addressPrefixes,
    ...(requirement.direction === "Outbound"
      ? { destination: tagDestination }
      : // Inbound: the subnet is the target (VirtualNetwork when it has no prefix of its own).
        {
          destination: subnet.addressPrefixes[0]
            ? { kind: "cidr", cidr: subnet.addressPrefixes[0] }
            : { kind: "tag", tag: "VirtualNetwork" },
          inboundSource: tagDestination,
        }),
  };
}

function regional(tag: string, region: string): string {
  // Without a known region the global tag is the honest destination.
  return tag.replace(/\.<region>$/, region ? `.${region}` : "");
}

function describe(requirement: Requirement): string {
  const head = `${requirement.direction.toLowerCase()} ${requirement.protocol.toUpperCase()} ${requirement.port}`;
  if (requirement.endpoint)
    return `${head} to private endpoint ${nameOf(requirement.endpoint.privateEndpoint)} (${requirement.tag})`;
  return requirement.direction === "Outbound" ? `${head} to ${requirement.tag}` : `${head} from ${requirement.tag}`;
}

/**
 * A rule as evidence, made once per rule and shared by every finding that names it: rules are read
 * once per NSG (rulesFromNsg), and in a fleet one NSG decides thousands of flows.
 */
function describeRule(rule: NsgRule | undefined): Readonly<Record<string, unknown>> | null {
  if (!rule) return null;
  let described = describedRules.get(rule);
  if (!described) {
    described = Object.freeze(describeRuleOnce(rule));
    describedRules.set(rule, described);
  }
  return described;
}

const describedRules = new WeakMap<NsgRule, Readonly<Record<string, unknown>>>();

function describeRuleOnce(rule: NsgRule): Record<string, unknown> {
  return {
    name: rule.name,
    priority: rule.priority,
    access: rule.access,
    direction: rule.direction,
    protocol: rule.protocol,
    sourceAddressPrefixes: rule.sourceAddressPrefixes,
    destinationAddressPrefixes: rule.destinationAddressPrefixes,
    destinationPortRanges: rule.destinationPortRanges,
    isDefault: rule.isDefault,
  };
}

/**
 * The highest free priority below the blocking rule (custom rules run 100–4096; a default rule is
 * outranked by any), so that several proposed rules do not collide. Marks it taken.
 */
function freePriority(blocking: NsgRule | undefined, taken: Set<number>): number {
  const start = !blocking || blocking.isDefault ? 4096 : Math.min(4096, blocking.priority - 1);
  let priority = start;
  while (priority >= 100 && taken.has(priority)) priority--;
  if (priority < 100) priority = Math.max(100, start); // no room below it: the blocking rule must move
  taken.add(priority);
  return priority;
}

function ruleCommand(nsgId: string, requirement: Requirement, priority: number): string {
  const name = `Allow-${requirement.tag.replace(/[^\w.-]/g, "")}-${requirement.protocol}-${requirement.port}-${requirement.direction === "Outbound" ? "Out" : "In"}`;
  const peer =
    requirement.direction === "Outbound" ? shWords`--destination-address-prefixes` : shWords`--source-address-prefixes`;
  return sh`az network nsg rule create -g ${resourceGroupOf(nsgId)} --nsg-name ${nameOf(nsgId)} -n ${name} --priority ${priority} --direction ${requirement.direction} --access Allow --protocol ${requirement.protocol} ${peer} ${requirement.tag} --destination-port-ranges ${requirement.port}`;
}
