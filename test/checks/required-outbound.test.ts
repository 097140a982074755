// required-outbound: does the NSG on every compute subnet let through what Azure ML compute needs
// (the outbound service tags, TCP 443 to the private endpoints in reach and 445 to the file endpoint,
// and inbound AzureMachineLearning 44224 for compute with a public IP)?
// Each case is the healthy workspace (ARM wire format) with one thing changed, named for its verdict,
// run through the real collector against the fake ARM; assertions are statuses, message ids and evidence.

import { describe, expect } from "vitest";
import type { Status } from "../../src/core/status.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { byName } from "../harness.js";
import {
  ACR_ID,
  KV_ID,
  NET,
  STORAGE_ID,
  TRAINING,
  TRAINING_NSG,
  VNET_ID,
  WS_ID,
  addCompute,
  addVnet,
  compute,
  computeId,
  fault,
  moveEndpoints,
  partUnreadableCase,
  peId,
  peer,
  securityRule,
  setSubnet,
  testCaseTables,
  vnetId,
  workspace,
  type Case,
  type ExpectedFinding,
  type Json,
} from "./mutations.js";

const CHECK = "required-outbound";
const NSG = TRAINING_NSG;
const COMPUTES = ["cpu-build", "gpu-train", "ci-alice"];

interface Destination {
  direction: "Outbound" | "Inbound";
  tag: string;
  protocol: "Tcp" | "Udp";
  port: number;
}

const outbound = (tag: string, port = 443, protocol: "Tcp" | "Udp" = "Tcp"): Destination => ({
  direction: "Outbound",
  tag,
  protocol,
  port,
});
const AAD = outbound("AzureActiveDirectory");
const AML = outbound("AzureMachineLearning");
const AML_18881 = outbound("AzureMachineLearning", 18881);
const AML_UDP = outbound("AzureMachineLearning", 5831, "Udp");
const BATCH = outbound("BatchNodeManagement.westeurope");
const ARM = outbound("AzureResourceManager");
const STORAGE = outbound("Storage.westeurope");
const FRONT_DOOR = outbound("AzureFrontDoor.FrontEnd");
const MCR = outbound("MicrosoftContainerRegistry.westeurope");
const MONITOR = outbound("AzureMonitor");
const KEY_VAULT = outbound("AzureKeyVault.westeurope");
/** Every outbound destination, in the check's order. */
const OUTBOUND = [AAD, AML, AML_18881, AML_UDP, BATCH, ARM, STORAGE, FRONT_DOOR, MCR, MONITOR, KEY_VAULT];
/** Needed only by the Azure Batch back end of clusters and instances. */
const BATCH_ONLY = [AML_18881, AML_UDP, BATCH];
const INBOUND: Destination = { direction: "Inbound", tag: "AzureMachineLearning", protocol: "Tcp", port: 44224 };

/**
 * TCP 443 to a private endpoint of the workspace or a dependency in the compute VNet (or 445 to the file
 * endpoint): Learn's `VirtualNetwork` row, "required when private endpoints are present in the virtual
 * network or peered virtual networks" (how-to-access-azureml-behind-firewall; port 445: how-to-secure-training-vnet).
 */
