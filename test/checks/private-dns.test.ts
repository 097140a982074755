// private-dns: does every private endpoint of the workspace and its dependencies write its records to
// the privatelink zones it needs, do those zones exist, and are they linked to every VNet that holds
// compute? Each case is the healthy workspace (ARM wire format, zone groups and links as the fake ARM
// serves them) with one thing changed, named for its verdict; assertions are statuses, message ids
// and evidence.

import { describe, expect, test } from "vitest";
import type { Status } from "../../src/core/status.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { findCheck } from "../../checks/index.js";
import { runCheck } from "../../src/engine/run.js";
import { auditScenario, healthyScenario, removeResource, resource } from "../harness.js";
import {
  ACR_ID,
  KV_ID,
  NET,
  STORAGE_ID,
  VNET_ID,
  WS_ID,
  addVnet,
  expectReadsOnlyWhatItRequires,
  peer,
  fault,
  partUnreadableCase,
  peId,
  registry,
  setSubnet,
  storage,
  testCaseTables,
  vnetId,
  workspace,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";
import { BASE_POLICY_ID, FIREWALL_ID, INBOUND_ID, POLICY_ID, addFirewall, addResolver } from "./dns-forwarders.js";

const CHECK = "private-dns";

const zoneId = (name: string) => `${NET}/privateDnsZones/${name}`;
const API = "privatelink.api.azureml.ms";
const NOTEBOOKS = "privatelink.notebooks.azure.net";
const BLOB = "privatelink.blob.core.windows.net";
const FILE = "privatelink.file.core.windows.net";
const ACR = "privatelink.azurecr.io";
const ACR_DATA = "westeurope.data.privatelink.azurecr.io";
const VAULT = "privatelink.vaultcore.azure.net";
/** The zones of the healthy workspace, each linked to ml-vnet by a link named ml-vnet-link. */
const ZONES = [API, NOTEBOOKS, BLOB, FILE, ACR, VAULT] as const;

/** Each endpoint of the healthy workspace with the zones it needs (the registry's data zone is met by privatelink.azurecr.io). */
const NEEDS: ReadonlyArray<readonly [endpoint: string, zone: string, satisfiedBy: string]> = [
  ["pe-ml-research", API, API],
  ["pe-ml-research", NOTEBOOKS, NOTEBOOKS],
  ["pe-mlresearchstore-blob", BLOB, BLOB],
  ["pe-mlresearchstore-file", FILE, FILE],
  ["pe-mlresearchacr", ACR, ACR],
  ["pe-mlresearchacr", ACR_DATA, ACR],
  ["pe-ml-research-kv", VAULT, VAULT],
];

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

const zoneGroupId = (endpoint: string) => `${peId(endpoint)}/privateDnsZoneGroups/default`;
const zoneGroup = (s: Scenario, endpoint: string) => resource(s, zoneGroupId(endpoint));
const linkId = (zone: string, name = "ml-vnet-link") => `${zoneId(zone)}/virtualNetworkLinks/${name}`;
const link = (s: Scenario, zone: string) => resource(s, linkId(zone));

/** The endpoint's private link connection (its group IDs live there). */
function setGroupIds(s: Scenario, endpoint: string, groupIds: string[]): void {
  resource(s, peId(endpoint)).properties.privateLinkServiceConnections[0].properties.groupIds = groupIds;
}

/** Adds a private DNS zone, as ARM shows it, linked (Completed) to these VNets. */
function addZone(s: Scenario, name: string, vnets: string[]): void {
  s.resources.push({
    id: zoneId(name),
    name,
    type: "Microsoft.Network/privateDnsZones",
    location: "global",
    properties: {
      maxNumberOfRecordSets: 25000,
      numberOfRecordSets: 1,
      numberOfVirtualNetworkLinks: vnets.length,
      provisioningState: "Succeeded",
    },
  });
  for (const vnet of vnets) addLink(s, name, vnet);
}

function addLink(s: Scenario, zone: string, vnet: string, linkState = "Completed"): void {
  const name = `${vnet.split("/").pop()}-link`;
  s.resources.push({
    id: linkId(zone, name),
    name,
    type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    location: "global",
    properties: {
      virtualNetwork: { id: vnet },
      registrationEnabled: false,
      virtualNetworkLinkState: linkState,
      provisioningState: "Succeeded",
    },
  });
}

/** A zone configuration in a zone group, in the shape of PrivateEndpointDnsZoneGroupGet.json. */
function zoneConfig(zone: string, fqdn: string, ip: string): Json {
  return {
    name: zone.replace(/\./g, "-"),
    properties: {
      privateDnsZoneId: zoneId(zone),
      recordSets: [{ recordType: "A", recordSetName: fqdn.split(".")[0], fqdn, ttl: 10, ipAddresses: [ip] }],
    },
  };
}

function useCustomDns(s: Scenario, vnetName: string, servers = ["10.20.0.4"]): void {
  resource(s, vnetId(vnetName)).properties.dhcpOptions = { dnsServers: servers };
}

const COMPUTES = ["cpu-build", "gpu-train", "ci-alice"] as const;

// ---- DNS forwarders: the hub-spoke reference (Azure/terraform 301-machine-learning-hub-spoke-secure) ---

const HUB_VNET = vnetId("hub-vnet");
const DNS_VNET = vnetId("dns-vnet");
/** The firewall's private IP in hub-vnet's AzureFirewallSubnet. */
const FW_IP = "10.40.0.4";
/** The DNS Private Resolver's inbound endpoint in dns-vnet. */
const RESOLVER_IP = "10.60.0.4";

/** Every zone's link moved from ml-vnet to `vnet`. */
function linkZonesOnlyTo(s: Scenario, vnet: string): void {
  for (const zone of ZONES) link(s, zone).properties.virtualNetwork.id = vnet;
}

/**
 * The hub: hub-vnet with an Azure Firewall (its policy's `dnsSettings`, or `null` for a classic firewall
 * with these `additionalProperties`); ml-vnet names `servers` as its DNS servers.
 */
function hubFirewall(
  s: Scenario,
  dnsSettings: Json | null = { enableProxy: true, servers: [] },
  servers = [FW_IP],
  additionalProperties: Record<string, string> = {},
): void {
  const subnetId = addVnet(s, "hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
  addFirewall(s, { subnetId, ip: FW_IP, dnsSettings, additionalProperties });
  useCustomDns(s, "ml-vnet", servers);
}

/** dns-vnet with a DNS Private Resolver whose inbound endpoint is RESOLVER_IP; ml-vnet names `servers`. */
function dnsResolver(s: Scenario, servers = [RESOLVER_IP]): void {
  const subnetId = addVnet(s, "dns-vnet", "10.60.0.0/16", { subnet: "inbound" });
  addResolver(s, DNS_VNET, subnetId, RESOLVER_IP);
  useCustomDns(s, "ml-vnet", servers);
}

/** The managed-network workspace of how-to-managed-network: its own endpoint stays in ml-vnet. */
function managedNetwork(s: Scenario, publicNetworkAccess = "Disabled"): void {
  workspace(s).properties.managedNetwork = { isolationMode: "AllowOnlyApprovedOutbound" };
  workspace(s).properties.publicNetworkAccess = publicNetworkAccess;
}

// ---- expectations ---------------------------------------------------------------------------------

const configured = (
  [endpoint, zone, satisfiedBy]: readonly [string, string, string],
  evidence: Record<string, unknown> = {},
): ExpectedFinding => ({
  status: "pass",
  messageId: "zone-configured",
  resourceId: peId(endpoint),
  evidence: {
    endpoint: peId(endpoint),
    zone,
    satisfiedBy,
    zoneId: zoneId(satisfiedBy),
    zoneGroup: "default",
    ...evidence,
  },
});
/** zone-configured for every need of the healthy workspace but those of `except` (endpoint or endpoint|zone). */
const configuredAll = (...except: string[]): ExpectedFinding[] =>
  NEEDS.filter(([endpoint, zone]) => !except.includes(endpoint) && !except.includes(`${endpoint}|${zone}`)).map(
    (need) => configured(need),
  );

const linked = (zone: string, vnet = VNET_ID): ExpectedFinding => ({
  status: "pass",
  messageId: "zone-linked",
  resourceId: zoneId(zone),
  evidence: { zone, zoneId: zoneId(zone), vnet, link: expect.objectContaining({ linkState: "Completed" }) },
});
const linkedAll = (...except: string[]): ExpectedFinding[] =>
  ZONES.filter((zone) => !except.includes(zone)).map((zone) => linked(zone));

/** zone-linked on the forwarder's VNet, for ml-vnet's computes. */
const linkedVia = (zone: string, vnet: string, via: Record<string, unknown>): ExpectedFinding => ({
  status: "pass",
  messageId: "zone-linked",
  resourceId: zoneId(zone),
  evidence: {
    zone,
    vnet,
    computes: [...COMPUTES],
    link: expect.objectContaining({ linkState: "Completed" }),
    resolvesFor: [expect.objectContaining({ vnet: VNET_ID, dnsServers: expect.any(Array), ...via })],
  },
});

const perZone = (
  status: Status,
  messageId: string,
  zones: readonly string[],
  vnet: string,
  evidence: Record<string, unknown> = {},
  remediation?: (zone: string) => string[],
): ExpectedFinding[] =>
  zones.map((zone) => ({
    status,
    messageId,
    resourceId: zoneId(zone),
    evidence: { zone, vnet, ...evidence },
    ...(remediation ? { remediation: remediation(zone) } : {}),
  }));

// ---- cases ----------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, 5 endpoints with zone groups, 6 zones, each linked to ml-vnet; the registry's data zone is met by privatelink.azurecr.io",
    expect: {
      status: "pass",
      findings: [
        configured(NEEDS[0]!, {
          owner: WS_ID,
          ownerType: "workspace",
          groupIds: ["amlworkspace"],
          groupIdsFrom: "endpoint",
          neededZones: [API, NOTEBOOKS],
        }),
        configured(NEEDS[1]!),
        configured(NEEDS[2]!, { owner: STORAGE_ID, ownerType: "storage", groupIds: ["blob"] }),
        configured(NEEDS[3]!, { owner: STORAGE_ID, groupIds: ["file"] }),
        configured(NEEDS[4]!, {
          owner: ACR_ID,
          ownerType: "registry",
          groupIds: ["registry"],
          neededZones: [ACR, ACR_DATA],
        }),
        configured(NEEDS[5]!, { owner: ACR_ID, satisfiedBy: ACR }),
        configured(NEEDS[6]!, { owner: KV_ID, ownerType: "keyVault", groupIds: ["vault"] }),
        ...ZONES.map((zone) => ({
          ...linked(zone),
          evidence: { ...linked(zone).evidence, computes: [...COMPUTES], dnsServers: [] },
        })),
      ],
    },
  },
  {
    name: "pass: the registry's data records in their own zone westeurope.data.privatelink.azurecr.io, linked too",
    mutate: (s) => {
      addZone(s, ACR_DATA, [VNET_ID]);
      zoneGroup(s, "pe-mlresearchacr").properties.privateDnsZoneConfigs.push(
        zoneConfig(ACR_DATA, "mlresearchacr.westeurope.data.privatelink.azurecr.io", "10.20.2.8"),
      );
    },
    expect: {
      status: "pass",
      findings: [
        ...configuredAll("pe-mlresearchacr|" + ACR_DATA),
        configured(["pe-mlresearchacr", ACR_DATA, ACR_DATA]),
        ...linkedAll(),
        linked(ACR_DATA),
      ],
    },
  },
  {
    name: "pass: link and zone IDs in odd casing (resourcegroups, Microsoft.network, upper-case VNet name)",
    mutate: (s) => {
      for (const zone of ZONES)
        link(s, zone).properties.virtualNetwork.id = VNET_ID.replace("/resourceGroups/", "/resourcegroups/")
          .replace("Microsoft.Network", "Microsoft.network")
          .replace("ml-vnet", "ML-VNET");
    },
    expect: { status: "pass", findings: [...configuredAll(), ...linkedAll()] },
  },
  {
    name: "pass: no compute in a subnet, so zone groups and zones are checked but no link is required",
    mutate: (s) => {
      for (const name of COMPUTES) setSubnet(s, name, undefined);
    },
    expect: { status: "pass", findings: configuredAll() },
  },
  {
    name: "pass: group IDs compare case-insensitively (the key vault endpoint says 'Vault')",
    mutate: (s) => setGroupIds(s, "pe-ml-research-kv", ["Vault"]),
    expect: {
      status: "pass",
      findings: [...configuredAll("pe-ml-research-kv"), configured(NEEDS[6]!, { groupIds: ["Vault"] }), ...linkedAll()],
    },
  },
  {
    name: "pass with a skip: the key vault names a private endpoint that no longer exists (private-endpoint-region reports it)",
    mutate: (s) => removeResource(s, "/privateEndpoints/pe-ml-research-kv"),
    expect: {
      status: "pass",
      findings: [
        ...configuredAll("pe-ml-research-kv"),
        ...linkedAll(VAULT),
        {
          status: "skip",
          messageId: "endpoint-missing",
          resourceId: peId("pe-ml-research-kv"),
          evidence: { owner: KV_ID, statusCode: 404 },
        },
      ],
    },
  },
  {
    // virtual-networks-name-resolution-for-vms-and-role-instances: "The Azure DNS IP address is 168.63.129.16."
    name: "pass: ml-vnet names 168.63.129.16 as its only DNS server: that is Azure DNS, judged like none",
    mutate: (s) => useCustomDns(s, "ml-vnet", ["168.63.129.16"]),
    expect: {
      status: "pass",
      findings: [
        ...configuredAll(),
        ...ZONES.map((zone) => ({
          ...linked(zone),
          evidence: { ...linked(zone).evidence, dnsServers: ["168.63.129.16"], dnsSuffix: expect.any(String) },
        })),
      ],
    },
  },
  {
    // The hub-spoke reference; firewall/dns-settings: "Configure the Azure Firewall private IP address as a
    // custom DNS address in your virtual network DNS server settings."
    name: "pass: hub-spoke: ml-vnet's DNS server is the hub firewall, whose policy turns its DNS proxy on, and the zones are linked to hub-vnet only",
    mutate: (s) => {
      hubFirewall(s);
      linkZonesOnlyTo(s, HUB_VNET);
    },
    expect: {
      status: "pass",
      findings: [
        ...configuredAll(),
        ...ZONES.map((zone) =>
          linkedVia(zone, HUB_VNET, {
            server: FW_IP,
            forwarder: FIREWALL_ID,
            policy: POLICY_ID,
            dnsSettingsFrom: "policy",
            enableProxy: true,
            upstream: [],
            forwarderVnet: HUB_VNET,
          }),
        ),
      ],
    },
    also: (audit) => {
      const linkedFinding = audit.check(CHECK).findings.find((finding) => finding.messageId === "zone-linked");
      expect(linkedFinding?.message).toContain(
        "is linked to VNet hub-vnet, where Azure Firewall hub-fw (10.40.0.4) resolves names for compute VNet ml-vnet",
      );
    },
  },
  {
    name: "pass: a classic firewall without a policy, its DNS proxy on in its own settings (Network.DNS.EnableProxy)",
    mutate: (s) => {
      hubFirewall(s, null, [FW_IP], { "Network.DNS.EnableProxy": "true" });
      linkZonesOnlyTo(s, HUB_VNET);
    },
    expect: {
      status: "pass",
      findings: [
        ...configuredAll(),
        ...ZONES.map((zone) =>
          linkedVia(zone, HUB_VNET, { forwarder: FIREWALL_ID, dnsSettingsFrom: "firewall", policy: null }),
        ),
      ],
    },
  },
  {
    // private-resolver-endpoints-rulesets: "Private DNS zones that are linked to the virtual network where the
    // inbound endpoint is provisioned are resolved by the inbound endpoint."
    name: "pass: ml-vnet's DNS server is a DNS Private Resolver inbound endpoint in dns-vnet, to which the zones are linked",
    mutate: (s) => {
      dnsResolver(s);
      linkZonesOnlyTo(s, DNS_VNET);
    },
    expect: {
      status: "pass",
      findings: [
        ...configuredAll(),
        ...ZONES.map((zone) =>
          linkedVia(zone, DNS_VNET, { server: RESOLVER_IP, forwarder: INBOUND_ID, inboundEndpoint: INBOUND_ID }),
        ),
      ],
    },
  },
  {
    name: "pass: the firewall's DNS proxy forwards to a DNS Private Resolver inbound endpoint, whose VNet the zones are linked to",
    mutate: (s) => {
      hubFirewall(s, { enableProxy: true, servers: [RESOLVER_IP] });
      const subnetId = addVnet(s, "dns-vnet", "10.60.0.0/16", { subnet: "inbound" });
      addResolver(s, DNS_VNET, subnetId, RESOLVER_IP);
      linkZonesOnlyTo(s, DNS_VNET);
    },
    expect: {
      status: "pass",
      findings: [
        ...configuredAll(),
        ...ZONES.map((zone) => linkedVia(zone, DNS_VNET, { forwarder: FIREWALL_ID, upstream: [RESOLVER_IP] })),
      ],
    },
  },
  {
    name: "pass, not unknown: the Azure Firewalls list returns 403, but ml-vnet uses Azure DNS",
    mutate: (s) => fault(s, "/providers/Microsoft.Network/azureFirewalls$"),
    expect: { status: "pass", findings: [...configuredAll(), ...linkedAll()] },
  },
  {
    // how-to-managed-network: "a private endpoint for the workspace is created in your Azure Virtual Network".
    name: "pass: managed network: the workspace's own endpoint in ml-vnet has both zones, linked to ml-vnet; the dependencies' endpoints are Azure's",
    mutate: (s) => managedNetwork(s),
    expect: {
      status: "pass",
      findings: [
        configured(NEEDS[0]!, { isolationMode: "AllowOnlyApprovedOutbound", publicNetworkAccess: "Disabled" }),
        configured(NEEDS[1]!),
        ...[API, NOTEBOOKS].map((zone) => ({
          ...linked(zone),
          evidence: { ...linked(zone).evidence, computes: [], isolationMode: "AllowOnlyApprovedOutbound" },
        })),
      ],
    },
    also: (audit) => {
      const message = audit.check(CHECK).findings.find((finding) => finding.messageId === "zone-linked")?.message;
      expect(message).toContain("is linked to endpoint VNet ml-vnet");
    },
  },
];

