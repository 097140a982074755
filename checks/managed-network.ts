import { nameOf } from "../src/snapshot/ids.js";
import { defineCheck, type FindingReportOf } from "../src/engine/types.js";
import { type Status } from "../src/core/status.js";
import { prefixCoversDestination, type Coverage } from "../src/net/index.js";
import { sameId, type ManagedOutboundRule } from "../src/snapshot/model.js";
import { asObject, asString, eqi } from "../src/snapshot/json.js";
import type { SnapshotTarget } from "../src/snapshot/types.js";
import { sh, shWords, type ShellWords } from "../src/core/visible.js";
import { isHub } from "./shared.js";

const APPROVED = "AllowOnlyApprovedOutbound";
const INTERNET = "AllowInternetOutbound";
const PORT = 443;

/**
 * Microsoft's base images: the registry API at mcr.microsoft.com (service tag MicrosoftContainerRegistry)
 * and the layers at <region>.data.mcr.microsoft.com, served through Front Door (AzureFrontDoor.FirstParty).
 */
const MICROSOFT_ENDPOINTS = [
  { endpoint: "mcr.microsoft.com", tag: "MicrosoftContainerRegistry", fqdn: "mcr.microsoft.com", rule: "allow-mcr" },
  {
    endpoint: "*.data.mcr.microsoft.com",
    tag: "AzureFrontDoor.FirstParty",
    fqdn: "*.data.mcr.microsoft.com",
    rule: "allow-mcr-data",
  },
] as const;

const MESSAGES = {
  "not-managed": "The workspace does not isolate its computes in a managed virtual network (isolation mode {mode}).",
  provisioned: "The managed virtual network ({mode}) is provisioned (status Active){spark}.",
  "not-provisioned":
    "The managed virtual network ({mode}) is not provisioned yet (status {status}), as Azure leaves it until the first compute is created: its outbound rules and private endpoints do not exist yet, creating that compute provisions it (about 30 minutes, and it can time out), and online deployments and serverless Spark jobs need it provisioned by hand first.",
  "status-unknown":
    "Cannot tell whether the managed virtual network ({mode}) is provisioned: the workspace reports no managedNetwork.status.",
  "status-unrecognised":
    "Cannot tell whether the managed virtual network ({mode}) is provisioned: its status is {status}, neither Active nor Inactive.",
  "unrecognised-mode":
    "Cannot judge the managed network's outbound rules: isolation mode {mode} is not one this check knows.",
  "registry-allowed": "Outbound rules of the managed network reach container registry {registry}: {rules}{pending}.",
  "registry-blocked":
    "No active outbound rule of the approved-outbound managed network reaches container registry {registry} ({loginServer}){inactive}: image builds and image pulls from it fail.",
  "registry-uncertain": "Cannot tell whether the managed network reaches container registry {registry}: {reason}.",
  "no-registry":
    "The workspace names no container registry yet; the service creates one on the first image build. Run again after it to check the managed network reaches it.",
  "no-registry-hub":
    "Hub {hub} names no container registry; a Foundry hub's registry is optional (learn.microsoft.com/azure/ai-foundry/concepts/ai-resources), so there is nothing to check.",
  "images-allowed":
    "Outbound rules of the managed network allow {endpoint} (Microsoft's base images): {rules}{pending}.",
  "images-blocked":
    "No active outbound rule of the approved-outbound managed network allows {endpoint} (service tag {tag} on TCP 443, or FQDN {fqdn}){inactive}: Microsoft's base images cannot be pulled, so image builds fail.",
  "images-uncertain": "Cannot tell whether the managed network allows {endpoint}: {reason}.",
} satisfies Record<string, string>;