const toEndpoint = (name: string, owner: string, group: string, port = 443) => ({
  direction: "Outbound" as const,
  tag: "VirtualNetwork",
  protocol: "Tcp" as const,
  port,
  privateEndpoint: peId(name),
  endpointOwner: owner,
  groupIds: [group],
});
const PE_WORKSPACE = toEndpoint("pe-ml-research", WS_ID, "amlworkspace");
const PE_BLOB = toEndpoint("pe-mlresearchstore-blob", STORAGE_ID, "blob");
const PE_FILE = toEndpoint("pe-mlresearchstore-file", STORAGE_ID, "file");
const PE_FILE_SMB = toEndpoint("pe-mlresearchstore-file", STORAGE_ID, "file", 445);
const PE_ACR = toEndpoint("pe-mlresearchacr", ACR_ID, "registry");
const PE_KV = toEndpoint("pe-ml-research-kv", KV_ID, "vault");
/** The healthy workspace's private endpoints, all in ml-vnet's private-endpoints subnet (10.20.2.0/24). */
const ENDPOINTS = [PE_WORKSPACE, PE_BLOB, PE_FILE, PE_FILE_SMB, PE_ACR, PE_KV];
const ENDPOINT_NAMES = [
  "pe-ml-research",
  "pe-mlresearchstore-blob",
  "pe-mlresearchstore-file",
  "pe-mlresearchacr",
  "pe-ml-research-kv",
];
/** The default AllowVnetOutBound lets them through, judged on their subnet's prefix (their bodies name no address). */
const VNET_ALLOWED = {
  ...{ decidingRule: expect.objectContaining({ name: "AllowVnetOutBound", priority: 65000, isDefault: true }) },
  destinationFrom: "subnet",
  destinationPrefixes: ["10.20.2.0/24"],
};

// ---- scenario mutations (ARM wire format) -------------------------------------------------------

const securityRules = (s: Scenario): Json[] =>
  byName(s, "/networkSecurityGroups/training-nsg").properties.securityRules as Json[];
const addRule = (s: Scenario, added: Json): void => void securityRules(s).push(added);
function ruleNamed(s: Scenario, name: string): Json {
  const found = securityRules(s).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}
function removeRule(s: Scenario, name: string): void {
  byName(s, "/networkSecurityGroups/training-nsg").properties.securityRules = securityRules(s).filter(
    (candidate) => candidate.name !== name,
  );
}
function trainingSubnet(s: Scenario): Json {
  const found = (byName(s, "/virtualNetworks/ml-vnet").properties.subnets as Json[]).find(
    (candidate) => candidate.name === "training",
  );
  if (!found) throw new Error("no subnet training");
  return found;
}
const givePublicIp = (s: Scenario, name: string): void =>
  void (compute(s, name).properties.properties.enableNodePublicIp = true);

/** The endpoints' addresses as ARM gives them: one in a static ipConfiguration, the others in customDnsConfigs. */
const ADDRESSES: Record<string, string> = {
  "pe-ml-research": "10.20.2.4",
  "pe-mlresearchstore-blob": "10.20.2.5",
  "pe-mlresearchstore-file": "10.20.2.6",
  "pe-mlresearchacr": "10.20.2.7",
  "pe-ml-research-kv": "10.20.2.8",
};
function giveAddresses(s: Scenario, names: readonly string[] = ENDPOINT_NAMES): void {
  for (const name of names) {
    const properties = byName(s, `/privateEndpoints/${name}`).properties;
    const address = ADDRESSES[name];
    if (name === "pe-ml-research")
      properties.ipConfigurations = [
        { name: "api", properties: { groupId: "amlworkspace", memberName: "default", privateIPAddress: address } },
      ];
    else properties.customDnsConfigs = [{ fqdn: `${name}.example`, ipAddresses: [address] }];
  }
}
const addressOf = (flow: { privateEndpoint: string }) => `${ADDRESSES[flow.privateEndpoint.split("/").pop() ?? ""]}/32`;
/** The endpoints in a VNet of their own (10.30.0.0/16), peered with the compute VNet or not. */
function endpointsInOtherVnet(s: Scenario, peered: boolean): void {
  const subnet = addVnet(s, "pe-vnet", "10.30.0.0/16", {
    subnetProperties: { privateEndpointNetworkPolicies: "Disabled", provisioningState: "Succeeded" },
  });
  moveEndpoints(s, subnet, ENDPOINT_NAMES);
  if (!peered) return;
  peer(s, "ml-vnet", vnetId("pe-vnet"), "Connected", { peeringSyncLevel: "FullyInSync" });
  peer(s, "pe-vnet", VNET_ID, "Connected", { peeringSyncLevel: "FullyInSync" });
}

// ---- expectations ---------------------------------------------------------------------------------