const failCases: Case[] = [
  {
    name: "fail: the blob endpoint has no DNS zone group, and ml-vnet uses Azure DNS",
    mutate: (s) => removeResource(s, "/pe-mlresearchstore-blob/privateDnsZoneGroups/default"),
    expect: {
      status: "fail",
      findings: [
        ...configuredAll("pe-mlresearchstore-blob"),
        ...linkedAll(BLOB),
        {
          status: "fail",
          messageId: "no-zone-group",
          resourceId: peId("pe-mlresearchstore-blob"),
          evidence: {
            owner: STORAGE_ID,
            groupIds: ["blob"],
            neededZones: [BLOB],
            zoneGroups: [],
            computeVnets: [VNET_ID],
            dnsServers: { [VNET_ID]: [] },
          },
          remediation: [
            "az network private-endpoint dns-zone-group create -g ml-platform-rg --endpoint-name pe-mlresearchstore-blob -n default --private-dns-zone privatelink.blob.core.windows.net",
          ],
        },
      ],
    },
  },
  {
    name: "fail: the workspace endpoint's zone group names the api zone but not the notebooks zone",
    mutate: (s) => {
      const configs = zoneGroup(s, "pe-ml-research").properties.privateDnsZoneConfigs;
      zoneGroup(s, "pe-ml-research").properties.privateDnsZoneConfigs = configs.filter(
        (config: Json) => !config.properties.privateDnsZoneId.endsWith(NOTEBOOKS),
      );
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(`pe-ml-research|${NOTEBOOKS}`),
        // The notebooks zone is no longer named by any zone group, so its link is not judged.
        ...linkedAll(NOTEBOOKS),
        {
          status: "fail",
          messageId: "zone-missing-from-group",
          resourceId: peId("pe-ml-research"),
          evidence: {
            owner: WS_ID,
            groupIds: ["amlworkspace"],
            zone: NOTEBOOKS,
            zoneGroups: ["default"],
            zonesInGroups: [API],
          },
          remediation: [
            "az network private-endpoint dns-zone-group add -g ml-platform-rg --endpoint-name pe-ml-research -n default --private-dns-zone privatelink.notebooks.azure.net",
          ],
        },
      ],
    },
  },
  {
    name: "fail: the registry endpoint's zone group names no zone: both the registry zone and its data zone are missing, one zone fixes both",
    mutate: (s) => {
      zoneGroup(s, "pe-mlresearchacr").properties.privateDnsZoneConfigs = [];
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll("pe-mlresearchacr"),
        ...linkedAll(ACR),
        ...[ACR, ACR_DATA].map((zone): ExpectedFinding => ({
          status: "fail",
          messageId: "zone-missing-from-group",
          resourceId: peId("pe-mlresearchacr"),
          evidence: { owner: ACR_ID, groupIds: ["registry"], zone, zonesInGroups: [] },
          remediation: [
            "az network private-endpoint dns-zone-group add -g ml-platform-rg --endpoint-name pe-mlresearchacr -n default --private-dns-zone privatelink.azurecr.io",
          ],
        })),
      ],
    },
  },
  {
    name: "fail: the storage endpoint serves dfs, whose zone privatelink.dfs.core.windows.net its zone group does not name",
    mutate: (s) => setGroupIds(s, "pe-mlresearchstore-blob", ["dfs"]),
    expect: {
      status: "fail",
      findings: [
        ...configuredAll("pe-mlresearchstore-blob"),
        ...linkedAll(BLOB),
        {
          status: "fail",
          messageId: "zone-missing-from-group",
          resourceId: peId("pe-mlresearchstore-blob"),
          evidence: { groupIds: ["dfs"], zone: "privatelink.dfs.core.windows.net", zonesInGroups: [BLOB] },
        },
      ],
    },
  },
  {
    name: "fail: the zone group names privatelink.file.core.windows.net, which no longer exists (404)",
    mutate: (s) => {
      removeResource(s, `/privateDnsZones/${FILE}`);
      removeResource(s, `/privateDnsZones/${FILE}/virtualNetworkLinks/ml-vnet-link`);
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll("pe-mlresearchstore-file"),
        ...linkedAll(FILE),
        {
          status: "fail",
          messageId: "zone-not-found",
          resourceId: peId("pe-mlresearchstore-file"),
          evidence: { zone: FILE, zoneId: zoneId(FILE), zoneGroup: "default", statusCode: 404 },
          remediation: [
            "az network private-dns zone create -g ml-platform-rg -n privatelink.file.core.windows.net",
            `az network private-dns link vnet create -g ml-platform-rg -z privatelink.file.core.windows.net -n ml-vnet-link -v ${VNET_ID} -e false`,
            // The records are written when the zone group is created: it is recreated with its zones.
            "az network private-endpoint dns-zone-group delete -g ml-platform-rg --endpoint-name pe-mlresearchstore-file -n default",
            `az network private-endpoint dns-zone-group create -g ml-platform-rg --endpoint-name pe-mlresearchstore-file -n default --private-dns-zone ${zoneId(FILE)}`,
          ],
        },
      ],
    },
  },
  {
    name: "fail: privatelink.azurecr.io is not linked to ml-vnet (its only link goes to a hub VNet)",
    mutate: (s) => {
      addVnet(s, "hub-vnet", "10.40.0.0/16");
      link(s, ACR).properties.virtualNetwork.id = vnetId("hub-vnet");
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(),
        ...linkedAll(ACR),
        ...perZone(
          "fail",
          "zone-not-linked",
          [ACR],
          VNET_ID,
          { link: null, linkedVnets: [vnetId("hub-vnet")], endpoints: [peId("pe-mlresearchacr")] },
          () => [
            `az network private-dns link vnet create -g ml-platform-rg -z privatelink.azurecr.io -n ml-vnet-link -v ${VNET_ID} -e false`,
          ],
        ),
      ],
    },
  },
  {
    name: "fail: a compute instance in another VNet (dev-vnet) to which no zone is linked",
    mutate: (s) => setSubnet(s, "ci-alice", addVnet(s, "dev-vnet", "10.50.0.0/16", { subnet: "dev" })),
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(),
        ...linkedAll(),
        ...perZone("fail", "zone-not-linked", ZONES, vnetId("dev-vnet"), {
          computes: ["ci-alice"],
          link: null,
          linkedVnets: [VNET_ID],
        }),
      ],
    },
  },
  {
    name: "fail, not warn: no zone group while one compute VNet uses custom DNS and another Azure DNS",
    mutate: (s) => {
      removeResource(s, "/pe-ml-research-kv/privateDnsZoneGroups/default");
      setSubnet(s, "ci-alice", addVnet(s, "dev-vnet", "10.50.0.0/16", { subnet: "dev" }));
      useCustomDns(s, "dev-vnet");
      for (const zone of ZONES) addLink(s, zone, vnetId("dev-vnet"));
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll("pe-ml-research-kv"),
        ...linkedAll(VAULT),
        {
          status: "fail",
          messageId: "no-zone-group",
          resourceId: peId("pe-ml-research-kv"),
          evidence: { dnsServers: { [VNET_ID]: [], [vnetId("dev-vnet")]: ["10.20.0.4"] } },
        },
        { status: "warn", messageId: "custom-dns", resourceId: vnetId("dev-vnet") },
      ],
    },
  },
  {
    name: "fail, not warn: the blob endpoint has no DNS zone group, and ml-vnet names only 168.63.129.16 (Azure DNS)",
    mutate: (s) => {
      removeResource(s, "/pe-mlresearchstore-blob/privateDnsZoneGroups/default");
      useCustomDns(s, "ml-vnet", ["168.63.129.16"]);
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll("pe-mlresearchstore-blob"),
        ...linkedAll(BLOB),
        {
          status: "fail",
          messageId: "no-zone-group",
          resourceId: peId("pe-mlresearchstore-blob"),
          evidence: { dnsServers: { [VNET_ID]: ["168.63.129.16"] } },
        },
      ],
    },
  },
  {
    name: "fail, not warn: ml-vnet names only 168.63.129.16 and privatelink.azurecr.io is linked to hub-vnet only",
    mutate: (s) => {
      useCustomDns(s, "ml-vnet", ["168.63.129.16"]);
      addVnet(s, "hub-vnet", "10.40.0.0/16");
      link(s, ACR).properties.virtualNetwork.id = HUB_VNET;
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(),
        ...linkedAll(ACR),
        ...perZone("fail", "zone-not-linked", [ACR], VNET_ID, { dnsServers: ["168.63.129.16"], link: null }),
      ],
    },
  },
  {
    name: "fail: hub-spoke, but the zones are linked to ml-vnet, not to hub-vnet where the firewall resolves",
    mutate: (s) => hubFirewall(s),
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(),
        ...perZone(
          "fail",
          "zone-not-linked",
          ZONES,
          HUB_VNET,
          {
            link: null,
            linkedVnets: [VNET_ID],
            resolvesFor: [expect.objectContaining({ vnet: VNET_ID, forwarder: FIREWALL_ID, server: FW_IP })],
          },
          (zone) => [
            `az network private-dns link vnet create -g ml-platform-rg -z ${zone} -n hub-vnet-link -v ${HUB_VNET}`,
          ],
        ),
      ],
    },
  },
  {
    // firewall/dns-settings: "Enable the DNS proxy in Azure Firewall DNS settings."
    name: "fail: ml-vnet's DNS server is the hub firewall, but its policy leaves the DNS proxy off",
    mutate: (s) => {
      hubFirewall(s, { enableProxy: false, servers: [] });
      linkZonesOnlyTo(s, HUB_VNET);
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(),
        {
          status: "fail",
          messageId: "forwarder-proxy-off",
          resourceId: FIREWALL_ID,
          evidence: {
            firewall: FIREWALL_ID,
            policy: POLICY_ID,
            server: FW_IP,
            enableProxy: false,
            dnsSettingsFrom: "policy",
            vnets: [VNET_ID],
          },
          remediation: ["az network firewall policy update -g ml-platform-rg -n hub-fw-policy --enable-dns-proxy true"],
        },
      ],
    },
  },
  {
    name: "fail: a classic firewall without a policy and without Network.DNS.EnableProxy: no DNS proxy",
    mutate: (s) => {
      hubFirewall(s, null);
      linkZonesOnlyTo(s, HUB_VNET);
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(),
        {
          status: "fail",
          messageId: "forwarder-proxy-off",
          resourceId: FIREWALL_ID,
          evidence: { dnsSettingsFrom: "firewall", enableProxy: false, policy: null },
          remediation: ["az network firewall update -g ml-platform-rg -n hub-fw --enable-dns-proxy true"],
        },
      ],
    },
  },
  {
    name: "fail: ml-vnet's DNS server is a resolver inbound endpoint, but the zones are not linked to dns-vnet",
    mutate: (s) => dnsResolver(s),
    expect: {
      status: "fail",
      findings: [
        ...configuredAll(),
        ...perZone("fail", "zone-not-linked", ZONES, DNS_VNET, {
          link: null,
          resolvesFor: [expect.objectContaining({ forwarder: INBOUND_ID, server: RESOLVER_IP })],
        }),
      ],
    },
  },
  {
    name: "fail, not warn: hub-spoke, and the key vault endpoint has no DNS zone group (the firewall resolves through Azure DNS)",
    mutate: (s) => {
      hubFirewall(s);
      linkZonesOnlyTo(s, HUB_VNET);
      removeResource(s, "/pe-ml-research-kv/privateDnsZoneGroups/default");
    },
    expect: {
      status: "fail",
      findings: [
        ...configuredAll("pe-ml-research-kv"),
        ...ZONES.filter((zone) => zone !== VAULT).map((zone) => linkedVia(zone, HUB_VNET, { forwarder: FIREWALL_ID })),
        {
          status: "fail",
          messageId: "no-zone-group",
          resourceId: peId("pe-ml-research-kv"),
          evidence: { dnsServers: { [VNET_ID]: [FW_IP] } },
        },
      ],
    },
  },
  {
    name: "fail: managed network with public access disabled: the notebooks zone is not linked to ml-vnet, which holds the workspace endpoint",
    mutate: (s) => {
      managedNetwork(s);
      addVnet(s, "hub-vnet", "10.40.0.0/16");
      link(s, NOTEBOOKS).properties.virtualNetwork.id = HUB_VNET;
    },
    expect: {
      status: "fail",
      findings: [
        configured(NEEDS[0]!),
        configured(NEEDS[1]!),
        linked(API),
        ...perZone("fail", "zone-not-linked", [NOTEBOOKS], VNET_ID, {
          link: null,
          isolationMode: "AllowOnlyApprovedOutbound",
          publicNetworkAccess: "Disabled",
        }),
      ],
    },
  },
  {
    name: "fail: managed network with public access disabled: the workspace endpoint has no DNS zone group",
    mutate: (s) => {
      managedNetwork(s);
      removeResource(s, "/pe-ml-research/privateDnsZoneGroups/default");
    },
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "no-zone-group",
          resourceId: peId("pe-ml-research"),
          evidence: { computeVnets: [VNET_ID], neededZones: [API, NOTEBOOKS], publicNetworkAccess: "Disabled" },
        },
      ],
    },
  },
  {
    name: "fail (dangling-reference): the workspace's key vault returns 404",
    mutate: (s) => removeResource(s, "/vaults/ml-research-kv"),
    expect: {
      status: "fail",
      findings: [
        {
          status: "fail",
          messageId: "dangling-reference",
          resourceId: KV_ID,
          evidence: { part: "keyVault", statusCode: 404 },
        },
      ],
    },
  },
];

