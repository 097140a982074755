// Network security group rules: reading them from ARM JSON and evaluating one flow against them.
// Pure: no I/O. Where a rule may or may not match (a plain CIDR against a service tag, an
// application security group, an odd port range) the verdict says "unknown" instead of guessing,
// but only when that rule could change the outcome.

import { prefixCoversDestination, prefixCoversSource, type Coverage, type Destination } from "./service-tags.js";

export interface NsgRule {
  name: string;
  id?: string;
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  /** "*", "Tcp", "Udp", "Icmp", "Esp", "Ah" as given ("" when absent). */
  protocol: string;
  sourceAddressPrefixes: string[];
  sourcePortRanges: string[];
  destinationAddressPrefixes: string[];
  destinationPortRanges: string[];
  /** Number of application security groups on each side. */
  sourceApplicationSecurityGroups: number;
  destinationApplicationSecurityGroups: number;
  isDefault: boolean;
}

export interface Flow {
  direction: "Inbound" | "Outbound";
  protocol: "Tcp" | "Udp";
  /** Destination port. */
  port: number;
  /** The compute subnet's address prefix(es): the source of outbound traffic, the target of inbound. */
  sourcePrefixes: string[];
  /** Address space of the VNet holding the subnet. */
  vnetPrefixes: string[];
  /** Outbound: the tag or CIDR to reach. Inbound: the compute subnet as a CIDR destination. */
  destination: Destination;
  /** Inbound: where the traffic comes from, e.g. tag AzureMachineLearning. */
  inboundSource?: Destination;
}