/** One finding per destination on the training subnet, with `evidence` (per destination when a function). */
function each(
  destinations: readonly Destination[],
  status: Status,
  messageId: string,
  evidence: Record<string, unknown> | ((destination: Destination) => Record<string, unknown>) = {},
  remediation?: (destination: Destination) => string[],
): ExpectedFinding[] {
  return destinations.map((destination) => ({
    status,
    messageId,
    resourceId: TRAINING,
    evidence: {
      subnet: TRAINING,
      ...destination,
      ...(typeof evidence === "function" ? evidence(destination) : evidence),
    },
    ...(remediation ? { remediation: remediation(destination) } : {}),
  }));
}

const decidedBy = (name: string, priority: number) => ({ decidingRule: expect.objectContaining({ name, priority }) });
const except = (...excluded: Destination[]) => OUTBOUND.filter((destination) => !excluded.includes(destination));

/** The healthy NSG's verdicts: AzureCloud 443 covers most tags; 18881, UDP 5831 and MCR have their own rules. */
function healthyRule(destination: Destination): Record<string, unknown> {
  if (destination === AML_18881) return decidedBy("AllowAzureMLServiceOut", 130);
  if (destination === AML_UDP) return decidedBy("AllowAzureMLUdpOut", 140);
  if (destination === MCR) return decidedBy("AllowContainerRegistryOut", 100);
  if (destination === INBOUND) return decidedBy("AllowAzureMLInbound", 100);
  return decidedBy("AllowAzureCloudOut", 120);
}

// ---- cases ----------------------------------------------------------------------------------------

const passCases: Case[] = [
  {
    name: "pass: healthy, every destination allowed (AzureCloud 443 plus the 18881, UDP 5831 and MCR rules); no inbound without a public IP",
    expect: {
      status: "pass",
      findings: each(OUTBOUND, "pass", "allowed", (destination) => ({
        computes: COMPUTES,
        region: "westeurope",
        networkSecurityGroup: NSG,
        subnetPrefixes: ["10.20.1.0/24"],
        uncertainRules: [],
        ...healthyRule(destination),
      })).concat(each(ENDPOINTS, "pass", "allowed", { computes: COMPUTES, uncertainRules: [], ...VNET_ALLOWED })),
    },
  },
  {
    name: "pass: a compute with a public IP adds inbound AzureMachineLearning 44224, allowed by AllowAzureMLInbound",
    mutate: (s) => givePublicIp(s, "cpu-build"),
    expect: {
      status: "pass",
      findings: [
        ...each(OUTBOUND, "pass", "allowed", healthyRule),
        ...each(ENDPOINTS, "pass", "allowed", VNET_ALLOWED),
        ...each([INBOUND], "pass", "allowed", { publicIpComputes: ["cpu-build"], ...healthyRule(INBOUND) }),
      ],
    },
  },
  {
    name: "pass: enableNodePublicIp absent means a public IP (the Azure ML default): inbound is evaluated",
    mutate: (s) => void delete compute(s, "ci-alice").properties.properties.enableNodePublicIp,
    expect: {
      status: "pass",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each(ENDPOINTS, "pass", "allowed"),
        ...each([INBOUND], "pass", "allowed", { publicIpComputes: ["ci-alice"] }),
      ],
    },
  },
  {
    name: "pass: the subnet has no NSG, one no-nsg finding",
    mutate: (s) => void delete trainingSubnet(s).properties.networkSecurityGroup,
    expect: {
      status: "pass",
      findings: [
        {
          status: "pass",
          messageId: "no-nsg",
          resourceId: TRAINING,
          evidence: { subnet: TRAINING, networkSecurityGroup: null, computes: COMPUTES },
        },
      ],
    },
  },
  {
    name: "pass: global tags in the allow rules cover the regional destinations (Storage for Storage.westeurope)",
    mutate: (s) => {
      removeRule(s, "AllowAzureCloudOut");
      removeRule(s, "AllowContainerRegistryOut");
      addRule(
        s,
        securityRule("AllowAzureMLDependencies", {
          priority: 120,
          access: "Allow",
          protocol: "Tcp",
          destinationAddressPrefix: "",
          destinationAddressPrefixes: [
            "AzureActiveDirectory",
            "AzureMachineLearning",
            "BatchNodeManagement",
            "AzureResourceManager",
            "Storage",
            "AzureFrontDoor.FrontEnd",
            "MicrosoftContainerRegistry",
            "AzureMonitor",
            "AzureKeyVault",
          ],
          destinationPortRange: "443",
        }),
      );
      ruleNamed(s, "DenyInternetOut").properties.priority = 200;
    },
    expect: {
      status: "pass",
      findings: [
        ...each(OUTBOUND, "pass", "allowed", (destination) =>
          destination === AML_18881 || destination === AML_UDP ? {} : decidedBy("AllowAzureMLDependencies", 120),
        ),
        ...each(ENDPOINTS, "pass", "allowed", VNET_ALLOWED),
      ],
    },
  },
  {
    name: "pass: a subnet with only an AKS compute is not held to the Batch-only destinations (18881, UDP 5831, BatchNodeManagement)",
    mutate: (s) => {
      for (const name of COMPUTES) setSubnet(s, name, undefined);
      addCompute(s, "aks-infer", {
        computeType: "AKS",
        provisioningState: "Succeeded",
        properties: { aksNetworkingConfiguration: { subnetId: TRAINING } },
      });
    },
    expect: {
      status: "pass",
      // AKS runs no training, so SMB 445 to the file share is not asked of it.
      findings: each(
        [...except(...BATCH_ONLY), ...ENDPOINTS.filter((flow) => flow !== PE_FILE_SMB)],
        "pass",
        "allowed",
        {
          computes: ["aks-infer"],
        },
      ),
    },
  },
];

