// The fixes worth trying for a root cause, smallest first, as commands on the snapshot as it stands
// (after the fixes already planned). Each is proven by ./plan.ts before it is printed.

import { rulesFromNsg, type NsgRule } from "../../net/index.js";
import { idKey, nameOf } from "../../snapshot/ids.js";
import { computeView, isGpuVmSize, settingsTarget, storageAccessView } from "../../snapshot/model.js";
import { asString, eqi } from "../../snapshot/json.js";
import { routeTableView, virtualNetworkView } from "../../snapshot/network-views.js";
import type { RawResource, Snapshot } from "../../snapshot/types.js";
import type { RootCause } from "../root-causes.js";
import type { ReportFinding } from "../types.js";
import type { FixCommand } from "./commands.js";

export interface Candidate {
  commands: FixCommand[];
  /** Why this fix, in a clause a person reads ("moves the deny below the allow rules: one change"). */
  why: string;
}

/** What a planner sees: the snapshot as planned so far, the cause, and its findings. */
export interface CandidateContext {
  snapshot: Snapshot;
  cause: RootCause;
  findings: Array<{ check: string; finding: ReportFinding }>;
}

export function candidatesFor(context: CandidateContext): Candidate[] {
  switch (context.cause.kind) {
    case "nsg-rule":
      return nsgCandidates(context);
    case "stale-keys":
      return [
        {
          // A project's keys are its hub's: the hub's storage and registry.
          commands: [{ kind: "sync-keys", workspaceId: settingsTarget(context.snapshot.target).workspaceId }],
          why: "the workspace re-reads the current keys",
        },
      ];
    case "finding":
      return findingCandidates(context);
    case "route":
      return routeCandidates(context);
    case "permission":
    case "unreadable":
      return [];
  }
}

function byId(snapshot: Snapshot, id: string): RawResource | undefined {
  return snapshot.resources.find((resource) => typeof resource.id === "string" && idKey(resource.id) === idKey(id));
}

// ---- routes: a forced tunnel that cuts off compute with a public IP ---------------------------------

/**
 * Routes sending the service's tags to Internet, so the Azure ML service reaches public-IP compute
 * past the tunnel. A black hole (next hop None) or a subnet with no way out at all is not fixed
 * here: which way out is wanted (a NAT gateway, a firewall) is a decision, not a default.
 */
function routeCandidates(context: CandidateContext): Candidate[] {
  const first = context.findings[0]?.finding;
  const tableId = first?.evidence.routeTable;
  if (first?.messageId !== "tunnel-breaks-public-ip" || typeof tableId !== "string") return [];
  const table = byId(context.snapshot, tableId);
  const taken = new Set((table ? routeTableView(table).routes : []).map((route) => route.name.toLowerCase()));
  const missing = new Set(
    context.findings.flatMap(({ finding }) =>
      Array.isArray(finding.evidence.missingRoutes) ? finding.evidence.missingRoutes.map(String) : [],
    ),
  );
  const commands = [...missing].map((tag): FixCommand => {
    let name = `${tag.replaceAll(".", "-")}-Internet`;
    for (let suffix = 2; taken.has(name.toLowerCase()); suffix += 1)
      name = `${tag.replaceAll(".", "-")}-Internet-${suffix}`;
    taken.add(name.toLowerCase());
    return { kind: "route-create", routeTableId: tableId, name, addressPrefix: tag, nextHopType: "Internet" };
  });
  return commands.length > 0
    ? [
        {
          commands,
          why: `sends ${[...missing].join(" and ")} straight to Internet past the tunnel, so the service still reaches compute with a public IP; the rest of the traffic keeps its route`,
        },
      ]
    : [];
}

// ---- NSG: move the deny, or add allows in front of it ------------------------------------------------

const LOWEST_PRIORITY = 4096;
const HIGHEST_PRIORITY = 100;

/** A flow the deny blocks, as the findings' evidence gives it. */
interface BlockedFlow {
  tag: string;
  protocol: "Tcp" | "Udp";
  port: string;
  sources: string[];
}

function blockedFlows(findings: CandidateContext["findings"]): BlockedFlow[] {
  return findings.flatMap(({ finding }) => {
    const { tag, port, protocol, subnetPrefixes } = finding.evidence;
    if (typeof tag !== "string" || (typeof port !== "string" && typeof port !== "number")) return [];
    const sources = Array.isArray(subnetPrefixes) ? subnetPrefixes.map(String) : ["VirtualNetwork"];
    return [{ tag, protocol: eqi(protocol, "Udp") ? "Udp" : "Tcp", port: String(port), sources }];
  });
}