const warnCases: Case[] = [
  {
    name: "warn: the blob zone's link to ml-vnet is InProgress, not Completed",
    mutate: (s) => {
      link(s, BLOB).properties.virtualNetworkLinkState = "InProgress";
    },
    expect: {
      status: "warn",
      findings: [
        ...configuredAll(),
        ...linkedAll(BLOB),
        ...perZone(
          "warn",
          "link-not-ready",
          [BLOB],
          VNET_ID,
          { link: expect.objectContaining({ name: "ml-vnet-link", linkState: "InProgress" }) },
          () => [
            "az network private-dns link vnet show -g ml-platform-rg -z privatelink.blob.core.windows.net -n ml-vnet-link",
          ],
        ),
      ],
    },
  },
  {
    name: "warn: ml-vnet uses custom DNS servers: one finding naming the conditional forwarders to 168.63.129.16",
    mutate: (s) => useCustomDns(s, "ml-vnet", ["10.20.0.4", "10.20.0.5"]),
    expect: {
      status: "warn",
      findings: [
        ...configuredAll(),
        {
          status: "warn",
          messageId: "custom-dns",
          resourceId: VNET_ID,
          evidence: {
            vnet: VNET_ID,
            computes: [...COMPUTES],
            dnsServers: ["10.20.0.4", "10.20.0.5"],
            forwarders: [
              {
                zone: API,
                zoneId: zoneId(API),
                publicZones: ["api.azureml.ms", "instances.azureml.ms", "inference.ml.azure.com"],
                forwardTo: "168.63.129.16",
                linkedVnets: [VNET_ID],
              },
              {
                zone: NOTEBOOKS,
                zoneId: zoneId(NOTEBOOKS),
                publicZones: ["notebooks.azure.net", "aznbcontent.net"],
                forwardTo: "168.63.129.16",
                linkedVnets: [VNET_ID],
              },
              {
                zone: BLOB,
                zoneId: zoneId(BLOB),
                publicZones: ["blob.core.windows.net"],
                forwardTo: "168.63.129.16",
                linkedVnets: [VNET_ID],
              },
              {
                zone: FILE,
                zoneId: zoneId(FILE),
                publicZones: ["file.core.windows.net"],
                forwardTo: "168.63.129.16",
                linkedVnets: [VNET_ID],
              },
              {
                zone: ACR,
                zoneId: zoneId(ACR),
                publicZones: ["azurecr.io", "westeurope.data.azurecr.io"],
                forwardTo: "168.63.129.16",
                linkedVnets: [VNET_ID],
              },
              {
                zone: VAULT,
                zoneId: zoneId(VAULT),
                publicZones: ["vault.azure.net", "vaultcore.azure.net"],
                forwardTo: "168.63.129.16",
                linkedVnets: [VNET_ID],
              },
            ],
          },
          remediation: ["10.20.0.4, 10.20.0.5", "168.63.129.16", "az network private-dns link vnet create"],
        },
      ],
    },
  },
  {
    name: "warn, not fail: the registry endpoint has no zone group and every compute VNet uses custom DNS servers",
    mutate: (s) => {
      removeResource(s, "/pe-mlresearchacr/privateDnsZoneGroups/default");
      useCustomDns(s, "ml-vnet");
    },
    expect: {
      status: "warn",
      findings: [
        ...configuredAll("pe-mlresearchacr"),
        {
          status: "warn",
          messageId: "no-zone-group-custom-dns",
          resourceId: peId("pe-mlresearchacr"),
          evidence: {
            owner: ACR_ID,
            neededZones: [ACR, ACR_DATA],
            zoneGroups: [],
            dnsServers: { [VNET_ID]: ["10.20.0.4"] },
          },
        },
        // The forwarders cover the zones that some zone group names; the registry's zone is no longer among them.
        {
          status: "warn",
          messageId: "custom-dns",
          resourceId: VNET_ID,
          evidence: { forwarders: expect.not.arrayContaining([expect.objectContaining({ zone: ACR })]) },
        },
      ],
    },
  },
];