export interface FlowVerdict {
  decision: "allow" | "deny" | "unknown";
  /** The rule that decided (allow/deny), or the uncertain rule (unknown). */
  decidingRule?: NsgRule;
  /** Rules that may or may not match and could change the outcome. */
  uncertainRules: NsgRule[];
  /** Short, human-readable explanation. */
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Reading rules from ARM JSON

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A single value and/or a list of values (ARM's `xPrefix` + `xPrefixes`), as non-empty strings. */
function stringList(single: unknown, list: unknown): string[] {
  const out: string[] = [];
  const push = (v: unknown): void => {
    const s = asString(v)?.trim();
    if (s !== undefined && s !== "" && !out.includes(s)) out.push(s);
  };
  push(single);
  if (Array.isArray(list)) for (const v of list) push(v);
  return out;
}

function parsePriority(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\s*\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function parseDirection(value: unknown): "Inbound" | "Outbound" | undefined {
  const v = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (v === "inbound") return "Inbound";
  if (v === "outbound") return "Outbound";
  return undefined;
}

function parseAccess(value: unknown): "Allow" | "Deny" | undefined {
  const v = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (v === "allow") return "Allow";
  if (v === "deny") return "Deny";
  return undefined;
}

function countList(value: unknown): number {
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined).length : 0;
}

function ruleFromRaw(raw: unknown, where: string, isDefault: boolean): { rule: NsgRule } | { problem: string } {
  if (!isRecord(raw)) return { problem: `${where}: not an object` };
  // ARM wire format nests fields under `properties`; the SDK flattens them. Accept both.
  const p = isRecord(raw.properties) ? raw.properties : raw;
  const name = asString(raw.name) ?? asString(p.name);
  const label = name !== undefined ? `${where} "${name}"` : where;
  const priority = parsePriority(p.priority);
  const direction = parseDirection(p.direction);
  const access = parseAccess(p.access);
  const missing: string[] = [];
  if (priority === undefined) missing.push("priority");
  if (direction === undefined) missing.push("direction");
  if (access === undefined) missing.push("access");
  if (priority === undefined || direction === undefined || access === undefined) {
    return { problem: `${label}: missing or invalid ${missing.join(", ")}; rule skipped` };
  }
  const rule: NsgRule = {
    name: name ?? where,
    priority,
    direction,
    access,
    protocol: asString(p.protocol)?.trim() ?? "",
    sourceAddressPrefixes: stringList(p.sourceAddressPrefix, p.sourceAddressPrefixes),
    sourcePortRanges: stringList(p.sourcePortRange, p.sourcePortRanges),
    destinationAddressPrefixes: stringList(p.destinationAddressPrefix, p.destinationAddressPrefixes),
    destinationPortRanges: stringList(p.destinationPortRange, p.destinationPortRanges),
    sourceApplicationSecurityGroups: countList(p.sourceApplicationSecurityGroups),
    destinationApplicationSecurityGroups: countList(p.destinationApplicationSecurityGroups),
    isDefault,
  };
  const id = asString(raw.id);
  if (id !== undefined) rule.id = id;
  return { rule };
}

function defaultRule(
  name: string,
  priority: number,
  direction: "Inbound" | "Outbound",
  access: "Allow" | "Deny",
  source: string,
  destination: string,
): NsgRule {
  return {
    name,
    priority,
    direction,
    access,
    protocol: "*",
    sourceAddressPrefixes: [source],
    sourcePortRanges: ["*"],
    destinationAddressPrefixes: [destination],
    destinationPortRanges: ["*"],
    sourceApplicationSecurityGroups: 0,
    destinationApplicationSecurityGroups: 0,
    isDefault: true,
  };
}

/** Azure's six default security rules, as every NSG has them. */
export function azureDefaultRules(): NsgRule[] {
  return [
    defaultRule("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    defaultRule("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    defaultRule("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    defaultRule("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    defaultRule("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    defaultRule("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
  ];
}

/**
 * Rules of an NSG from its raw ARM JSON (properties.securityRules and properties.defaultSecurityRules).
 * When defaultSecurityRules is absent (or empty), Azure's six default rules are added. Never throws:
 * a rule lacking priority/direction/access is skipped and reported in `malformed`.
 */
/**
 * An NSG's rules, read once per NSG body: in a fleet audited offline one NSG body serves every
 * workspace on its subnets. The result is frozen, so no caller can change what the next one reads.
 */
export function rulesFromNsg(raw: unknown): { rules: readonly NsgRule[]; malformed: readonly string[] } {
  if (!isRecord(raw)) return readRulesFromNsg(raw);
  let read = rulesByNsg.get(raw);
  if (!read) {
    const fresh = readRulesFromNsg(raw);
    read = Object.freeze({
      rules: Object.freeze(fresh.rules.map((rule) => Object.freeze(rule))),
      malformed: Object.freeze(fresh.malformed),
    });
    rulesByNsg.set(raw, read);
  }
  return read;
}

const rulesByNsg = new WeakMap<object, { rules: readonly NsgRule[]; malformed: readonly string[] }>();

function readRulesFromNsg(raw: unknown): { rules: NsgRule[]; malformed: string[] } {
  const rules: NsgRule[] = [];
  const malformed: string[] = [];
  if (!isRecord(raw)) {
    malformed.push("network security group: not an object; no rules read");
    return { rules, malformed };
  }
  const props = isRecord(raw.properties) ? raw.properties : raw;

  const read = (list: unknown, field: string, isDefault: boolean): number => {
    if (list === undefined || list === null) return 0;
    if (!Array.isArray(list)) {
      malformed.push(`${field}: not an array; ignored`);
      return 0;
    }
    let count = 0;
    list.forEach((entry: unknown, index) => {
      const result = ruleFromRaw(entry, `${field}[${index}]`, isDefault);
      if ("rule" in result) {
        rules.push(result.rule);
        count++;
      } else {
        malformed.push(result.problem);
      }
    });
    return count;
  };

  read(props.securityRules, "securityRules", false);
  const defaults = props.defaultSecurityRules;
  const defaultCount = read(defaults, "defaultSecurityRules", true);
  if (defaultCount === 0 && (!Array.isArray(defaults) || defaults.length === 0)) {
    rules.push(...azureDefaultRules());
  }
  return { rules, malformed };
}

// ---------------------------------------------------------------------------------------------
// Matching one rule against a flow

interface PortInterval {
  from: number;
  to: number;
}

/** Parse port range texts ("*", "443", "400-500", "22,443"); `invalid` when any token is unreadable. */
function parsePortRanges(ranges: string[]): { intervals: PortInterval[]; invalid: boolean } {
  const intervals: PortInterval[] = [];
  let invalid = false;
  for (const text of ranges) {
    for (const token of text.split(",")) {
      const t = token.trim();
      if (t === "") continue;
      if (t === "*" || t.toLowerCase() === "any") {
        intervals.push({ from: 0, to: 65535 });
        continue;
      }
      const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(t);
      if (m === null) {
        invalid = true;
        continue;
      }
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      if (from > 65535 || to > 65535 || from > to) {
        invalid = true;
        continue;
      }
      intervals.push({ from, to });
    }
  }
  return { intervals, invalid };
}

function destinationPortCoverage(ranges: string[], port: number): Coverage {
  const { intervals, invalid } = parsePortRanges(ranges);
  if (intervals.some((i) => i.from <= port && port <= i.to)) return "yes";
  if (invalid || intervals.length === 0) return "maybe";
  return "no";
}

/** The client's source port is ephemeral: covered for sure only when all of 1024-65535 is. */
function sourcePortCoverage(ranges: string[]): Coverage {
  const { intervals } = parsePortRanges(ranges);
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  let reached = 1023; // highest port covered contiguously from 1024 on
  for (const i of sorted) {
    if (i.from > reached + 1) break;
    if (i.to > reached) reached = i.to;
  }
  return reached >= 65535 ? "yes" : "maybe";
}

const KNOWN_PROTOCOLS = new Set(["tcp", "udp", "icmp", "icmpv6", "esp", "ah"]);

function protocolCoverage(ruleProtocol: string, flowProtocol: string): Coverage {
  const r = ruleProtocol.trim().toLowerCase();
  if (r === "*" || r === "any") return "yes";
  if (r === flowProtocol.toLowerCase()) return "yes";
  return KNOWN_PROTOCOLS.has(r) ? "no" : "maybe";
}

/** Across several prefixes of one side: yes if any is yes, else maybe if any maybe, else no. */
function anyOf(results: Coverage[]): Coverage {
  if (results.includes("yes")) return "yes";
  if (results.includes("maybe")) return "maybe";
  return "no";
}

/** Across the conditions of one rule: any no → no; all yes → yes; otherwise maybe. */
function allOf(results: Coverage[]): Coverage {
  if (results.includes("no")) return "no";
  if (results.every((r) => r === "yes")) return "yes";
  return "maybe";
}

interface RuleMatch {
  match: Coverage;
  protocol: Coverage;
  destinationPort: Coverage;
  sourcePort: Coverage;
  source: Coverage;
  destination: Coverage;
  /** The first prefix on the remote side (outbound: destination, inbound: source) that covers it. */
  matchedPrefix?: string;
}

function addressSide(prefixes: string[], asgCount: number, test: (prefix: string) => Coverage): Coverage {
  if (asgCount > 0) return "maybe"; // membership of an application security group is not known here
  if (prefixes.length === 0) return "maybe"; // a rule side with neither prefixes nor groups: unreadable
  return anyOf(prefixes.map(test));
}

/** How one rule matches a flow, condition by condition. The rule's direction is not checked here. */
function matchRule(rule: NsgRule, flow: Flow): RuleMatch {
  const ctx = { vnetPrefixes: flow.vnetPrefixes };
  const protocol = protocolCoverage(rule.protocol, flow.protocol);
  const destinationPort = destinationPortCoverage(rule.destinationPortRanges, flow.port);
  const sourcePort = sourcePortCoverage(rule.sourcePortRanges);

  let sourceTest: (prefix: string) => Coverage;
  let destinationTest: (prefix: string) => Coverage;
  if (flow.direction === "Outbound") {
    sourceTest = (p) => prefixCoversSource(p, flow.sourcePrefixes, ctx);
    destinationTest = (p) => prefixCoversDestination(p, flow.destination, ctx);
  } else {
    const inboundSource = flow.inboundSource;
    sourceTest = (p) => {
      if (inboundSource !== undefined) return prefixCoversDestination(p, inboundSource, ctx);
      return p.trim() === "*" ? "yes" : "maybe"; // unknown origin
    };
    const subnet =
      flow.sourcePrefixes.length > 0
        ? flow.sourcePrefixes
        : flow.destination.kind === "cidr"
          ? [flow.destination.cidr]
          : [];
    destinationTest = (p) => prefixCoversSource(p, subnet, ctx);
  }
  const source = addressSide(rule.sourceAddressPrefixes, rule.sourceApplicationSecurityGroups, sourceTest);
  const destination = addressSide(
    rule.destinationAddressPrefixes,
    rule.destinationApplicationSecurityGroups,
    destinationTest,
  );

  const result: RuleMatch = {
    match: allOf([protocol, destinationPort, sourcePort, source, destination]),
    protocol,
    destinationPort,
    sourcePort,
    source,
    destination,
  };
  const remote =
    flow.direction === "Outbound"
      ? {
          prefixes: rule.destinationAddressPrefixes,
          asg: rule.destinationApplicationSecurityGroups,
          test: destinationTest,
        }
      : { prefixes: rule.sourceAddressPrefixes, asg: rule.sourceApplicationSecurityGroups, test: sourceTest };
  if (remote.asg === 0) {
    const matched =
      remote.prefixes.find((p) => remote.test(p) === "yes") ?? remote.prefixes.find((p) => remote.test(p) === "maybe");
    if (matched !== undefined) result.matchedPrefix = matched;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Evaluating a flow

function describeDestination(d: Destination): string {
  if (d.kind === "cidr") return d.cidr;
  return d.region !== undefined && d.region !== "" ? `${d.tag} (from ${d.region})` : d.tag;
}

function describeFlow(flow: Flow): string {
  const head = `${flow.direction.toLowerCase()} ${flow.protocol} ${flow.port}`;
  if (flow.direction === "Outbound") return `${head} to ${describeDestination(flow.destination)}`;
  const from = flow.inboundSource !== undefined ? describeDestination(flow.inboundSource) : "an unknown source";
  return `${head} from ${from}`;
}

function describeRule(rule: NsgRule): string {
  return `rule "${rule.name}" (priority ${rule.priority}${rule.isDefault ? ", default" : ""})`;
}

function verb(access: "Allow" | "Deny"): string {
  return access === "Allow" ? "allows" : "denies";
}

function via(match: RuleMatch, flow: Flow): string {
  if (match.matchedPrefix === undefined) return "";
  const side = flow.direction === "Outbound" ? "destination" : "source";
  return ` via ${side} "${match.matchedPrefix}"`;
}

/** Why a rule is only a possible match: the conditions that came out "maybe". */
function uncertainty(match: RuleMatch, rule: NsgRule): string {
  const parts: string[] = [];
  if (match.source === "maybe") {
    parts.push(
      rule.sourceApplicationSecurityGroups > 0
        ? "source application security group"
        : `source ${JSON.stringify(rule.sourceAddressPrefixes.join(","))}`,
    );
  }
  if (match.destination === "maybe") {
    parts.push(
      rule.destinationApplicationSecurityGroups > 0
        ? "destination application security group"
        : `destination ${JSON.stringify(rule.destinationAddressPrefixes.join(","))}`,
    );
  }
  if (match.protocol === "maybe") parts.push(`protocol ${JSON.stringify(rule.protocol)}`);
  if (match.destinationPort === "maybe")
    parts.push(`destination ports ${JSON.stringify(rule.destinationPortRanges.join(","))}`);
  if (match.sourcePort === "maybe") parts.push(`source ports ${JSON.stringify(rule.sourcePortRanges.join(","))}`);
  return parts.length > 0 ? parts.join(", ") : "its conditions";
}

/**
 * Evaluate one flow against an NSG's rules: rules of the flow's direction by ascending priority
 * (ties keep their given order); the first rule that surely matches decides, unless an earlier rule
 * that only may match has the opposite access, in which case the decision is "unknown".
 */
/**
 * How the rules decide the flow. Answers are remembered per rules list (as rulesFromNsg shares it)
 * and flow: the subnets of a fleet's workspaces ask the same NSG the same questions.
 */
export function evaluateFlow(rules: readonly NsgRule[], flow: Flow): FlowVerdict {
  let answers = verdictsByRules.get(rules);
  if (!answers) {
    answers = new Map();
    verdictsByRules.set(rules, answers);
  }
  const key = JSON.stringify(flow);
  let verdict = answers.get(key);
  if (!verdict) {
    verdict = Object.freeze(decideFlow(rules, flow));
    answers.set(key, verdict);
  }
  return verdict;
}

const verdictsByRules = new WeakMap<readonly NsgRule[], Map<string, FlowVerdict>>();

function decideFlow(rules: readonly NsgRule[], flow: Flow): FlowVerdict {
  const ordered = rules
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => rule.direction === flow.direction)
    .sort((a, b) => a.rule.priority - b.rule.priority || a.index - b.index)
    .map(({ rule }) => rule);

  const maybes: { rule: NsgRule; match: RuleMatch }[] = [];
  for (const rule of ordered) {
    const match = matchRule(rule, flow);
    if (match.match === "no") continue;
    if (match.match === "maybe") {
      maybes.push({ rule, match });
      continue;
    }
    const opposite = maybes.filter((m) => m.rule.access !== rule.access);
    const first = opposite[0];
    if (first === undefined) {
      return {
        decision: rule.access === "Allow" ? "allow" : "deny",
        decidingRule: rule,
        uncertainRules: [],
        reason: `${describeRule(rule)} ${verb(rule.access)} ${describeFlow(flow)}${via(match, flow)}`,
      };
    }
    return {
      decision: "unknown",
      decidingRule: first.rule,
      uncertainRules: opposite.map((m) => m.rule),
      reason:
        `${describeRule(first.rule)} ${verb(first.rule.access)} traffic that may include ${describeFlow(flow)} ` +
        `(uncertain: ${uncertainty(first.match, first.rule)}); otherwise ${describeRule(rule)} ${verb(rule.access)} it`,
    };
  }

  const first = maybes[0];
  if (first !== undefined) {
    return {
      decision: "unknown",
      decidingRule: first.rule,
      uncertainRules: maybes.map((m) => m.rule),
      reason: `no rule surely matches ${describeFlow(flow)}; ${describeRule(first.rule)} may (uncertain: ${uncertainty(first.match, first.rule)})`,
    };
  }
  return {
    decision: "unknown",
    uncertainRules: [],
    reason: `no ${flow.direction.toLowerCase()} rule matches ${describeFlow(flow)} (default rules missing?)`,
  };
}