function nsgCandidates(context: CandidateContext): Candidate[] {
  const nsgId = context.cause.resourceId;
  const nsg = byId(context.snapshot, nsgId);
  const denyName = asString(
    context.findings[0]?.finding.evidence.decidingRule &&
      (context.findings[0].finding.evidence.decidingRule as { name?: unknown }).name,
  );
  if (!nsg || !denyName) return [];
  const rules = rulesFromNsg(nsg).rules.filter((rule) => !rule.isDefault);
  const deny = rules.find((rule) => rule.name === denyName);
  if (!deny) return [];
  const sameDirection = rules.filter((rule) => rule.direction === deny.direction && rule.name !== deny.name);
  const taken = new Set(sameDirection.map((rule) => rule.priority));
  const flows = blockedFlows(context.findings);
  const candidates: Candidate[] = [];

  // Move the deny below every allow rule now behind it: one change, if those allows cover the flows.
  const allowsBehind = sameDirection.filter((rule) => rule.access === "Allow" && rule.priority > deny.priority);
  const lastAllow = Math.max(deny.priority, ...allowsBehind.map((rule) => rule.priority));
  const allows = allowRules(flows, deny, nsgId, rules);
  const moveTo = allowsBehind.length > 0 ? freeAfter(lastAllow, taken) : undefined;
  if (moveTo !== undefined)
    candidates.push({
      commands: [{ kind: "nsg-rule-priority", nsgId, rule: deny.name, priority: moveTo }],
      why: `moves ${deny.name} below the allow rules behind it: one change, where allow rules in front of it would take ${allows.length}`,
    });
  // Or move it further down and add what the allows behind it do not cover in the room it leaves.
  if (allows.length > 0) {
    const between = freePriorities(lastAllow + 1, LOWEST_PRIORITY, new Set([...taken, deny.priority]), allows.length);
    const after =
      between.length === allows.length ? freeAfter(Math.max(...between), new Set([...taken, ...between])) : undefined;
    if (after !== undefined)
      candidates.push({
        commands: [
          { kind: "nsg-rule-priority", nsgId, rule: deny.name, priority: after },
          ...allows.map((rule, index) => ({ ...rule, priority: between[index] ?? rule.priority })),
        ],
        why: `moves ${deny.name} down and adds ${allows.length} allow rule${allows.length === 1 ? "" : "s"} in front of it, for what no rule allows now`,
      });
  }
  // Allow rules in front of the deny, in the free priorities above it.
  const inFront = freePriorities(HIGHEST_PRIORITY, deny.priority - 1, taken, allows.length, true);
  if (allows.length > 0 && inFront.length === allows.length)
    candidates.push({
      commands: allows.map((rule, index) => ({ ...rule, priority: inFront[index] ?? rule.priority })),
      why: `adds ${allows.length} allow rule${allows.length === 1 ? "" : "s"} in front of ${deny.name}, which stays as it is`,
    });
  return candidates.sort((a, b) => a.commands.length - b.commands.length);
}

/** The first free priority after `after`, a round ten where one is free. */
function freeAfter(after: number, taken: ReadonlySet<number>): number | undefined {
  for (let priority = Math.ceil((after + 1) / 10) * 10; priority <= LOWEST_PRIORITY; priority += 10)
    if (!taken.has(priority)) return priority;
  for (let priority = after + 1; priority <= LOWEST_PRIORITY; priority += 1) if (!taken.has(priority)) return priority;
  return undefined;
}

/** Up to `count` free priorities from `from` to `to`, ascending (or from the top, nearest the deny). */
function freePriorities(
  from: number,
  to: number,
  taken: ReadonlySet<number>,
  count: number,
  fromTop = false,
): number[] {
  const free: number[] = [];
  for (let step = 0; step <= to - from && free.length < count; step += 1) {
    const priority = fromTop ? to - step : from + step;
    if (!taken.has(priority)) free.push(priority);
  }
  return fromTop ? free.reverse() : free;
}