warnCases.push(
  {
    name: "warn: ml-vnet names the hub firewall and 168.63.129.16: a query may go to either",
    mutate: (s) => {
      hubFirewall(s, { enableProxy: true, servers: [] }, [FW_IP, "168.63.129.16"]);
      linkZonesOnlyTo(s, HUB_VNET);
    },
    expect: {
      status: "warn",
      findings: [
        ...configuredAll(),
        {
          status: "warn",
          messageId: "dns-servers-mixed",
          resourceId: VNET_ID,
          evidence: {
            dnsServers: [FW_IP, "168.63.129.16"],
            servers: [
              expect.objectContaining({ server: FW_IP, role: "firewall", id: FIREWALL_ID }),
              { server: "168.63.129.16", role: "azure-dns" },
            ],
          },
          remediation: ["az network vnet update -g ml-platform-rg -n ml-vnet --dns-servers"],
        },
      ],
    },
  },
  {
    name: "warn: ml-vnet names a custom DNS server and 168.63.129.16",
    mutate: (s) => useCustomDns(s, "ml-vnet", ["10.20.0.4", "168.63.129.16"]),
    expect: {
      status: "warn",
      findings: [
        ...configuredAll(),
        {
          status: "warn",
          messageId: "dns-servers-mixed",
          resourceId: VNET_ID,
          evidence: {
            servers: [
              { server: "10.20.0.4", role: "other" },
              { server: "168.63.129.16", role: "azure-dns" },
            ],
          },
        },
      ],
    },
  },
  {
    name: "warn: the firewall's DNS proxy forwards to a custom DNS server, which must forward the zones itself",
    mutate: (s) => {
      hubFirewall(s, { enableProxy: true, servers: ["10.9.9.9"] });
      linkZonesOnlyTo(s, HUB_VNET);
    },
    expect: {
      status: "warn",
      findings: [
        ...configuredAll(),
        {
          status: "warn",
          messageId: "forwarder-custom-upstream",
          resourceId: FIREWALL_ID,
          evidence: { server: FW_IP, upstream: ["10.9.9.9"], vnets: [VNET_ID], forwarders: expect.any(Array) },
          remediation: ["10.9.9.9", "168.63.129.16"],
        },
      ],
    },
  },
  {
    name: "warn, not fail: managed network with public access enabled: the notebooks zone is not linked to the endpoint's VNet",
    mutate: (s) => {
      managedNetwork(s, "Enabled");
      addVnet(s, "hub-vnet", "10.40.0.0/16");
      link(s, NOTEBOOKS).properties.virtualNetwork.id = HUB_VNET;
    },
    expect: {
      status: "warn",
      findings: [
        configured(NEEDS[0]!, { publicNetworkAccess: "Enabled" }),
        configured(NEEDS[1]!),
        linked(API),
        ...perZone("warn", "zone-not-linked", [NOTEBOOKS], VNET_ID, {
          link: null,
          publicNetworkAccess: "Enabled",
          failsWhenPublicAccessDisabled: true,
        }),
      ],
    },
  },
);

