import { nameOf, resourceGroupOf } from "../src/snapshot/ids.js";
import { defineCheck, type FindingReportOf, type Parts } from "../src/engine/types.js";
import { failedRead, failedReadEvidence, failedReadRemediation } from "../src/core/failed-read.js";
import { sh, shWords } from "../src/core/visible.js";
import { parseServiceTag } from "../src/net/index.js";
import { normaliseRegion, type ComputeView } from "../src/snapshot/model.js";
import { eqi } from "../src/snapshot/json.js";
import {
  type RouteTableView,
  type RouteView,
  type SubnetView,
  type VirtualNetworkView,
} from "../src/snapshot/network-views.js";
import {
  computeSubnets,
  hasPublicIp,
  isBatchCompute,
  isManagedNetwork,
  managedNetworkSkip,
  noSubnetsSkip,
  resolveSubnet,
} from "./shared.js";

/** Compute clusters and instances: the Azure Batch-backed computes whose public IP and egress this is about. */
/** Service tags whose traffic must return over the Internet to a compute with a public IP. */
const BYPASS_TAGS = ["AzureMachineLearning", "BatchNodeManagement"] as const;

/** The route that decides where traffic to the public internet goes; `names` has two for a split default. */
interface DefaultRoute {
  names: string[];
  addressPrefixes: string[];
  nextHopType: string;
  nextHopIpAddress: string | null;
}

/** The bypass tags' routes and the tags still missing a route to Internet. */
interface BypassRoutes {
  routes: Array<Record<string, unknown>>;
  missing: string[];
}

/** A compute subnet's path out as read once, judged for each compute in it. */
interface SubnetEgress {
  subnetId: string;
  vnet: VirtualNetworkView;
  subnet: SubnetView;
  route: DefaultRoute | undefined;
  /** The default route's next hop type. */
  hop: string;
  /** The default route goes to a firewall or a gateway. */
  tunnel: boolean;
  bypass: BypassRoutes;
  /** Evidence every compute's finding in this subnet carries. */
  evidence: Record<string, unknown>;
}

const MESSAGES = {
  "default-route-none":
    "Route {route} of route table {routeTable} sends 0.0.0.0/0 on subnet {subnet} to next hop None: {compute} can reach nothing outside the virtual network.",
  "tunnel-breaks-public-ip":
    "Route table {routeTable} forces subnet {subnet}'s internet traffic to {nextHop} without routes sending {missing} to Internet: {compute} has a public IP, and the Azure Machine Learning service's traffic to it cannot return.",
  "service-tag-routes":
    "Route table {routeTable} forces subnet {subnet}'s internet traffic to {nextHop}, but routes send AzureMachineLearning and BatchNodeManagement to Internet, so {compute} (public IP) stays manageable.",
  "direct-internet": "{compute} has a public IP and subnet {subnet} sends internet traffic straight to the internet.",
  "tunneled-egress":
    "{compute} has no public IP; subnet {subnet} sends its internet traffic to {nextHop}, which must allow the destinations Azure Machine Learning needs.",
  "nat-gateway": "{compute} has no public IP; subnet {subnet} reaches the internet through NAT gateway {natGateway}.",
  "no-egress":
    "{compute} has no public IP and subnet {subnet} has neither a NAT gateway nor a default route to a firewall, with default outbound access off: it cannot pull images or reach Azure Machine Learning.",
  "default-outbound-access":
    "{compute} has no public IP and subnet {subnet} has neither a NAT gateway nor a default route to a firewall: it relies on Azure's default outbound access, which is being retired.",
  undetermined: "Cannot decide whether subnet {subnet} gives its computes a working path out: {reason}.",
  "no-subnets":
    "No compute cluster or compute instance of this workspace is in a virtual network subnet; no route table applies.",
  "managed-network":
    "The workspace isolates its computes in a managed network ({isolationMode}); the route tables of your virtual networks are not on their path.",
} satisfies Record<string, string>;

type ForcedTunnelingReport = FindingReportOf<typeof MESSAGES>;