export default defineCheck({
  id: "managed-network",
  title:
    "The workspace's managed virtual network is provisioned and its outbound rules reach its container registry and Microsoft Container Registry",
  severity: "high",
  requires: ["workspace", "registry"],
  messages: MESSAGES,
  remediation:
    "az ml workspace provision-network -g RG -n WS; az ml workspace outbound-rule set -g RG --workspace-name WS --rule allow-mcr --type service_tag --service-tag MicrosoftContainerRegistry --protocol TCP --port-ranges 443",
  run(parts, report, context) {
    const { target } = context;
    const network = parts.workspace.managedNetwork;
    const mode = network.isolationMode;
    const resourceId = target.workspaceId;
    if (mode === undefined || eqi(mode, "Disabled")) {
      report.skip("not-managed", resourceId, { mode: mode ?? "not set" }, { isolationMode: mode ?? null });
      return;
    }
    const base = {
      isolationMode: mode,
      networkStatus: network.status ?? null,
      sparkReady: network.sparkReady ?? null,
    };
    judgeProvisioning(report, network, base, target);

    if (eqi(mode, INTERNET)) return;
    if (!eqi(mode, APPROVED)) {
      report.unknown("unrecognised-mode", resourceId, { mode }, base);
      return;
    }

    // Before provisioning every rule reads Inactive (ARM shows them so until the network exists): they
    // count as configured then. On a provisioned network an Inactive rule was turned off and allows nothing.
    const pending = !eqi(network.status, "Active");
    const judge = new RuleJudge(network.outboundRules, pending);

    // (a) The workspace's own registry.
    if (parts.registry.state === "none") {
      if (isHub(parts))
        report.skip("no-registry-hub", resourceId, { hub: parts.workspace.name }, { ...base, registry: null });
      else report.skip("no-registry", resourceId, undefined, { ...base, registry: null });
    } else {
      const registryId = parts.workspace.containerRegistryId ?? parts.registry.value.id;
      const loginServer = loginServerOf(parts.registry.raw, registryId);
      const verdict = judge.verdict((rule) =>
        registryCoverage(rule, registryId, loginServer, parts.workspace.location),
      );
      const registryName = nameOf(registryId);
      const evidence = { ...base, registry: registryId, loginServer, ...verdict.evidence };
      reportVerdict(
        report,
        verdict,
        resourceId,
        evidence,
        { allowed: "registry-allowed", blocked: "registry-blocked", uncertain: "registry-uncertain" },
        { registry: registryName, loginServer },
        () =>
          sh`az ml workspace outbound-rule set ${ruleArgs(target, `allow-${registryName}`)} --type private_endpoint --service-resource-id ${registryId} --spark-enabled false --subresource-target registry`,
      );
    }

    // (b) Microsoft's images.
    for (const { endpoint, tag, fqdn, rule } of MICROSOFT_ENDPOINTS) {
      const verdict = judge.verdict((candidate) => microsoftCoverage(candidate, tag, fqdn, parts.workspace.location));
      const evidence = { ...base, endpoint, serviceTag: tag, fqdn, port: PORT, ...verdict.evidence };
      reportVerdict(
        report,
        verdict,
        resourceId,
        evidence,
        { allowed: "images-allowed", blocked: "images-blocked", uncertain: "images-uncertain" },
        { endpoint, tag, fqdn },
        () =>
          [
            sh`az ml workspace outbound-rule set ${ruleArgs(target, rule)} --type service_tag --service-tag ${tag} --protocol TCP --port-ranges 443`,
            // The FQDN is ours, in quotes for the `*` of the data endpoint.
            `or (Azure Firewall, billed): ${sh`az ml workspace outbound-rule set ${ruleArgs(target, `${rule}-fqdn`)} --type fqdn --destination`} '${fqdn}'`,
          ].join("; "),
      );
    }
  },
});

// ---- provisioning -----------------------------------------------------------------------------

/**
 * Azure provisions a managed network with the first compute, or when asked (Learn, how-to-managed-network,
 * "Manually provision a managed VNet"). Not provisioned yet is that default, so a warning: what needs it first
 * (online deployments, serverless Spark) is the user's intent, which the snapshot does not hold.
 */
function judgeProvisioning(
  report: FindingReportOf<typeof MESSAGES>,
  network: { status?: string; sparkReady?: boolean },
  evidence: Record<string, unknown>,
  target: SnapshotTarget,
): void {
  const resourceId = target.workspaceId;
  const mode = String(evidence.isolationMode);
  const where = shWords`-g ${target.resourceGroup} -n ${target.workspace} --subscription ${target.subscriptionId}`;
  const provision = sh`az ml workspace provision-network ${where}`;
  const show = sh`az ml workspace show ${where} --query managed_network`;
  if (eqi(network.status, "Active")) {
    const spark =
      network.sparkReady === false
        ? "; serverless Spark jobs need it provisioned again with --include-spark (sparkReady false)"
        : "";
    report.pass("provisioned", resourceId, { mode, spark }, evidence);
  } else if (eqi(network.status, "Inactive")) {
    report.warn(
      "not-provisioned",
      resourceId,
      { mode, status: network.status ?? "" },
      evidence,
      `Provision it now: ${provision} (add --include-spark if you will submit serverless Spark jobs), then check it: ${show}`,
    );
  } else if (network.status !== undefined) {
    report.unknown("status-unrecognised", resourceId, { mode, status: network.status }, evidence, `Check it: ${show}`);
  } else {
    report.unknown(
      "status-unknown",
      resourceId,
      { mode },
      evidence,
      `Check the status with ${show}; provision with ${provision}`,
    );
  }
}

// ---- judging outbound rules -------------------------------------------------------------------

interface Match {
  coverage: Coverage;
  /** The rule denies rather than allows (service tag rules with action Deny). */
  deny: boolean;
}