const skipCases: Case[] = [
  {
    name: "skip: managed-network workspace (AllowOnlyApprovedOutbound) without a private endpoint of its own",
    mutate: (s) => {
      workspace(s).properties.managedNetwork = { isolationMode: "AllowOnlyApprovedOutbound" };
      workspace(s).properties.privateEndpointConnections = [];
    },
    expect: {
      status: "skip",
      findings: [
        {
          status: "skip",
          messageId: "managed-network",
          resourceId: WS_ID,
          evidence: { isolationMode: "AllowOnlyApprovedOutbound" },
        },
      ],
    },
  },
  {
    name: "skip: no private endpoint on the workspace, storage, registry or key vault",
    mutate: (s) => {
      for (const owner of [workspace(s), storage(s), registry(s), resource(s, KV_ID)])
        owner.properties.privateEndpointConnections = [];
    },
    expect: {
      status: "skip",
      findings: [
        {
          status: "skip",
          messageId: "no-endpoints",
          resourceId: WS_ID,
          evidence: { inspected: [WS_ID, STORAGE_ID, ACR_ID, KV_ID] },
        },
      ],
    },
  },
];

const ZONE_GROUPS_READ = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read";

const unknownCases: Case[] = [
  {
    name: "unknown: listing the zone groups of the workspace endpoint returns 403",
    mutate: (s) => fault(s, "/privateEndpoints/pe-ml-research/privateDnsZoneGroups$"),
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll("pe-ml-research"),
        ...linkedAll(API, NOTEBOOKS),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: peId("pe-ml-research"),
          evidence: { owner: WS_ID, groupIds: ["amlworkspace"], statusCode: 403, missingPermission: ZONE_GROUPS_READ },
          remediation: [ZONE_GROUPS_READ],
        },
      ],
    },
  },
  {
    name: "unknown: reading the zone privatelink.vaultcore.azure.net returns 403",
    mutate: (s) => fault(s, `/privateDnsZones/${VAULT}$`),
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll("pe-ml-research-kv"),
        ...linkedAll(VAULT),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: peId("pe-ml-research-kv"),
          evidence: {
            zone: VAULT,
            zoneId: zoneId(VAULT),
            statusCode: 403,
            missingPermission: "Microsoft.Network/privateDnsZones/read",
          },
          remediation: ["Microsoft.Network/privateDnsZones/read"],
        },
      ],
    },
  },
  {
    name: "unknown: listing the VNet links of privatelink.blob.core.windows.net returns 403",
    mutate: (s) => fault(s, `/privateDnsZones/${BLOB}/virtualNetworkLinks$`),
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        ...linkedAll(BLOB),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: zoneId(BLOB),
          evidence: {
            zone: BLOB,
            endpoints: [peId("pe-mlresearchstore-blob")],
            computeVnets: [VNET_ID],
            statusCode: 403,
            missingPermission: "Microsoft.Network/privateDnsZones/virtualNetworkLinks/read",
          },
        },
      ],
    },
  },
  {
    name: "unknown: the compute VNet returns 403, so whether it uses custom DNS servers is not known",
    mutate: (s) => fault(s, "/virtualNetworks/ml-vnet$"),
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: VNET_ID,
          evidence: {
            vnet: VNET_ID,
            statusCode: 403,
            missingPermission: "Microsoft.Network/virtualNetworks/read",
            zones: expect.arrayContaining([
              expect.objectContaining({ zone: BLOB, linked: expect.objectContaining({ linkState: "Completed" }) }),
            ]),
          },
          remediation: ["Microsoft.Network/virtualNetworks/read"],
        },
      ],
    },
  },
  {
    name: "unknown, not fail or warn: no zone group and the only compute VNet is unreadable",
    mutate: (s) => {
      removeResource(s, "/pe-mlresearchstore-file/privateDnsZoneGroups/default");
      fault(s, "/virtualNetworks/ml-vnet$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll("pe-mlresearchstore-file"),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: peId("pe-mlresearchstore-file"),
          evidence: { zoneGroups: [], unreadableVnets: [VNET_ID], dnsServers: { [VNET_ID]: null } },
        },
        { status: "unknown", messageId: "undetermined", resourceId: VNET_ID },
      ],
    },
  },
  {
    name: "unknown: the blob endpoint returns 403, so which storage zone it needs cannot be told",
    mutate: (s) => fault(s, "/privateEndpoints/pe-mlresearchstore-blob$"),
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll("pe-mlresearchstore-blob"),
        ...linkedAll(BLOB),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: peId("pe-mlresearchstore-blob"),
          evidence: {
            owner: STORAGE_ID,
            groupIds: [],
            statusCode: 403,
            missingPermission: "Microsoft.Network/privateEndpoints/read",
          },
          remediation: ["Microsoft.Network/privateEndpoints/read"],
        },
      ],
    },
  },
  {
    name: "pass, not unknown: the key vault endpoint returns 403, but a vault endpoint can only need privatelink.vaultcore.azure.net",
    mutate: (s) => fault(s, "/privateEndpoints/pe-ml-research-kv$"),
    expect: {
      status: "pass",
      findings: [
        ...configuredAll("pe-ml-research-kv"),
        configured(NEEDS[6]!, {
          groupIds: ["vault"],
          groupIdsFrom: "owner-default",
          endpointError: expect.objectContaining({ statusCode: 403 }),
        }),
        ...linkedAll(),
      ],
    },
  },
  {
    name: "unknown: the key vault endpoint names a group ID with no known zone",
    mutate: (s) => setGroupIds(s, "pe-ml-research-kv", ["vaultish"]),
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll("pe-ml-research-kv"),
        ...linkedAll(VAULT),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: peId("pe-ml-research-kv"),
          evidence: { unmappedGroupIds: ["vaultish"] },
        },
      ],
    },
  },
  {
    name: "unknown: ml-vnet's DNS server might be an Azure Firewall, but the firewalls list returns 403",
    mutate: (s) => {
      hubFirewall(s);
      linkZonesOnlyTo(s, HUB_VNET);
      fault(s, "/providers/Microsoft.Network/azureFirewalls$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: VNET_ID,
          evidence: {
            dnsServers: [FW_IP],
            statusCode: 403,
            missingPermission: "Microsoft.Network/azureFirewalls/read",
          },
          remediation: ["Microsoft.Network/azureFirewalls/read"],
        },
      ],
    },
  },
  {
    name: "unknown, not warn: a custom DNS server 10.20.0.4 and the DNS resolvers list returns 403 (it could be an inbound endpoint)",
    mutate: (s) => {
      useCustomDns(s, "ml-vnet");
      fault(s, "/providers/Microsoft.Network/dnsResolvers$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: VNET_ID,
          evidence: { statusCode: 403, missingPermission: "Microsoft.Network/dnsResolvers/read" },
        },
      ],
    },
  },
  {
    name: "unknown: the hub firewall's policy returns 403, so whether its DNS proxy is on is not known",
    mutate: (s) => {
      hubFirewall(s);
      linkZonesOnlyTo(s, HUB_VNET);
      fault(s, "/firewallPolicies/hub-fw-policy$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: FIREWALL_ID,
          evidence: {
            firewall: FIREWALL_ID,
            vnets: [VNET_ID],
            statusCode: 403,
            missingPermission: "Microsoft.Network/firewallPolicies/read",
          },
          remediation: ["Microsoft.Network/firewallPolicies/read"],
        },
      ],
    },
  },
  {
    name: "unknown: the resolver's inbound endpoints list returns 403, so what answers at ml-vnet's DNS server is not known",
    mutate: (s) => {
      dnsResolver(s);
      linkZonesOnlyTo(s, DNS_VNET);
      fault(s, "/inboundEndpoints$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: VNET_ID,
          evidence: { statusCode: 403, missingPermission: "Microsoft.Network/dnsResolvers/inboundEndpoints/read" },
        },
      ],
    },
  },
  {
    name: "unknown: managed network: the workspace endpoint returns 403, so which VNet must be linked is not known",
    mutate: (s) => {
      managedNetwork(s);
      fault(s, "/privateEndpoints/pe-ml-research$");
    },
    expect: {
      status: "unknown",
      findings: [
        configured(NEEDS[0]!, { groupIdsFrom: "owner-default" }),
        configured(NEEDS[1]!),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: peId("pe-ml-research"),
          evidence: { vnetEndpoints: [peId("pe-ml-research")], statusCode: 403 },
          remediation: ["Microsoft.Network/privateEndpoints/read"],
        },
      ],
    },
  },
  partUnreadableCase("unknown: the storage account returns 403", "storage"),
  partUnreadableCase("unknown: the key vault returns 403", "keyVault"),
  partUnreadableCase("unknown: the computes list returns 403", "computes"),
];