/** One allow rule per destination tag and protocol, its ports together, named so no name is taken twice. */
function allowRules(
  flows: BlockedFlow[],
  deny: NsgRule,
  nsgId: string,
  rules: readonly NsgRule[],
): Array<Extract<FixCommand, { kind: "nsg-rule-create" }>> {
  const groups = new Map<string, BlockedFlow[]>();
  for (const flow of flows)
    groups.set(`${flow.tag}|${flow.protocol}`, [...(groups.get(`${flow.tag}|${flow.protocol}`) ?? []), flow]);
  const names = new Set(rules.map((rule) => rule.name.toLowerCase()));
  return [...groups.values()].map((group) => {
    const [first] = group;
    const tag = first?.tag ?? "";
    const protocol = first?.protocol ?? "Tcp";
    let name = `Allow-${tag.replace(/[^\w.-]/g, "")}-${protocol}-${deny.direction === "Inbound" ? "In" : "Out"}`;
    for (let suffix = 2; names.has(name.toLowerCase()); suffix += 1) name = `${name.replace(/-\d+$/, "")}-${suffix}`;
    names.add(name.toLowerCase());
    return {
      kind: "nsg-rule-create" as const,
      nsgId,
      name,
      priority: 0,
      direction: deny.direction,
      protocol,
      sourcePrefixes: [...new Set(group.flatMap((flow) => flow.sources))],
      destinationPrefix: tag,
      ports: [...new Set(group.map((flow) => flow.port))].sort((a, b) => Number(a) - Number(b)),
    };
  });
}

// ---- one check's finding -------------------------------------------------------------------------

function findingCandidates(context: CandidateContext): Candidate[] {
  const [first] = context.findings;
  if (!first) return [];
  const { check, finding } = first;
  const key = `${check}/${finding.messageId}`;
  const planner = FINDING_PLANNERS[key];
  return planner ? planner(context, finding) : [];
}

type FindingPlanner = (context: CandidateContext, finding: ReportFinding) => Candidate[];

