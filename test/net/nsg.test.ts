import { describe, expect, it } from "vitest";
import { azureDefaultRules, evaluateFlow, rulesFromNsg, type Flow, type NsgRule } from "../../src/net/index.js";
import { armExample } from "../fixtures/arm-examples.js";

const ARM_EXAMPLE = "Microsoft.Network/2026-01-01/NetworkSecurityGroupGet.json";

/** A rule in ARM wire format, `properties` nested, as the fake ARM and the snapshot hold it. */
function armRule(name: string, props: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    id: `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/networkSecurityGroups/nsg/securityRules/${name}`,
    properties: {
      protocol: "*",
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "*",
      direction: "Outbound",
      access: "Deny",
      ...props,
    },
  };
}

/** An NSG with these custom rules and no defaultSecurityRules (so Azure's defaults are added). */
function nsg(...securityRules: Record<string, unknown>[]): readonly NsgRule[] {
  const { rules, malformed } = rulesFromNsg({ name: "nsg", properties: { securityRules } });
  expect(malformed).toEqual([]);
  return rules;
}

function outbound(tag: string, region = "westeurope", port = 443, protocol: "Tcp" | "Udp" = "Tcp"): Flow {
  return {
    direction: "Outbound",
    protocol,
    port,
    sourcePrefixes: ["10.0.1.0/24"],
    vnetPrefixes: ["10.0.0.0/16"],
    destination: { kind: "tag", tag, region },
  };
}

function inbound(fromTag: string, port: number): Flow {
  return {
    direction: "Inbound",
    protocol: "Tcp",
    port,
    sourcePrefixes: ["10.0.1.0/24"],
    vnetPrefixes: ["10.0.0.0/16"],
    destination: { kind: "cidr", cidr: "10.0.1.0/24" },
    inboundSource: { kind: "tag", tag: fromTag, region: "westeurope" },
  };
}

const MCR = outbound("MicrosoftContainerRegistry");
const AFD = outbound("AzureFrontDoor.FirstParty");

interface Case {
  name: string;
  rules: readonly NsgRule[];
  flow: Flow;
  decision: "allow" | "deny" | "unknown";
  decidingRule: string | undefined;
  uncertain?: string[];
}