// ---- a child firewall policy whose DNS settings may come from its base policy ----------------------------
// learn.microsoft.com/azure/firewall-manager/policy-overview ("Hierarchical policies"): a child policy inherits
// its base's rule collections and threat intelligence settings; the page says nothing of DNS settings.

/** hub-fw's policy has no dnsSettings and names org-base-policy, whose `dnsSettings` are `base` (absent: none). */
function childPolicyFirewall(s: Scenario, base?: Json): void {
  const subnetId = addVnet(s, "hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
  addFirewall(s, { subnetId, ip: FW_IP, basePolicy: base === undefined ? {} : { dnsSettings: base } });
  delete resource(s, POLICY_ID).properties.dnsSettings;
  useCustomDns(s, "ml-vnet", [FW_IP]);
  linkZonesOnlyTo(s, HUB_VNET);
}

const proxyOffByBoth = (basePolicyEnableProxy: boolean | null): ExpectedFinding => ({
  status: "fail",
  messageId: "forwarder-proxy-off",
  resourceId: FIREWALL_ID,
  evidence: { policy: POLICY_ID, basePolicy: BASE_POLICY_ID, basePolicyEnableProxy, enableProxy: false },
  remediation: ["az network firewall policy update -g ml-platform-rg -n hub-fw-policy --enable-dns-proxy true"],
});

const basePolicyCases: Case[] = [
  {
    name: "unknown, not fail: the firewall's child policy has no dnsSettings and its base policy turns the DNS proxy on",
    mutate: (s) => childPolicyFirewall(s, { enableProxy: true, servers: [] }),
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: FIREWALL_ID,
          evidence: {
            policy: POLICY_ID,
            basePolicy: BASE_POLICY_ID,
            basePolicyEnableProxy: true,
            enableProxy: null,
            vnets: [VNET_ID],
          },
        },
      ],
    },
    also: (audit) =>
      expect(audit.check(CHECK).findings.find((finding) => finding.status === "unknown")?.message).toContain(
        "its policy hub-fw-policy sets no DNS proxy and names base policy org-base-policy, which turns the DNS proxy on",
      ),
  },
  {
    name: "fail: the child policy has no dnsSettings and its base policy turns the DNS proxy off too",
    mutate: (s) => childPolicyFirewall(s, { enableProxy: false }),
    expect: { status: "fail", findings: [...configuredAll(), proxyOffByBoth(false)] },
  },
  {
    name: "fail: neither the child policy nor its base policy has dnsSettings (ARM's default: proxy off)",
    mutate: (s) => childPolicyFirewall(s),
    expect: { status: "fail", findings: [...configuredAll(), proxyOffByBoth(null)] },
  },
  {
    name: "unknown: the child policy has no dnsSettings and its base policy returns 403",
    mutate: (s) => {
      childPolicyFirewall(s, { enableProxy: true });
      fault(s, "/firewallPolicies/org-base-policy$");
    },
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: FIREWALL_ID,
          evidence: {
            basePolicy: BASE_POLICY_ID,
            statusCode: 403,
            missingPermission: "Microsoft.Network/firewallPolicies/read",
          },
          remediation: ["Microsoft.Network/firewallPolicies/read"],
        },
      ],
    },
  },
];