const failCases: Case[] = [
  {
    name: "fail: with only DenyInternetOut (4000) left, every destination is blocked; proposed allow rules take free priorities below it",
    mutate: (s) => {
      for (const name of [
        "AllowContainerRegistryOut",
        "AllowFrontDoorFirstPartyOut",
        "AllowAzureCloudOut",
        "AllowAzureMLServiceOut",
        "AllowAzureMLUdpOut",
      ])
        removeRule(s, name);
    },
    expect: {
      status: "fail",
      findings: [
        ...each([AAD], "fail", "blocked", decidedBy("DenyInternetOut", 4000), () => [
          "az network nsg rule create -g ml-platform-rg --nsg-name training-nsg -n Allow-AzureActiveDirectory-Tcp-443-Out --priority 3999 --direction Outbound --access Allow --protocol Tcp --destination-address-prefixes AzureActiveDirectory --destination-port-ranges 443",
        ]),
        ...each([AML_UDP], "fail", "blocked", decidedBy("DenyInternetOut", 4000), () => [
          "--priority 3996 ",
          "--protocol Udp --destination-address-prefixes AzureMachineLearning --destination-port-ranges 5831",
        ]),
        ...each([KEY_VAULT], "fail", "blocked", decidedBy("DenyInternetOut", 4000), () => [
          "--priority 3989 ",
          "--destination-address-prefixes AzureKeyVault.westeurope",
        ]),
        ...each(except(AAD, AML_UDP, KEY_VAULT), "fail", "blocked", decidedBy("DenyInternetOut", 4000)),
        // Internet is not the VNet: the endpoints stay reachable.
        ...each(ENDPOINTS, "pass", "allowed", VNET_ALLOWED),
      ],
    },
  },
  {
    name: "fail: without AllowAzureMLUdpOut, UDP 5831 to AzureMachineLearning meets DenyInternetOut (AzureCloud 443 is TCP only)",
    mutate: (s) => removeRule(s, "AllowAzureMLUdpOut"),
    expect: {
      status: "fail",
      findings: [
        ...each([AML_UDP], "fail", "blocked", decidedBy("DenyInternetOut", 4000), () => [
          "--nsg-name training-nsg",
          "--priority 3999 ",
          "--protocol Udp",
          "--destination-port-ranges 5831",
        ]),
        ...each(except(AML_UDP), "pass", "allowed"),
        ...each(ENDPOINTS, "pass", "allowed"),
      ],
    },
  },
  {
    name: "fail: a deny on Storage.WestEurope 443 at priority 105 blocks only the storage destination",
    mutate: (s) =>
      addRule(
        s,
        securityRule("DenyStorageOut", {
          priority: 105,
          protocol: "Tcp",
          destinationAddressPrefix: "Storage.WestEurope",
          destinationPortRange: "443",
        }),
      ),
    expect: {
      status: "fail",
      findings: [
        ...each([STORAGE], "fail", "blocked", decidedBy("DenyStorageOut", 105), () => [
          "--priority 104 ",
          "--destination-address-prefixes Storage.westeurope",
        ]),
        ...each(except(STORAGE), "pass", "allowed"),
        // Storage.WestEurope is the public endpoint's tag; the private endpoints are not in it.
        ...each(ENDPOINTS, "pass", "allowed", VNET_ALLOWED),
      ],
    },
  },
  {
    name: "fail: a compute with a public IP and no inbound rule for AzureMachineLearning 44224: the default DenyAllInBound blocks it",
    mutate: (s) => {
      givePublicIp(s, "gpu-train");
      removeRule(s, "AllowAzureMLInbound");
    },
    expect: {
      status: "fail",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each(ENDPOINTS, "pass", "allowed"),
        ...each(
          [INBOUND],
          "fail",
          "blocked",
          {
            publicIpComputes: ["gpu-train"],
            decidingRule: expect.objectContaining({ name: "DenyAllInBound", isDefault: true }),
          },
          () => [
            "az network nsg rule create -g ml-platform-rg --nsg-name training-nsg -n Allow-AzureMachineLearning-Tcp-44224-In --priority 4096 --direction Inbound --access Allow --protocol Tcp --source-address-prefixes AzureMachineLearning --destination-port-ranges 44224",
          ],
        ),
      ],
    },
  },
  {
    name: "fail: two subnets with different NSGs get findings per subnet",
    mutate: (s) => {
      const locked = `${NET}/networkSecurityGroups/locked-nsg`;
      (byName(s, "/virtualNetworks/ml-vnet").properties.subnets as Json[]).push({
        id: `${VNET_ID}/subnets/locked`,
        name: "locked",
        type: "Microsoft.Network/virtualNetworks/subnets",
        properties: {
          addressPrefix: "10.20.3.0/24",
          networkSecurityGroup: { id: locked },
          provisioningState: "Succeeded",
        },
      });
      s.resources.push({
        id: locked,
        name: "locked-nsg",
        type: "Microsoft.Network/networkSecurityGroups",
        location: "westeurope",
        properties: {
          provisioningState: "Succeeded",
          securityRules: [
            securityRule("DenyInternetOut", { priority: 100, destinationAddressPrefix: "Internet" }, locked),
          ],
        },
      });
      setSubnet(s, "gpu-train", `${VNET_ID}/subnets/locked`);
    },
    expect: {
      status: "fail",
      findings: [
        ...OUTBOUND.map((destination) => ({
          status: "fail" as const,
          messageId: "blocked",
          resourceId: `${VNET_ID}/subnets/locked`,
          evidence: {
            ...destination,
            computes: ["gpu-train"],
            networkSecurityGroup: `${NET}/networkSecurityGroups/locked-nsg`,
            ...decidedBy("DenyInternetOut", 100),
          },
          remediation: ["--nsg-name locked-nsg"],
        })),
        ...ENDPOINTS.map((destination) => ({
          status: "pass" as const,
          messageId: "allowed",
          resourceId: `${VNET_ID}/subnets/locked`,
          evidence: { ...destination, computes: ["gpu-train"], ...VNET_ALLOWED },
        })),
        ...each(OUTBOUND, "pass", "allowed", { computes: ["cpu-build", "ci-alice"] }),
        ...each(ENDPOINTS, "pass", "allowed", { computes: ["cpu-build", "ci-alice"] }),
      ],
    },
  },
];