const cases: Case[] = [
  {
    name: "default rules only: 443 out to MicrosoftContainerRegistry allowed by AllowInternetOutBound",
    rules: nsg(),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "default rules only: 443 out to AzureFrontDoor.FirstParty allowed by AllowInternetOutBound",
    rules: nsg(),
    flow: AFD,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "allow MicrosoftContainerRegistry (3000) before deny Internet (4000): allow",
    rules: nsg(
      armRule("AllowMcr", {
        priority: 3000,
        access: "Allow",
        protocol: "Tcp",
        destinationAddressPrefix: "MicrosoftContainerRegistry",
        destinationPortRange: "443",
      }),
      armRule("DenyInternet", { priority: 4000, destinationAddressPrefix: "Internet" }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowMcr",
  },
  {
    name: "deny Internet (3000) before allow MicrosoftContainerRegistry (4000): deny",
    rules: nsg(
      armRule("AllowMcr", {
        priority: 4000,
        access: "Allow",
        protocol: "Tcp",
        destinationAddressPrefix: "MicrosoftContainerRegistry",
        destinationPortRange: "443",
      }),
      armRule("DenyInternet", { priority: 3000, destinationAddressPrefix: "Internet" }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "DenyInternet",
  },
  {
    name: "deny Internet (3000) denies AzureFrontDoor.FirstParty too",
    rules: nsg(armRule("DenyInternet", { priority: 3000, destinationAddressPrefix: "Internet" })),
    flow: AFD,
    decision: "deny",
    decidingRule: "DenyInternet",
  },
  {
    name: "allow MicrosoftContainerRegistry.WestEurope before deny *: allow for a westeurope compute",
    rules: nsg(
      armRule("AllowMcrWe", {
        priority: 100,
        access: "Allow",
        destinationAddressPrefix: "MicrosoftContainerRegistry.WestEurope",
        destinationPortRange: "443",
      }),
      armRule("DenyAll", { priority: 4096, destinationAddressPrefix: "*" }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowMcrWe",
  },
  {
    name: "allow MicrosoftContainerRegistry.WestEurope before deny *: deny for an eastus compute",
    rules: nsg(
      armRule("AllowMcrWe", {
        priority: 100,
        access: "Allow",
        destinationAddressPrefix: "MicrosoftContainerRegistry.WestEurope",
        destinationPortRange: "443",
      }),
      armRule("DenyAll", { priority: 4096, destinationAddressPrefix: "*" }),
    ),
    flow: outbound("MicrosoftContainerRegistry", "eastus"),
    decision: "deny",
    decidingRule: "DenyAll",
  },
  {
    name: "deny on public CIDR 20.0.0.0/8 before the defaults: unknown",
    rules: nsg(armRule("DenyTwenty", { priority: 200, destinationAddressPrefix: "20.0.0.0/8" })),
    flow: MCR,
    decision: "unknown",
    decidingRule: "DenyTwenty",
    uncertain: ["DenyTwenty"],
  },
  {
    name: "deny on public CIDR after an allow of the tag: no effect (allow)",
    rules: nsg(
      armRule("AllowMcr", { priority: 100, access: "Allow", destinationAddressPrefix: "MicrosoftContainerRegistry" }),
      armRule("DenyTwenty", { priority: 200, destinationAddressPrefix: "20.0.0.0/8" }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowMcr",
  },
  {
    name: "allow on public CIDR before the default allow: same access, no effect (allow)",
    rules: nsg(armRule("AllowTwenty", { priority: 200, access: "Allow", destinationAddressPrefix: "20.0.0.0/8" })),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny on private CIDR 10.0.0.0/8 destination: no effect (allow)",
    rules: nsg(armRule("DenyTen", { priority: 200, destinationAddressPrefix: "10.0.0.0/8" })),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny on port 80 only: no effect on 443 (allow)",
    rules: nsg(
      armRule("DenyHttp", { priority: 200, destinationAddressPrefix: "Internet", destinationPortRange: "80" }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny on port range 400-500 covers 443 (deny)",
    rules: nsg(
      armRule("DenyRange", { priority: 200, destinationAddressPrefix: "Internet", destinationPortRange: "400-500" }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "DenyRange",
  },
  {
    name: "deny on port range 1-442 does not cover 443 (allow)",
    rules: nsg(
      armRule("DenyLow", { priority: 200, destinationAddressPrefix: "Internet", destinationPortRange: "1-442" }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny on port list [22, 443] covers 443 (deny)",
    rules: nsg(
      armRule("DenyList", {
        priority: 200,
        destinationAddressPrefix: "Internet",
        destinationPortRange: undefined,
        destinationPortRanges: ["22", "443"],
      }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "DenyList",
  },
  {
    name: "deny on port list [22, 8080] does not cover 443 (allow)",
    rules: nsg(
      armRule("DenyList", {
        priority: 200,
        destinationAddressPrefix: "Internet",
        destinationPortRange: undefined,
        destinationPortRanges: ["22", "8080"],
      }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny on comma list '22,443' covers 443 (deny)",
    rules: nsg(
      armRule("DenyComma", { priority: 200, destinationAddressPrefix: "Internet", destinationPortRange: "22,443" }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "DenyComma",
  },
  {
    name: "Udp-only deny does not affect Tcp (allow)",
    rules: nsg(armRule("DenyUdp", { priority: 200, protocol: "Udp", destinationAddressPrefix: "Internet" })),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "Udp-only deny does affect a Udp flow (deny)",
    rules: nsg(armRule("DenyUdp", { priority: 200, protocol: "Udp", destinationAddressPrefix: "Internet" })),
    flow: outbound("MicrosoftContainerRegistry", "westeurope", 443, "Udp"),
    decision: "deny",
    decidingRule: "DenyUdp",
  },
  {
    name: "Icmp-only deny does not affect Tcp (allow)",
    rules: nsg(armRule("DenyIcmp", { priority: 200, protocol: "Icmp", destinationAddressPrefix: "*" })),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny with source 192.168.0.0/16 does not match the 10.0.1.0/24 subnet (allow)",
    rules: nsg(
      armRule("DenyOtherSource", {
        priority: 200,
        sourceAddressPrefix: "192.168.0.0/16",
        destinationAddressPrefix: "Internet",
      }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny with source VirtualNetwork matches the subnet (deny)",
    rules: nsg(
      armRule("DenyFromVnet", {
        priority: 200,
        sourceAddressPrefix: "VirtualNetwork",
        destinationAddressPrefix: "Internet",
      }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "DenyFromVnet",
  },
  {
    name: "deny with source 10.0.1.0/25 covers only part of the subnet: unknown",
    rules: nsg(
      armRule("DenyHalf", { priority: 200, sourceAddressPrefix: "10.0.1.0/25", destinationAddressPrefix: "Internet" }),
    ),
    flow: MCR,
    decision: "unknown",
    decidingRule: "DenyHalf",
    uncertain: ["DenyHalf"],
  },
  {
    name: "deny to an application security group before the defaults: unknown",
    rules: nsg(
      armRule("DenyToAsg", {
        priority: 200,
        destinationAddressPrefix: undefined,
        destinationApplicationSecurityGroups: [
          { id: "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/applicationSecurityGroups/asg" },
        ],
      }),
    ),
    flow: MCR,
    decision: "unknown",
    decidingRule: "DenyToAsg",
    uncertain: ["DenyToAsg"],
  },
  {
    name: "allow from an application security group: same access as the outcome, no effect (allow)",
    rules: nsg(
      armRule("AllowFromAsg", {
        priority: 200,
        access: "Allow",
        sourceAddressPrefix: undefined,
        sourceApplicationSecurityGroups: [
          { id: "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/applicationSecurityGroups/asg" },
        ],
      }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowInternetOutBound",
  },
  {
    name: "deny from an application security group after an explicit allow: no effect (allow)",
    rules: nsg(
      armRule("AllowMcr", { priority: 100, access: "Allow", destinationAddressPrefix: "MicrosoftContainerRegistry" }),
      armRule("DenyFromAsg", {
        priority: 200,
        sourceAddressPrefix: undefined,
        sourceApplicationSecurityGroups: [
          { id: "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/applicationSecurityGroups/asg" },
        ],
      }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "AllowMcr",
  },
  {
    name: "source port range 1-1023 only may match ephemeral client ports: unknown",
    rules: nsg(
      armRule("DenyLowSrc", { priority: 200, sourcePortRange: "1-1023", destinationAddressPrefix: "Internet" }),
    ),
    flow: MCR,
    decision: "unknown",
    decidingRule: "DenyLowSrc",
    uncertain: ["DenyLowSrc"],
  },
  {
    name: "source port range 1024-65535 covers ephemeral ports (deny)",
    rules: nsg(
      armRule("DenyEphemeral", { priority: 200, sourcePortRange: "1024-65535", destinationAddressPrefix: "Internet" }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "DenyEphemeral",
  },
  {
    name: "inbound AzureMachineLearning tcp 44224 allowed by an explicit allow",
    rules: nsg(
      armRule("AllowAml", {
        priority: 130,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        sourceAddressPrefix: "AzureMachineLearning",
        destinationAddressPrefix: "VirtualNetwork",
        destinationPortRange: "44224",
      }),
    ),
    flow: inbound("AzureMachineLearning", 44224),
    decision: "allow",
    decidingRule: "AllowAml",
  },
  {
    name: "inbound AzureMachineLearning tcp 44224 without an allow: DenyAllInBound",
    rules: nsg(),
    flow: inbound("AzureMachineLearning", 44224),
    decision: "deny",
    decidingRule: "DenyAllInBound",
  },
  {
    name: "inbound allow to another subnet does not help (DenyAllInBound)",
    rules: nsg(
      armRule("AllowAmlElsewhere", {
        priority: 130,
        direction: "Inbound",
        access: "Allow",
        sourceAddressPrefix: "AzureMachineLearning",
        destinationAddressPrefix: "10.0.9.0/24",
        destinationPortRange: "44224",
      }),
    ),
    flow: inbound("AzureMachineLearning", 44224),
    decision: "deny",
    decidingRule: "DenyAllInBound",
  },
  {
    name: "inbound from AzureLoadBalancer: allowed by the default AllowAzureLoadBalancerInBound",
    rules: nsg(),
    flow: inbound("AzureLoadBalancer", 44224),
    decision: "allow",
    decidingRule: "AllowAzureLoadBalancerInBound",
  },
  {
    name: "casing in raw JSON: 'outbound', 'deny', 'TCP', 'internet'",
    rules: nsg(
      armRule("LowerCaseDeny", {
        priority: 200,
        direction: "outbound",
        access: "deny",
        protocol: "TCP",
        destinationAddressPrefix: "internet",
        destinationPortRange: "443",
      }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "LowerCaseDeny",
  },
  {
    name: "casing in raw JSON: 'OUTBOUND', 'ALLOW', 'tcp' before a deny-all",
    rules: nsg(
      armRule("UpperCaseAllow", {
        priority: 100,
        direction: "OUTBOUND",
        access: "ALLOW",
        protocol: "tcp",
        destinationAddressPrefix: "microsoftcontainerregistry",
      }),
      armRule("DenyAll", { priority: 200 }),
    ),
    flow: MCR,
    decision: "allow",
    decidingRule: "UpperCaseAllow",
  },
  {
    name: "rules with equal priority: the first given wins",
    rules: nsg(
      armRule("First", { priority: 300, destinationAddressPrefix: "Internet" }),
      armRule("Second", { priority: 300, access: "Allow", destinationAddressPrefix: "Internet" }),
    ),
    flow: MCR,
    decision: "deny",
    decidingRule: "First",
  },
  {
    name: "two opposite uncertain rules before the deciding rule are both reported",
    rules: nsg(
      armRule("DenyTwenty", { priority: 200, destinationAddressPrefix: "20.0.0.0/8" }),
      armRule("DenyThirteen", { priority: 210, destinationAddressPrefix: "13.0.0.0/8" }),
    ),
    flow: MCR,
    decision: "unknown",
    decidingRule: "DenyTwenty",
    uncertain: ["DenyTwenty", "DenyThirteen"],
  },
];

describe("evaluateFlow", () => {
  it.each(cases)("$name", ({ rules, flow, decision, decidingRule, uncertain }) => {
    const verdict = evaluateFlow(rules, flow);
    expect(verdict.decision).toBe(decision);
    expect(verdict.decidingRule?.name).toBe(decidingRule);
    expect(verdict.uncertainRules.map((r) => r.name)).toEqual(uncertain ?? []);
    if (decidingRule !== undefined) expect(verdict.reason).toContain(`"${decidingRule}"`);
  });

  it("a deny names the rule, its priority and what it matched", () => {
    const rules = nsg(armRule("DenyInternet", { priority: 200, destinationAddressPrefix: "Internet" }));
    const verdict = evaluateFlow(rules, MCR);
    expect(verdict.decision).toBe("deny");
    expect(verdict.reason).toContain('rule "DenyInternet" (priority 200)');
    expect(verdict.reason).toContain("denies");
    expect(verdict.reason).toContain("443");
    expect(verdict.reason).toContain('"Internet"');
  });

  it("with no rules at all the decision is unknown", () => {
    const verdict = evaluateFlow([], MCR);
    expect(verdict.decision).toBe("unknown");
    expect(verdict.decidingRule).toBeUndefined();
    expect(verdict.uncertainRules).toEqual([]);
  });

  it("only uncertain rules and no sure match: unknown, naming them", () => {
    const only = nsg(armRule("DenyTwenty", { priority: 200, destinationAddressPrefix: "20.0.0.0/8" })).filter(
      (r) => !r.isDefault,
    );
    const verdict = evaluateFlow(only, MCR);
    expect(verdict.decision).toBe("unknown");
    expect(verdict.decidingRule?.name).toBe("DenyTwenty");
    expect(verdict.uncertainRules.map((r) => r.name)).toEqual(["DenyTwenty"]);
  });

  it("ignores rules of the other direction", () => {
    const rules = nsg(armRule("DenyAllIn", { priority: 100, direction: "Inbound" }));
    expect(evaluateFlow(rules, MCR).decision).toBe("allow");
  });

  it("does not reorder or mutate the given rules", () => {
    const rules = nsg(armRule("B", { priority: 300 }), armRule("A", { priority: 100, access: "Allow" }));
    const before = JSON.stringify(rules);
    evaluateFlow(rules, MCR);
    expect(JSON.stringify(rules)).toBe(before);
  });
});

describe("rulesFromNsg", () => {
  it("reads the ARM example NetworkSecurityGroupGet.json (responses.200.body)", () => {
    const example: unknown = armExample(ARM_EXAMPLE);
    const body = (example as { responses: { "200": { body: unknown } } }).responses["200"].body;
    const { rules, malformed } = rulesFromNsg(body);
    expect(malformed).toEqual([]);
    expect(rules).toHaveLength(7);
    const rule1 = rules.find((r) => r.name === "rule1");
    expect(rule1).toMatchObject({
      priority: 130,
      direction: "Inbound",
      access: "Allow",
      protocol: "*",
      sourceAddressPrefixes: ["*"],
      destinationAddressPrefixes: ["*"],
      destinationPortRanges: ["80"],
      sourcePortRanges: ["*"],
      sourceApplicationSecurityGroups: 0,
      destinationApplicationSecurityGroups: 0,
      isDefault: false,
    });
    expect(rule1?.id).toMatch(/securityRules\/rule1$/);
    expect(rules.filter((r) => r.isDefault).map((r) => r.name)).toEqual(azureDefaultRules().map((r) => r.name));
    expect(evaluateFlow(rules, MCR).decidingRule?.name).toBe("AllowInternetOutBound");
  });

  it("adds Azure's six default rules when defaultSecurityRules is absent", () => {
    const { rules } = rulesFromNsg({ properties: { securityRules: [] } });
    expect(
      rules.map((r) => [
        r.name,
        r.priority,
        r.direction,
        r.access,
        r.sourceAddressPrefixes[0],
        r.destinationAddressPrefixes[0],
      ]),
    ).toEqual([
      ["AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"],
      ["AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"],
      ["DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"],
      ["AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"],
      ["AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"],
      ["DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"],
    ]);
    expect(rules.every((r) => r.isDefault)).toBe(true);
  });

  it("merges singular and plural prefix/port fields and counts application security groups", () => {
    const { rules } = rulesFromNsg({
      properties: {
        securityRules: [
          {
            name: "multi",
            properties: {
              priority: "150",
              direction: "Outbound",
              access: "Allow",
              protocol: "Tcp",
              sourceAddressPrefix: "",
              sourceAddressPrefixes: [],
              sourceApplicationSecurityGroups: [{ id: "a" }, { id: "b" }],
              sourcePortRange: "*",
              destinationAddressPrefixes: ["AzureCloud", "Storage", 7],
              destinationPortRanges: ["443", 8443],
            },
          },
        ],
      },
    });
    const multi = rules.find((r) => r.name === "multi");
    expect(multi).toMatchObject({
      priority: 150,
      sourceAddressPrefixes: [],
      sourceApplicationSecurityGroups: 2,
      destinationAddressPrefixes: ["AzureCloud", "Storage", "7"],
      destinationPortRanges: ["443", "8443"],
    });
  });

  it("accepts the SDK's flattened rule shape", () => {
    const { rules, malformed } = rulesFromNsg({
      securityRules: [
        {
          name: "flat",
          priority: 100,
          direction: "Outbound",
          access: "Deny",
          protocol: "*",
          destinationAddressPrefix: "Internet",
          destinationPortRange: "*",
          sourceAddressPrefix: "*",
          sourcePortRange: "*",
        },
      ],
    });
    expect(malformed).toEqual([]);
    expect(evaluateFlow(rules, MCR).decidingRule?.name).toBe("flat");
  });

  it.each([
    { name: "null", raw: null, rules: 0, malformed: 1 },
    { name: "undefined", raw: undefined, rules: 0, malformed: 1 },
    { name: "a string", raw: "nsg", rules: 0, malformed: 1 },
    { name: "an array", raw: [], rules: 0, malformed: 1 },
    { name: "{}", raw: {}, rules: 6, malformed: 0 },
    { name: "properties null", raw: { properties: null }, rules: 6, malformed: 0 },
    { name: "securityRules not an array", raw: { properties: { securityRules: "x" } }, rules: 6, malformed: 1 },
    {
      name: "securityRules [null, {name:'x'}]",
      raw: { properties: { securityRules: [null, { name: "x" }] } },
      rules: 6,
      malformed: 2,
    },
    {
      name: "rule lacking priority, bad direction, unknown access",
      raw: { properties: { securityRules: [{ name: "r", properties: { direction: "Sideways", access: "Maybe" } }] } },
      rules: 6,
      malformed: 1,
    },
    {
      name: "fields of wrong types",
      raw: {
        properties: {
          securityRules: [
            {
              name: 5,
              properties: {
                priority: 100,
                direction: "Outbound",
                access: "Deny",
                protocol: 6,
                sourceAddressPrefixes: "x",
                destinationPortRanges: {},
              },
            },
          ],
        },
      },
      rules: 7,
      malformed: 0,
    },
  ])("never throws on garbage: $name", ({ raw, rules: ruleCount, malformed: malformedCount }) => {
    const result = rulesFromNsg(raw);
    expect(result.rules).toHaveLength(ruleCount);
    expect(result.malformed).toHaveLength(malformedCount);
    expect(() => evaluateFlow(result.rules, MCR)).not.toThrow();
  });

  it("reports what a skipped rule lacked", () => {
    const { malformed } = rulesFromNsg({ properties: { securityRules: [null, { name: "x" }] } });
    expect(malformed[0]).toContain("securityRules[0]");
    expect(malformed[1]).toContain('"x"');
    expect(malformed[1]).toContain("priority");
    expect(malformed[1]).toContain("direction");
    expect(malformed[1]).toContain("access");
  });

  it("a rule with an unreadable side is uncertain, not a match", () => {
    const { rules } = rulesFromNsg({
      properties: {
        securityRules: [
          { name: "odd", properties: { priority: 100, direction: "Outbound", access: "Deny", protocol: 6 } },
        ],
      },
    });
    const verdict = evaluateFlow(rules, MCR);
    expect(verdict.decision).toBe("unknown");
    expect(verdict.decidingRule?.name).toBe("odd");
  });
});