export default defineCheck({
  id: "forced-tunneling",
  title:
    "Every compute subnet has a working path out: no forced tunnel cuts off public-IP compute, and no-public-IP compute has explicit egress",
  severity: "high",
  requires: ["workspace", "computes", "virtualNetworks", "routeTables"],
  messages: MESSAGES,
  remediation:
    "Give no-public-IP compute explicit egress (a NAT gateway on the subnet, or a 0.0.0.0/0 route to a firewall), and with a forced tunnel send AzureMachineLearning and BatchNodeManagement.<region> to Internet for compute with a public IP: az network route-table route create -g RG --route-table-name RT -n AzureMachineLearning-Internet --address-prefix AzureMachineLearning --next-hop-type Internet",
  run(parts, report, context) {
    if (isManagedNetwork(parts)) return managedNetworkSkip(parts, context.target, report);
    const batchComputes = parts.computes.filter(isBatchCompute);
    const subnets = computeSubnets(batchComputes);
    if (subnets.length === 0) {
      return noSubnetsSkip(parts, context.target, report);
    }
    for (const { subnetId, computes } of subnets) {
      const egress = readSubnetEgress(parts, report, subnetId, computes);
      if (!egress) continue;
      for (const compute of computes) judgeCompute(report, compute, egress);
    }
  },
});

/**
 * A compute subnet's VNet, route table and default route, or undefined after reporting why its
 * path out cannot be judged.
 */
function readSubnetEgress(
  parts: Pick<Parts, "virtualNetworks" | "routeTables">,
  report: ForcedTunnelingReport,
  subnetId: string,
  computes: ComputeView[],
): SubnetEgress | undefined {
  const unknown = (reason: string, evidence: Record<string, unknown>, remediation?: string): void => {
    report.unknown(
      "undetermined",
      subnetId,
      { subnet: nameOf(subnetId), reason },
      { subnet: subnetId, computes: computes.map((compute) => compute.name), ...evidence },
      remediation,
    );
  };
  const resolved = resolveSubnet(subnetId, parts.virtualNetworks);
  if (!resolved.ok) {
    unknown(resolved.reason, resolved.evidence, resolved.remediation);
    return undefined;
  }
  const { vnet, subnet } = resolved;
  let table: RouteTableView | undefined;
  if (subnet.routeTableId) {
    const lookup = parts.routeTables(subnet.routeTableId);
    if (!lookup.ok) {
      unknown(
        lookup.reason,
        { routeTable: subnet.routeTableId, ...failedReadEvidence(lookup.error) },
        failedReadRemediation([failedRead(subnet.routeTableId, lookup.error)]),
      );
      return undefined;
    }
    table = lookup.value;
  }
  const route = table ? defaultRoute(table.routes) : undefined;
  const hop = route?.nextHopType ?? "Internet"; // Azure's system route sends 0.0.0.0/0 to Internet
  const tunnel = eqi(hop, "VirtualAppliance") || eqi(hop, "VirtualNetworkGateway");
  if (!tunnel && !eqi(hop, "Internet") && !eqi(hop, "None")) {
    unknown(`the default route's next hop "${hop}" is not one this check can judge`, {
      routeTable: subnet.routeTableId ?? null,
      defaultRoute: route ?? null,
    });
    return undefined;
  }
  const evidence = {
    subnet: subnetId,
    routeTable: subnet.routeTableId ?? null,
    // A route table with BGP propagation on (and a subnet without one) may carry gateway routes ARM does not show.
    bgpRoutePropagation: table ? table.disableBgpRoutePropagation !== true : true,
    defaultRoute: route ?? null,
    natGateway: subnet.natGatewayId ?? null,
    defaultOutboundAccess: subnet.defaultOutboundAccess ?? null,
  };
  const bypass = table
    ? bypassRoutes(table.routes, vnet.location)
    : { routes: [], missing: BYPASS_TAGS.map((tag) => requiredTag(tag, vnet.location)) };
  return { subnetId, vnet, subnet, route, hop, tunnel, bypass, evidence };
}