const FINDING_PLANNERS: Record<string, FindingPlanner> = {
  "acr-vnet-image-build/image-build-compute-unset": imageBuildCompute,
  "acr-vnet-image-build/image-build-compute-missing": imageBuildCompute,
  "acr-vnet-image-build/image-build-compute-wrong-type": imageBuildCompute,
  "acr-vnet-image-build/image-build-compute-state-unknown": imageBuildCompute,
  "acr-vnet-image-build/image-build-compute-gpu": imageBuildCompute,
  "private-dns/zone-not-linked": (context) => {
    const links = context.findings.flatMap(({ finding }) => {
      const vnet = finding.evidence.vnet;
      return typeof vnet === "string" ? [{ zoneId: finding.resourceId, vnetId: vnet }] : [];
    });
    const commands = links.map(({ zoneId, vnetId }): FixCommand => ({
      kind: "dns-zone-link",
      zoneId,
      vnetId,
      name: linkName(context.snapshot, zoneId, vnetId),
    }));
    return commands.length > 0
      ? [{ commands, why: "links the zone to the VNet that resolves for the computes, registration off" }]
      : [];
  },
  "trusted-access/storage-blocked": (context, finding) => {
    const storage = byId(context.snapshot, finding.resourceId);
    if (!storage) return [];
    const bypass = (storageAccessView(storage).bypass ?? "")
      .split(/[\s,]+/)
      .filter((entry) => entry !== "" && !eqi(entry, "None") && !eqi(entry, "AzureServices"));
    return [
      {
        commands: [{ kind: "storage-bypass", storageId: finding.resourceId, bypass: [...bypass, "AzureServices"] }],
        why: "lets trusted Azure services, the workspace among them, through the account's firewall; its other bypasses stay",
      },
    ];
  },
  "trusted-access/registry-blocked": (_context, finding) => [
    {
      commands: [{ kind: "registry-trusted-services", registryId: finding.resourceId }],
      why: "lets trusted Azure services, Azure ML among them, through the registry's firewall",
    },
  ],
  "trusted-access/registry-not-premium": (_context, finding) => [
    {
      commands: [{ kind: "registry-premium", registryId: finding.resourceId }],
      why: "only the Premium SKU has private endpoints and network rules",
    },
  ],
  "registry-policies/quarantine-enabled": (_context, finding) => [
    {
      commands: [{ kind: "registry-quarantine-off", registryId: finding.resourceId }],
      why: "quarantined images cannot be pulled until something clears them, and nothing does for Azure ML",
    },
  ],
  "subnet-colocation/unreachable": (context) => {
    const commands: FixCommand[] = [];
    for (const { finding } of context.findings) {
      const dependency = finding.evidence.dependency;
      const subnet = finding.evidence.computeSubnet;
      if (typeof dependency !== "string" || typeof subnet !== "string") continue;
      const storage = byId(context.snapshot, dependency);
      // A VNet rule admits through the public endpoint only: with public access off it takes a private endpoint.
      if (!storage || !/\/storageAccounts\//i.test(dependency) || storageAccessView(storage).publicDisabled) continue;
      // `--service-endpoints` replaces the list: keep what the subnet has, a storage endpoint included.
      const services = subnetServiceEndpoints(context.snapshot, subnet);
      const hasStorage = services.some((service) => /^Microsoft\.Storage(\.Global)?$/i.test(service));
      commands.push({
        kind: "subnet-service-endpoints",
        subnetId: subnet,
        services: hasStorage ? services : [...services, "Microsoft.Storage"],
      });
      commands.push({ kind: "storage-subnet-rule", storageId: dependency, subnetId: subnet });
    }
    const distinct = [...new Map(commands.map((command) => [JSON.stringify(command), command])).values()];
    return distinct.length > 0
      ? [
          {
            commands: distinct,
            why: "gives the compute subnet a Microsoft.Storage service endpoint and the account a rule for it",
          },
        ]
      : [];
  },
  "subnet-colocation/service-endpoint-missing": (context) => {
    const gaps = context.findings.flatMap(({ finding }) => {
      const gap = finding.evidence.serviceEndpointGap as { subnetId?: unknown; wanted?: unknown } | undefined;
      return typeof gap?.subnetId === "string" && Array.isArray(gap.wanted)
        ? [{ subnetId: gap.subnetId, wanted: gap.wanted.map(String) }]
        : [];
    });
    // One update per subnet, naming every endpoint any finding wants there.
    const bySubnet = new Map<string, { subnetId: string; services: string[] }>();
    for (const gap of gaps) {
      const entry = bySubnet.get(idKey(gap.subnetId)) ?? { subnetId: gap.subnetId, services: [] };
      for (const service of gap.wanted)
        if (!entry.services.some((known) => eqi(known, service))) entry.services.push(service);
      bySubnet.set(idKey(gap.subnetId), entry);
    }
    const commands = [...bySubnet.values()].map(({ subnetId, services }): FixCommand => ({
      kind: "subnet-service-endpoints",
      subnetId,
      services,
    }));
    return commands.length > 0
      ? [
          {
            commands,
            why: "gives the compute subnet the service endpoint its virtual-network rule needs; its other endpoints stay",
          },
        ]
      : [];
  },
};

/** The service endpoints a subnet has now, as its VNet in the snapshot lists them. */
function subnetServiceEndpoints(snapshot: Snapshot, subnetId: string): string[] {
  const vnet = byId(snapshot, subnetId.split(/\/subnets\//i)[0] ?? "");
  const subnet = vnet
    ? virtualNetworkView(vnet).subnets.find((candidate) => idKey(candidate.id) === idKey(subnetId))
    : undefined;
  return subnet?.serviceEndpoints.map((endpoint) => endpoint.service) ?? [];
}

/** A link name no link of the zone has yet. */
function linkName(snapshot: Snapshot, zoneId: string, vnetId: string): string {
  const prefix = `${idKey(zoneId)}/virtualnetworklinks/`;
  const taken = new Set(
    snapshot.resources.flatMap((resource) =>
      typeof resource.id === "string" && idKey(resource.id).startsWith(prefix)
        ? [nameOf(resource.id).toLowerCase()]
        : [],
    ),
  );
  let name = `${nameOf(vnetId)}-link`;
  for (let suffix = 2; taken.has(name.toLowerCase()); suffix += 1) name = `${nameOf(vnetId)}-link-${suffix}`;
  return name;
}

/**
 * The workspace's healthy CPU clusters in a VNet, each a candidate (the proof keeps the one that reaches
 * both). A project's image-build compute is its hub's, so the command names the hub.
 */
function imageBuildCompute(context: CandidateContext): Candidate[] {
  const workspaceId = settingsTarget(context.snapshot.target).workspaceId;
  const prefix = `${idKey(workspaceId)}/computes/`;
  return context.snapshot.resources
    .filter((resource) => typeof resource.id === "string" && idKey(resource.id).startsWith(prefix))
    .map(computeView)
    .filter(
      (compute) =>
        eqi(compute.computeType, "AmlCompute") &&
        eqi(compute.provisioningState, "Succeeded") &&
        compute.subnetId !== undefined &&
        // Without a vmSize the check cannot tell a CPU SKU, so such a cluster would not turn it green.
        compute.vmSize !== undefined &&
        !isGpuVmSize(compute.vmSize),
    )
    .map((compute) => ({
      commands: [{ kind: "image-build-compute" as const, workspaceId, compute: compute.name }],
      why: `${compute.name} is a healthy CPU cluster in the workspace's VNet that reaches the registry and storage`,
    }));
}