const unknownCases: Case[] = [
  {
    name: "unknown: the VNet read returns 403, every destination (inbound too, for a public-IP compute) is undetermined",
    mutate: (s) => {
      fault(s, "/virtualNetworks/ml-vnet$");
      givePublicIp(s, "cpu-build");
    },
    expect: {
      status: "unknown",
      findings: each(
        [
          ...OUTBOUND.map((destination) =>
            destination.tag.endsWith(".westeurope")
              ? { ...destination, tag: destination.tag.replace(".westeurope", "") }
              : destination,
          ),
          INBOUND,
          // The endpoints sit in the compute VNet by their IDs, so they are known to need a verdict.
          ...ENDPOINTS,
        ],
        "unknown",
        "undetermined",
        {
          vnet: VNET_ID,
          statusCode: 403,
          missingPermission: "Microsoft.Network/virtualNetworks/read",
        },
        () => ["Microsoft.Network/virtualNetworks/read"],
      ),
    },
  },
  {
    name: "unknown: the NSG read returns 403",
    mutate: (s) => fault(s, "/networkSecurityGroups(/training-nsg)?$"),
    expect: {
      status: "unknown",
      findings: each(
        [...OUTBOUND, ...ENDPOINTS],
        "unknown",
        "undetermined",
        {
          networkSecurityGroup: NSG,
          statusCode: 403,
          missingPermission: "Microsoft.Network/networkSecurityGroups/read",
        },
        () => ["Microsoft.Network/networkSecurityGroups/read", NSG],
      ),
    },
  },
  {
    name: "unknown: a deny on public CIDR 20.0.0.0/8 at priority 101 precedes the allows but MCR's (it may hold the tags' addresses)",
    mutate: (s) =>
      addRule(s, securityRule("DenyPublicRange", { priority: 101, destinationAddressPrefix: "20.0.0.0/8" })),
    expect: {
      status: "unknown",
      findings: [
        ...each(except(MCR), "unknown", "undetermined", {
          ...decidedBy("DenyPublicRange", 101),
          uncertainRules: [expect.objectContaining({ name: "DenyPublicRange" })],
        }),
        // The MCR allow at priority 100 decides before the uncertain deny.
        ...each([MCR], "pass", "allowed", decidedBy("AllowContainerRegistryOut", 100)),
        // 20.0.0.0/8 does not hold the endpoints' private 10.20.2.0/24.
        ...each(ENDPOINTS, "pass", "allowed", VNET_ALLOWED),
      ],
    },
  },
  {
    name: "unknown: the compute subnet is gone from its VNet",
    mutate: (s) => {
      const vnet = byName(s, "/virtualNetworks/ml-vnet");
      vnet.properties.subnets = (vnet.properties.subnets as Json[]).filter(
        (candidate) => candidate.name !== "training",
      );
    },
    expect: {
      status: "unknown",
      findings: each([...OUTBOUND, ...ENDPOINTS], "unknown", "undetermined", { vnet: VNET_ID }),
    },
  },
];