interface Verdict {
  status: Extract<Status, "pass" | "fail" | "unknown">;
  reason: string;
  allowing: ManagedOutboundRule[];
  pending: boolean;
  inactive: ManagedOutboundRule[];
  evidence: Record<string, unknown>;
}

class RuleJudge {
  constructor(
    private readonly rules: ManagedOutboundRule[],
    private readonly pending: boolean,
  ) {}

  verdict(match: (rule: ManagedOutboundRule) => Match): Verdict {
    const allowYes: ManagedOutboundRule[] = [];
    const allowMaybe: ManagedOutboundRule[] = [];
    const denying: Array<{ rule: ManagedOutboundRule; coverage: Coverage }> = [];
    const inactive: ManagedOutboundRule[] = [];
    for (const rule of this.rules) {
      const { coverage, deny } = match(rule);
      if (coverage === "no") continue;
      if (!this.pending && eqi(rule.status, "Inactive")) inactive.push(rule);
      else if (deny) denying.push({ rule, coverage });
      else (coverage === "yes" ? allowYes : allowMaybe).push(rule);
    }
    const evidence = {
      allowingRules: allowYes.map(describeRule),
      uncertainRules: allowMaybe.map(describeRule),
      denyingRules: denying.map(({ rule }) => describeRule(rule)),
      inactiveRules: inactive.map(describeRule),
      pendingProvisioning: this.pending,
    };
    const verdict = (status: Verdict["status"], reason: string): Verdict => ({
      status,
      reason,
      allowing: allowYes,
      pending: this.pending,
      inactive,
      evidence,
    });
    if (denying.length > 0 && allowYes.length > 0) {
      return verdict(
        "unknown",
        `allow rule ${names(allowYes)} and deny rule ${names(denying.map(({ rule }) => rule))} both match, and the workspace does not show which wins`,
      );
    }
    if (allowYes.length > 0) return verdict("pass", "");
    if (denying.some(({ coverage }) => coverage === "yes")) return verdict("fail", "");
    if (allowMaybe.length > 0 || denying.length > 0) {
      return verdict(
        "unknown",
        `rule ${names([...allowMaybe, ...denying.map(({ rule }) => rule)])} may or may not cover it (a wider wildcard, another region, or an unreadable port or protocol)`,
      );
    }
    return verdict("fail", "");
  }
}

/** The one finding for a destination: the message of `ids` that matches the verdict. */
function reportVerdict(
  report: FindingReportOf<typeof MESSAGES>,
  verdict: Verdict,
  resourceId: string,
  evidence: Record<string, unknown>,
  ids: Record<"allowed" | "blocked" | "uncertain", keyof typeof MESSAGES>,
  data: Record<string, string>,
  addRule: () => string,
): void {
  if (verdict.status === "pass") {
    const pending = verdict.pending ? " (in effect once the managed network is provisioned)" : "";
    report.pass(ids.allowed, resourceId, { ...data, rules: names(verdict.allowing), pending }, evidence);
    return;
  }
  if (verdict.status === "unknown") {
    report.unknown(
      ids.uncertain,
      resourceId,
      { ...data, reason: verdict.reason },
      evidence,
      `Add an exact rule: ${addRule()}`,
    );
    return;
  }
  const inactive = verdict.inactive.length > 0 ? `; rule ${names(verdict.inactive)} matches but is Inactive` : "";
  const reactivate =
    verdict.inactive.length > 0
      ? `Turn rule ${names(verdict.inactive)} back on (portal: workspace > Networking > Workspace outbound access > Active), or add one: `
      : "";
  report.fail(ids.blocked, resourceId, { ...data, inactive }, evidence, `${reactivate}${addRule()}`);
}

/** The workspace's registry: a private endpoint rule to it, or an FQDN rule for its login server. */
function registryCoverage(rule: ManagedOutboundRule, registryId: string, loginServer: string, region: string): Match {
  if (eqi(rule.type, "PrivateEndpoint")) {
    if (!rule.serviceResourceId || !sameId(rule.serviceResourceId, registryId)) return { coverage: "no", deny: false };
    // A registry has one sub-resource, "registry"; a rule that names none means it.
    return {
      coverage: rule.subresourceTarget === undefined || eqi(rule.subresourceTarget, "registry") ? "yes" : "no",
      deny: false,
    };
  }
  if (eqi(rule.type, "FQDN")) return { coverage: rule.fqdn ? fqdnCoverage(rule.fqdn, loginServer) : "no", deny: false };
  if (eqi(rule.type, "ServiceTag") && rule.serviceTag) {
    // AzureContainerRegistry reaches only the registry's public endpoint, which its own network rules may refuse.
    const tag = prefixCoversDestination(
      rule.serviceTag,
      { kind: "tag", tag: "AzureContainerRegistry", region },
      { vnetPrefixes: [] },
    );
    return {
      coverage: weakest(tag === "no" ? "no" : "maybe", transportCoverage(rule)),
      deny: eqi(rule.action, "Deny"),
    };
  }
  return { coverage: "no", deny: false };
}