/** Whether one compute in the subnet has a working path out, given its public IP and the subnet's egress. */
function judgeCompute(report: ForcedTunnelingReport, compute: ComputeView, egress: SubnetEgress): void {
  const { subnetId, vnet, subnet, route, hop, tunnel, bypass } = egress;
  const routeTableId = subnet.routeTableId ?? "";
  const publicIp = hasPublicIp(compute);
  const data = {
    compute: compute.name,
    subnet: nameOf(subnetId),
    routeTable: subnet.routeTableId ? nameOf(subnet.routeTableId) : "",
    nextHop: describeHop(route),
    natGateway: subnet.natGatewayId ? nameOf(subnet.natGatewayId) : "",
    route: route?.names.join(" and ") ?? "",
    missing: bypass.missing.join(" and "),
  };
  const evidence = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    compute: compute.id,
    publicIp,
    ...egress.evidence,
    ...extra,
  });
  if (route && eqi(hop, "None")) {
    report.fail("default-route-none", compute.id, data, evidence(), noneRemediation(routeTableId, route, vnet, subnet));
  } else if (publicIp && tunnel) {
    if (bypass.missing.length === 0)
      report.pass("service-tag-routes", compute.id, data, evidence({ serviceTagRoutes: bypass.routes }));
    else
      report.fail(
        "tunnel-breaks-public-ip",
        compute.id,
        data,
        evidence({ serviceTagRoutes: bypass.routes, missingRoutes: bypass.missing }),
        bypassRemediation(routeTableId, bypass.missing, compute),
      );
  } else if (publicIp) {
    report.pass("direct-internet", compute.id, data, evidence());
  } else if (tunnel) {
    // A gateway hop sends it on-premises: that path, like a firewall, must let the destinations out.
    report.pass(
      "tunneled-egress",
      compute.id,
      data,
      evidence({ egressPath: eqi(hop, "VirtualNetworkGateway") ? "on-premises" : "virtual-appliance" }),
    );
  } else if (subnet.natGatewayId) {
    report.pass("nat-gateway", compute.id, data, evidence());
  } else if (subnet.defaultOutboundAccess === false) {
    report.fail("no-egress", compute.id, data, evidence(), egressRemediation(vnet, subnet));
  } else {
    report.warn("default-outbound-access", compute.id, data, evidence(), egressRemediation(vnet, subnet));
  }
}

/**
 * The route that carries traffic to the public internet: a 0.0.0.0/0 route, or the pair
 * 0.0.0.0/1 + 128.0.0.0/1 with one next hop (more specific, so it wins over 0.0.0.0/0).
 */
function defaultRoute(routes: RouteView[]): DefaultRoute | undefined {
  const withPrefix = (prefix: string) => routes.find((route) => route.addressPrefix === prefix);
  const low = withPrefix("0.0.0.0/1");
  const high = withPrefix("128.0.0.0/1");
  if (low && high && low.nextHopType && eqi(high.nextHopType, low.nextHopType)) {
    return {
      names: [low.name, high.name],
      addressPrefixes: ["0.0.0.0/1", "128.0.0.0/1"],
      nextHopType: low.nextHopType,
      nextHopIpAddress: low.nextHopIpAddress ?? null,
    };
  }
  const all = withPrefix("0.0.0.0/0");
  if (!all) return undefined;
  return {
    names: [all.name],
    addressPrefixes: ["0.0.0.0/0"],
    nextHopType: all.nextHopType ?? "",
    nextHopIpAddress: all.nextHopIpAddress ?? null,
  };
}

function requiredTag(tag: (typeof BYPASS_TAGS)[number], region: string): string {
  // Microsoft documents BatchNodeManagement.<region>; AzureMachineLearning is global.
  return tag === "BatchNodeManagement" && normaliseRegion(region) ? `${tag}.${normaliseRegion(region)}` : tag;
}