const skipCases: Case[] = [
  {
    name: "skip: the workspace isolates its computes in a managed network",
    mutate: (s) =>
      void (workspace(s).properties.managedNetwork = {
        isolationMode: "AllowOnlyApprovedOutbound",
        status: { status: "Active" },
      }),
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
    name: "skip: no compute is in a subnet",
    mutate: (s) => COMPUTES.forEach((name) => setSubnet(s, name, undefined)),
    expect: {
      status: "skip",
      findings: [
        {
          status: "skip",
          messageId: "no-subnets",
          resourceId: computeId("cpu-build"),
          evidence: { computes: COMPUTES.map(computeId) },
        },
      ],
    },
  },
];

// ---- private endpoints: Learn's `VirtualNetwork` 443 row and port 445 to the file share ---------------

const endpointPassCases: Case[] = [
  {
    name: "pass: addresses from the endpoints' bodies (customDnsConfigs, a static ipConfiguration) are judged themselves, past a deny on the other half of their subnet",
    mutate: (s) => {
      giveAddresses(s);
      addRule(s, securityRule("DenyUpperHalf", { priority: 3000, destinationAddressPrefix: "10.20.2.128/25" }));
    },
    expect: {
      status: "pass",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each(ENDPOINTS, "pass", "allowed", (flow) => ({
          ...VNET_ALLOWED,
          destinationFrom: "ip-addresses",
          destinationPrefixes: [addressOf(flow as typeof PE_BLOB)],
        })),
      ],
    },
  },
  {
    name: "pass: endpoints in a VNet peered Connected: VirtualNetwork (AllowVnetOutBound) holds the peer's address space",
    mutate: (s) => endpointsInOtherVnet(s, true),
    expect: {
      status: "pass",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each(ENDPOINTS, "pass", "allowed", { ...VNET_ALLOWED, destinationPrefixes: ["10.30.0.0/24"] }),
      ],
    },
  },
  {
    name: "pass: no endpoint in the compute VNet or a peer, so Learn's VirtualNetwork row asks nothing (a deny on it changes nothing)",
    mutate: (s) => {
      endpointsInOtherVnet(s, false);
      addRule(s, securityRule("DenyVnetOut", { priority: 3000, destinationAddressPrefix: "VirtualNetwork" }));
    },
    expect: { status: "pass", findings: each(OUTBOUND, "pass", "allowed") },
  },
];