/** Microsoft Container Registry: a service tag rule for TCP 443, or an FQDN rule. */
function microsoftCoverage(rule: ManagedOutboundRule, tag: string, fqdn: string, region: string): Match {
  if (eqi(rule.type, "FQDN")) return { coverage: rule.fqdn ? fqdnCoverage(rule.fqdn, fqdn) : "no", deny: false };
  if (eqi(rule.type, "ServiceTag") && rule.serviceTag) {
    const covered = prefixCoversDestination(rule.serviceTag, { kind: "tag", tag, region }, { vnetPrefixes: [] });
    return { coverage: weakest(covered, transportCoverage(rule)), deny: eqi(rule.action, "Deny") };
  }
  return { coverage: "no", deny: false };
}

/** Does a service tag rule's protocol and port ranges cover TCP 443? ("*" is any; "80, 443" and "400-500" are lists and ranges.) */
function transportCoverage(rule: ManagedOutboundRule): Coverage {
  const protocol = rule.protocol?.trim();
  const protocolCoverage: Coverage =
    protocol === undefined ? "maybe" : protocol === "*" || eqi(protocol, "TCP") || eqi(protocol, "Any") ? "yes" : "no";
  return weakest(protocolCoverage, portCoverage(rule.portRanges));
}

function portCoverage(portRanges: string | undefined): Coverage {
  if (portRanges === undefined || portRanges.trim() === "") return "maybe";
  let unreadable = false;
  for (const part of portRanges.split(",").map((range) => range.trim())) {
    if (part === "*") return "yes";
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) {
      unreadable = true;
      continue;
    }
    const low = Number(match[1]);
    const high = Number(match[2] ?? match[1]);
    if (low <= PORT && PORT <= high) return "yes";
  }
  return unreadable ? "maybe" : "no";
}

/**
 * Does an FQDN rule (host or `*.` wildcard) cover a host (or every host of a `*.` wildcard)? A wildcard one
 * label up covers; a wider one only may (how deep the firewall's wildcard reaches is not shown here).
 */
function fqdnCoverage(rule: string, host: string): Coverage {
  const r = normaliseFqdn(rule);
  const h = normaliseFqdn(host);
  if (r === h) return "yes";
  if (r === "*") return "maybe";
  const hostWildcard = h.startsWith("*.");
  const hostBase = hostWildcard ? h.slice(2) : h;
  if (r.startsWith("*.")) {
    const ruleBase = r.slice(2);
    if (!hostBase.endsWith(`.${ruleBase}`)) return "no";
    const extra = hostBase.slice(0, -(ruleBase.length + 1));
    return !hostWildcard && !extra.includes(".") ? "yes" : "maybe";
  }
  // One host under a wildcard destination: covers one of its endpoints, maybe the one used.
  if (hostWildcard && r.endsWith(`.${hostBase}`) && !r.slice(0, -(hostBase.length + 1)).includes(".")) return "maybe";
  return "no";
}

function normaliseFqdn(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

const RANK: Record<Coverage, number> = { no: 0, maybe: 1, yes: 2 };
function weakest(...coverages: Coverage[]): Coverage {
  return coverages.reduce((worst, next) => (RANK[next] < RANK[worst] ? next : worst), "yes");
}

/** The registry's login server as ARM reports it (sovereign clouds differ), else `<name>.azurecr.io`. */
function loginServerOf(raw: unknown, registryId: string): string {
  return asString(asObject(asObject(raw)?.properties)?.loginServer) ?? `${nameOf(registryId).toLowerCase()}.azurecr.io`;
}

function describeRule(rule: ManagedOutboundRule): Record<string, unknown> {
  return {
    name: rule.name,
    type: rule.type ?? null,
    category: rule.category ?? null,
    status: rule.status ?? null,
    ...(rule.fqdn !== undefined ? { destination: rule.fqdn } : {}),
    ...(rule.serviceResourceId !== undefined
      ? { serviceResourceId: rule.serviceResourceId, subresourceTarget: rule.subresourceTarget ?? null }
      : {}),
    ...(rule.serviceTag !== undefined
      ? {
          serviceTag: rule.serviceTag,
          protocol: rule.protocol ?? null,
          portRanges: rule.portRanges ?? null,
          action: rule.action ?? null,
        }
      : {}),
  };
}

function names(rules: ManagedOutboundRule[]): string {
  return rules.map((rule) => rule.name).join(", ");
}

function ruleArgs(target: SnapshotTarget, rule: string): ShellWords {
  return shWords`-g ${target.resourceGroup} --workspace-name ${target.workspace} --subscription ${target.subscriptionId} --rule ${rule}`;
}