/** Routes for the bypass tags (any next hop, for evidence) and the tags not yet sent to Internet. */
function bypassRoutes(routes: RouteView[], region: string): BypassRoutes {
  const home = normaliseRegion(region);
  const tagged = routes.filter((route) =>
    BYPASS_TAGS.some((tag) => parseServiceTag(route.addressPrefix ?? "").base === tag.toLowerCase()),
  );
  const missing = BYPASS_TAGS.filter(
    (tag) =>
      !tagged.some((route) => {
        const parsed = parseServiceTag(route.addressPrefix ?? "");
        // The global tag, or the regional one of the VNet's region, covers the compute's service traffic.
        return (
          parsed.base === tag.toLowerCase() &&
          (parsed.region === undefined || parsed.region === home) &&
          eqi(route.nextHopType, "Internet")
        );
      }),
  ).map((tag) => requiredTag(tag, region));
  return {
    routes: tagged.map((route) => ({
      name: route.name,
      addressPrefix: route.addressPrefix ?? null,
      nextHopType: route.nextHopType ?? null,
    })),
    missing,
  };
}

function describeHop(route: DefaultRoute | undefined): string {
  if (!route) return "Internet";
  return route.nextHopIpAddress ? `${route.nextHopType} ${route.nextHopIpAddress}` : route.nextHopType;
}

function noneRemediation(
  routeTableId: string,
  route: DefaultRoute,
  vnet: VirtualNetworkView,
  subnet: SubnetView,
): string {
  const table = shWords`-g ${resourceGroupOf(routeTableId)} --route-table-name ${nameOf(routeTableId)}`;
  const each = (command: (name: string) => string) => route.names.map(command).join("; ");
  return [
    `Send the default route to your firewall (${each((name) => sh`az network route-table route update ${table} -n ${name} --next-hop-type VirtualAppliance --next-hop-ip-address <firewall-private-ip>`)})`,
    `or delete it (${each((name) => sh`az network route-table route delete ${table} -n ${name}`)}) and give the subnet a NAT gateway: ${natCommands(vnet, subnet)}`,
  ].join(" ");
}

function bypassRemediation(routeTableId: string, missing: string[], compute: ComputeView): string {
  const table = shWords`-g ${resourceGroupOf(routeTableId)} --route-table-name ${nameOf(routeTableId)}`;
  const commands = missing.map(
    (tag) =>
      sh`az network route-table route create ${table} -n ${`${tag.replace(/\W/g, "")}-Internet`} --address-prefix ${tag} --next-hop-type Internet`,
  );
  return `${commands.join("; ")} (or recreate ${compute.name} without a public IP, with egress through the firewall)`;
}

function egressRemediation(vnet: VirtualNetworkView, subnet: SubnetView): string {
  const rg = resourceGroupOf(vnet.id);
  const table = subnet.routeTableId ? nameOf(subnet.routeTableId) : `${subnet.name}-rt`;
  const tableRg = subnet.routeTableId ? resourceGroupOf(subnet.routeTableId) : rg;
  const route = sh`az network route-table route create -g ${tableRg} --route-table-name ${table} -n default-to-firewall --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address <firewall-private-ip>`;
  const firewall = subnet.routeTableId
    ? route
    : [
        sh`az network route-table create -g ${rg} -n ${table}${vnet.location ? shWords` -l ${vnet.location}` : undefined}`,
        route,
        sh`az network vnet subnet update -g ${rg} --vnet-name ${nameOf(vnet.id)} -n ${subnet.name} --route-table ${table}`,
      ].join("; ");
  return `Attach a NAT gateway (${natCommands(vnet, subnet)}) or send 0.0.0.0/0 to a firewall (${firewall}).`;
}

function natCommands(vnet: VirtualNetworkView, subnet: SubnetView): string {
  const rg = resourceGroupOf(vnet.id);
  const vnetName = nameOf(vnet.id);
  const nat = `${vnetName}-${subnet.name}-nat`;
  const location = vnet.location ? shWords` -l ${vnet.location}` : undefined;
  return [
    sh`az network public-ip create -g ${rg} -n ${`${nat}-ip`} --sku Standard${location}`,
    sh`az network nat gateway create -g ${rg} -n ${nat} --public-ip-addresses ${`${nat}-ip`}${location}`,
    sh`az network vnet subnet update -g ${rg} --vnet-name ${vnetName} -n ${subnet.name} --nat-gateway ${nat}`,
  ].join("; ");
}