const endpointFailCases: Case[] = [
  {
    name: "fail: a deny on VirtualNetwork outbound cuts TCP 443 to every private endpoint and 445 to the file endpoint; one root cause",
    mutate: (s) =>
      addRule(s, securityRule("DenyVnetOut", { priority: 3000, destinationAddressPrefix: "VirtualNetwork" })),
    expect: {
      status: "fail",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each(
          ENDPOINTS,
          "fail",
          "blocked",
          { ...decidedBy("DenyVnetOut", 3000), networkSecurityGroup: NSG, destinationPrefixes: ["10.20.2.0/24"] },
          (flow) =>
            flow.port === 445
              ? ["-n Allow-VirtualNetwork-Tcp-445-Out --priority 2998 ", "--destination-port-ranges 445"]
              : [
                  "az network nsg rule create -g ml-platform-rg --nsg-name training-nsg -n Allow-VirtualNetwork-Tcp-443-Out --priority 2999 --direction Outbound --access Allow --protocol Tcp --destination-address-prefixes VirtualNetwork --destination-port-ranges 443",
                ],
        ),
      ],
    },
    also: (audit) => {
      const [cause] = audit.report.rootCauses;
      expect(audit.report.rootCauses).toHaveLength(1);
      expect(cause).toMatchObject({ kind: "nsg-rule", resourceId: NSG, checks: [CHECK] });
      expect(cause?.key).toMatch(/\/denyvnetout$/);
      expect(cause?.breaks.sort()).toEqual(["VirtualNetwork TCP 443", "VirtualNetwork TCP 445"]);
      expect(cause?.findings).toHaveLength(ENDPOINTS.length);
    },
  },
  {
    name: "fail: the common hardened NSG (allows for the service tags, then deny * outbound at 4000) cuts the endpoints too",
    mutate: (s) => void (ruleNamed(s, "DenyInternetOut").properties.destinationAddressPrefix = "*"),
    expect: {
      status: "fail",
      findings: [
        ...each(OUTBOUND, "pass", "allowed", healthyRule),
        ...each(ENDPOINTS, "fail", "blocked", { ...decidedBy("DenyInternetOut", 4000), destinationFrom: "subnet" }),
      ],
    },
  },
  {
    name: "fail: a deny on TCP 445 to the endpoints' subnet blocks SMB to the file share only (how-to-secure-training-vnet)",
    mutate: (s) =>
      addRule(
        s,
        securityRule("DenySmbToEndpoints", {
          priority: 3000,
          protocol: "Tcp",
          destinationAddressPrefix: "10.20.2.0/24",
          destinationPortRange: "445",
        }),
      ),
    expect: {
      status: "fail",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each([PE_FILE_SMB], "fail", "blocked", decidedBy("DenySmbToEndpoints", 3000), () => [
          "--destination-address-prefixes VirtualNetwork --destination-port-ranges 445",
        ]),
        ...each(
          ENDPOINTS.filter((flow) => flow !== PE_FILE_SMB),
          "pass",
          "allowed",
          VNET_ALLOWED,
        ),
      ],
    },
  },
  {
    name: "fail: a /32 deny on the blob endpoint's address, named in its customDnsConfigs",
    mutate: (s) => {
      giveAddresses(s, ["pe-mlresearchstore-blob"]);
      addRule(s, securityRule("DenyBlobEndpoint", { priority: 3000, destinationAddressPrefix: "10.20.2.5/32" }));
    },
    expect: {
      status: "fail",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each([PE_BLOB], "fail", "blocked", {
          ...decidedBy("DenyBlobEndpoint", 3000),
          destinationFrom: "ip-addresses",
          destinationPrefixes: ["10.20.2.5/32"],
        }),
        // The others' bodies name no address: the /32 covers part of their subnet, so it may be theirs.
        ...each(
          ENDPOINTS.filter((flow) => flow !== PE_BLOB),
          "unknown",
          "undetermined",
          decidedBy("DenyBlobEndpoint", 3000),
        ),
      ],
    },
  },
];