// ---- one DNS server IP, two firewalls: the one the compute VNet reaches answers ------------------------------
// Unconnected VNets may reuse address space, so two hubs can both put a firewall at 10.40.0.4; only the one in
// ml-vnet or a Connected peer of it receives ml-vnet's queries.

const OTHER_FIREWALL_ID = `${NET}/azureFirewalls/other-fw`;

/** other-fw (proxy off, listed first) in other-hub-vnet and hub-fw (proxy on) in hub-vnet, both at FW_IP. */
function twoFirewallsAtOneIp(s: Scenario): void {
  const otherSubnet = addVnet(s, "other-hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
  addFirewall(s, { name: "other-fw", subnetId: otherSubnet, ip: FW_IP, dnsSettings: { enableProxy: false } });
  hubFirewall(s);
  linkZonesOnlyTo(s, HUB_VNET);
}

const sharedIpCases: Case[] = [
  {
    name: "pass: two firewalls at ml-vnet's DNS server IP; the one in hub-vnet, peered Connected with ml-vnet, answers",
    mutate: (s) => {
      twoFirewallsAtOneIp(s);
      peer(s, "ml-vnet", HUB_VNET, "Connected");
      peer(s, "hub-vnet", VNET_ID, "Connected");
    },
    expect: {
      status: "pass",
      findings: [
        ...configuredAll(),
        ...ZONES.map((zone) => linkedVia(zone, HUB_VNET, { server: FW_IP, forwarder: FIREWALL_ID })),
      ],
    },
  },
  {
    name: "unknown, not the first one listed: two firewalls at ml-vnet's DNS server IP, neither in ml-vnet or a Connected peer",
    mutate: twoFirewallsAtOneIp,
    expect: {
      status: "unknown",
      findings: [
        ...configuredAll(),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: VNET_ID,
          evidence: { dnsServers: [FW_IP], servers: [expect.objectContaining({ server: FW_IP, role: "unknown" })] },
        },
      ],
    },
    also: (audit) => {
      const message = audit.check(CHECK).findings.find((finding) => finding.status === "unknown")?.message;
      expect(message).toContain("other-fw");
      expect(message).toContain("hub-fw");
      expect(audit.check(CHECK).findings.map((finding) => finding.resourceId)).not.toContain(OTHER_FIREWALL_ID);
    },
  },
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", passCases],
    ["fail", failCases],
    ["warn", warnCases],
    ["skip", skipCases],
    ["unknown", unknownCases],
    ["child firewall policy", basePolicyCases],
    ["one IP, several forwarders", sharedIpCases],
  ]);

  test("reads only what it requires: no keys, NSGs, route tables or endpoint types, no writes", async () => {
    await expectReadsOnlyWhatItRequires(
      CHECK,
      /networkSecurityGroups|routeTables|availablePrivateEndpointTypes|listKeys|listCredentials/i,
    );
  });

  test("reads each zone and its link list once, though two needs of the registry endpoint share privatelink.azurecr.io", async () => {
    const audit = await auditScenario(healthyScenario(), { only: [CHECK] });
    const zoneReads = audit.requests.filter((request) =>
      /\/privateDnsZones\/[^/]+$/i.test(request.path.split("?")[0] ?? ""),
    );
    expect(zoneReads.map((request) => request.path.split("?")[0]!.split("/").pop()).sort()).toEqual([...ZONES].sort());
  });

  test("a snapshot saved before firewalls and DNS resolvers were read: Azure DNS judged as ever, a named server unknown", async () => {
    const custom = healthyScenario();
    useCustomDns(custom, "ml-vnet", [FW_IP]);
    for (const [scenario, expected] of [
      [healthyScenario(), "pass"],
      [custom, "unknown"],
    ] as const) {
      const { snapshot } = await auditScenario(scenario, { only: [CHECK] });
      const older = { ...snapshot, parts: snapshot.parts.filter((part) => part !== "dnsForwarders") };
      const result = runCheck(findCheck(CHECK)!, older);
      expect(result.status).toBe(expected);
      expect(result.findings.map((finding) => finding.messageId)).not.toContain("part-not-collected");
      if (expected === "unknown")
        expect(result.findings.find((finding) => finding.status === "unknown")?.message).toMatch(
          /collected without reading them/,
        );
    }
  });
});