const endpointUnknownCases: Case[] = [
  {
    name: "unknown: a deny on half the endpoints' subnet (10.20.2.128/25) while their bodies name no address",
    mutate: (s) =>
      addRule(s, securityRule("DenyUpperHalf", { priority: 3000, destinationAddressPrefix: "10.20.2.128/25" })),
    expect: {
      status: "unknown",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each(ENDPOINTS, "unknown", "undetermined", {
          ...decidedBy("DenyUpperHalf", 3000),
          uncertainRules: [expect.objectContaining({ name: "DenyUpperHalf" })],
          destinationFrom: "subnet",
        }),
      ],
    },
  },
  {
    name: "unknown: the registry's private endpoint read returns 403, so whether the subnet needs a flow to it is open",
    mutate: (s) => fault(s, "/privateEndpoints/pe-mlresearchacr$"),
    expect: {
      status: "unknown",
      findings: [
        ...each(OUTBOUND, "pass", "allowed"),
        ...each(
          ENDPOINTS.filter((flow) => flow !== PE_ACR),
          "pass",
          "allowed",
          VNET_ALLOWED,
        ),
        {
          status: "unknown",
          messageId: "undetermined",
          resourceId: TRAINING,
          evidence: {
            tag: "VirtualNetwork",
            port: 443,
            privateEndpoint: peId("pe-mlresearchacr"),
            statusCode: 403,
            missingPermission: "Microsoft.Network/privateEndpoints/read",
          },
          remediation: ["Microsoft.Network/privateEndpoints/read"],
        },
      ],
    },
  },
  {
    name: "unknown: endpoints in a peered VNet whose read returns 403: neither their address nor their subnet's prefix is known",
    mutate: (s) => {
      endpointsInOtherVnet(s, true);
      fault(s, "/virtualNetworks/pe-vnet$");
    },
    expect: {
      status: "unknown",
      findings: [...each(OUTBOUND, "pass", "allowed"), ...each(ENDPOINTS, "unknown", "undetermined")],
    },
  },
  partUnreadableCase("unknown: the key vault returns 403, so its private endpoints cannot be known", "keyVault"),
  partUnreadableCase("unknown: the storage account returns 403", "storage"),
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", [...passCases, ...endpointPassCases]],
    ["fail", [...failCases, ...endpointFailCases]],
    ["unknown", [...unknownCases, ...endpointUnknownCases]],
    ["skip", skipCases],
  ]);
});
