// Shared by the per-check tables in this folder: the healthy workspace's resource IDs, the scenario
// mutations every table makes (ARM wire format), and the two ways a table asserts a case: as a set of
// expected findings with their evidence, or as `status:messageId` in report order.

import { describe, expect, test } from "vitest";
import type { Status } from "../../src/core/status.js";
import type { Scenario } from "../fake-arm/scenario.js";
import {
  HEALTHY,
  auditScenario,
  findingIds,
  healthyScenario,
  resource,
  type AuditResult,
  type Json,
} from "../harness.js";

export type { Json };

// ---- IDs of the healthy workspace (examples/healthy-workspace.json) --------------------------------

export const RG_ID = `/subscriptions/${HEALTHY.subscriptionId}/resourceGroups/${HEALTHY.resourceGroup}`;
export const NET = `${RG_ID}/providers/Microsoft.Network`;
export const WS_ID = `${RG_ID}/providers/Microsoft.MachineLearningServices/workspaces/${HEALTHY.workspace}`;
export const STORAGE_ID = `${RG_ID}/providers/Microsoft.Storage/storageAccounts/mlresearchstore`;
export const ACR_ID = `${RG_ID}/providers/Microsoft.ContainerRegistry/registries/mlresearchacr`;
export const KV_ID = `${RG_ID}/providers/Microsoft.KeyVault/vaults/ml-research-kv`;
export const VNET_ID = `${NET}/virtualNetworks/ml-vnet`;
/** The subnet every compute of the healthy workspace runs in. */
export const TRAINING = `${VNET_ID}/subnets/training`;
export const computeId = (name: string) => `${WS_ID}/computes/${name}`;
export const peId = (name: string) => `${NET}/privateEndpoints/${name}`;
export const vnetId = (name: string) => `${NET}/virtualNetworks/${name}`;

// ---- resource accessors -----------------------------------------------------------------------------

export const workspace = (s: Scenario) => resource(s, WS_ID);
export const storage = (s: Scenario) => resource(s, STORAGE_ID);
export const registry = (s: Scenario) => resource(s, ACR_ID);
export const keyVault = (s: Scenario) => resource(s, KV_ID);
export const compute = (s: Scenario, name: string) => resource(s, computeId(name));

// ---- scenario mutations (ARM wire format) -----------------------------------------------------------

/** A storage account's or key vault's `networkAcls`, or a registry's `networkRuleSet`. */
export function ruleSet(dependency: Json): Json {
  const field = /storageAccounts|vaults/i.test(dependency.id) ? "networkAcls" : "networkRuleSet";
  dependency.properties[field] ??= {};
  return dependency.properties[field];
}

/** Admits traffic from all networks. */
export function makePublic(dependency: Json): void {
  dependency.properties.publicNetworkAccess = "Enabled";
  ruleSet(dependency).defaultAction = "Allow";
}

/**
 * Public endpoint on, default Deny, virtual-network rules for these subnets, no private endpoints.
 * `rule` adds fields to every virtual-network rule (e.g. a storage rule's `state`).
 */
export function serviceEndpointsOnly(dependency: Json, subnets: string[], rule: Record<string, unknown> = {}): void {
  dependency.properties.publicNetworkAccess = "Enabled";
  const rules = ruleSet(dependency);
  rules.defaultAction = "Deny";
  rules.virtualNetworkRules = subnets.map((id) => ({ id, action: "Allow", ...rule }));
  dependency.properties.privateEndpointConnections = [];
}

/** Puts a compute in this subnet, or in none (`undefined`). */
export function setSubnet(s: Scenario, computeName: string, subnetId: string | undefined): void {
  const inner = compute(s, computeName).properties.properties;
  if (subnetId === undefined) delete inner.subnet;
  else inner.subnet = { id: subnetId };
}

/** Adds a compute of the workspace with these `properties` (computeType, provisioningState, inner `properties`). */
export function addCompute(s: Scenario, name: string, properties: Json): void {
  s.resources.push({
    id: computeId(name),
    name,
    type: "Microsoft.MachineLearningServices/workspaces/computes",
    location: "westeurope",
    properties,
  });
}

export interface VnetOptions {
  /** The name of its one subnet; default "endpoints". */
  subnet?: string;
  location?: string;
  /** Added to the subnet's `properties` (after its addressPrefix). */
  subnetProperties?: Json;
}

/** Adds a VNet (address space `prefix`, no peerings) with one subnet on the first /24 of it; returns the subnet ID. */
export function addVnet(
  s: Scenario,
  name: string,
  prefix: string,
  { subnet = "endpoints", location = "westeurope", subnetProperties = {} }: VnetOptions = {},
): string {
  const id = vnetId(name);
  s.resources.push({
    id,
    name,
    type: "Microsoft.Network/virtualNetworks",
    location,
    properties: {
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: [prefix] },
      subnets: [
        {
          id: `${id}/subnets/${subnet}`,
          name: subnet,
          type: "Microsoft.Network/virtualNetworks/subnets",
          properties: { addressPrefix: prefix.replace(/\/\d+$/, "/24"), ...subnetProperties },
        },
      ],
      virtualNetworkPeerings: [],
    },
  });
  return `${id}/subnets/${subnet}`;
}

/** A peering on VNet `fromName` towards `toVnetId`, as ARM shows it; `properties` adds to its properties. */
export function peer(
  s: Scenario,
  fromName: string,
  toVnetId: string,
  peeringState: string,
  properties: Json = {},
): void {
  const from = resource(s, vnetId(fromName));
  const name = `${fromName}-to-${toVnetId.split("/").pop()}`;
  from.properties.virtualNetworkPeerings.push({
    id: `${from.id}/virtualNetworkPeerings/${name}`,
    name,
    type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    properties: {
      peeringState,
      remoteVirtualNetwork: { id: toVnetId },
      allowVirtualNetworkAccess: true,
      provisioningState: "Succeeded",
      ...properties,
    },
  });
}

/** Moves these private endpoints into this subnet. */
export function moveEndpoints(s: Scenario, subnetId: string, names: readonly string[]): void {
  for (const name of names) resource(s, peId(name)).properties.subnet = { id: subnetId };
}

/** The NSG on the healthy workspace's compute subnet. */
export const TRAINING_NSG = `${NET}/networkSecurityGroups/training-nsg`;

/** An NSG security rule in ARM wire format (`properties` nested). Defaults: outbound deny of everything at priority 100. */
export function securityRule(name: string, props: Json, nsgId = TRAINING_NSG): Json {
  return {
    id: `${nsgId}/securityRules/${name}`,
    name,
    type: "Microsoft.Network/networkSecurityGroups/securityRules",
    properties: {
      priority: 100,
      direction: "Outbound",
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "*",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "*",
      provisioningState: "Succeeded",
      ...props,
    },
  };
}

/** Every GET whose path matches `path` answers with this error (default 403 AuthorizationFailed). */
export function fault(s: Scenario, path: string, status = 403, code = "AuthorizationFailed"): void {
  (s.faults ??= []).push({ method: "GET", path, status, code });
}

// ---- cases asserted as a set of findings with their evidence ----------------------------------------

export interface ExpectedFinding {
  status: Status;
  messageId: string;
  resourceId?: string;
  evidence?: Record<string, unknown>;
  /** Substrings the remediation must contain (commands and permissions, not prose). */
  remediation?: string[];
}

export interface Case {
  name: string;
  mutate?: (s: Scenario) => void;
  expect: { status: Status; findings: ExpectedFinding[] };
  /** Extra assertions on the whole audit (collection errors, remediation). */
  also?: (audit: AuditResult) => void;
}

/**
 * Audits the healthy workspace with the case's mutation, running only `check`, and asserts: exactly
 * the expected findings (status and message id) in any order, each on its resource with its evidence
 * and remediation, and the check's status.
 */
async function runCase(check: string, c: Case): Promise<AuditResult> {
  const s = healthyScenario();
  c.mutate?.(s);
  const audit = await auditScenario(s, { only: [check] });
  const result = audit.check(check);
  // Exactly these findings (status and message id), in any order…
  expect(findingIds(result).sort()).toEqual(c.expect.findings.map((f) => `${f.status}:${f.messageId}`).sort());
  // …each on its resource and carrying the evidence that decided it…
  for (const want of c.expect.findings) {
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        status: want.status,
        messageId: want.messageId,
        ...(want.resourceId ? { resourceId: want.resourceId } : {}),
        ...(want.evidence ? { evidence: expect.objectContaining(want.evidence) } : {}),
        ...(want.remediation ? { remediation: expect.stringMatching(containsAll(want.remediation)) } : {}),
      }),
    );
  }
  // …and the check's status is the worst of them.
  expect(result.status).toBe(c.expect.status);
  c.also?.(audit);
  return audit;
}

/**
 * Runs each table of cases under a `describe` named for its verdict (e.g. "pass", "fail"); each case is
 * a test named for the case. Call inside the check's own `describe`.
 */
export function testCaseTables(check: string, tables: ReadonlyArray<readonly [verdict: string, cases: Case[]]>): void {
  describe.each(tables)("%s", (_verdict, cases) => {
    test.each(cases)("$name", async (c) => {
      await runCase(check, c);
    });
  });
}

/** Parts of the workspace whose read the engine needs, by the `part` its findings name. */
const READABLE_PARTS = {
  computes: {
    path: "/computes$",
    resourceId: `${WS_ID}/computes`,
    permission: "Microsoft.MachineLearningServices/workspaces/computes/read",
  },
  registry: {
    path: "/registries/mlresearchacr$",
    resourceId: ACR_ID,
    permission: "Microsoft.ContainerRegistry/registries/read",
  },
  storage: {
    path: "/storageAccounts/mlresearchstore$",
    resourceId: STORAGE_ID,
    permission: "Microsoft.Storage/storageAccounts/read",
  },
  keyVault: { path: "/vaults/ml-research-kv$", resourceId: KV_ID, permission: "Microsoft.KeyVault/vaults/read" },
} as const;

/**
 * The GET of a part the check requires returns 403, so the engine answers for the check: unknown, one
 * `part-unreadable` finding on that resource naming the part and the missing permission (plus `evidence`).
 */
export function partUnreadableCase(
  name: string,
  part: keyof typeof READABLE_PARTS,
  evidence: Record<string, unknown> = {},
): Case {
  const { path, resourceId, permission } = READABLE_PARTS[part];
  return {
    name,
    mutate: (s) => fault(s, path),
    expect: {
      status: "unknown",
      findings: [
        {
          status: "unknown",
          messageId: "part-unreadable",
          resourceId,
          evidence: { part, statusCode: 403, missingPermission: permission, ...evidence },
        },
      ],
    },
  };
}

/** A pattern matching text that contains every one of these parts literally, in any order. */
function containsAll(parts: string[]): RegExp {
  return new RegExp(parts.map((part) => `(?=[\\s\\S]*${escape(part)})`).join(""));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---- cases asserted on the findings in report order ------------------------------------------------

export interface ReportOrderCase {
  name: string;
  mutate?: (scenario: Scenario) => void;
  status: Status;
  /** `status:messageId` per finding, in report order (worst first). */
  ids: string[];
  verify?: (result: AuditResult) => void;
}

/** Asserts the check's findings in report order, its status, then the case's own `verify`. */
export function expectInReportOrder(
  result: AuditResult,
  check: string,
  { status, ids, verify }: ReportOrderCase,
): void {
  const found = result.check(check);
  expect(findingIds(found)).toEqual(ids);
  expect(found.status).toBe(status);
  verify?.(result);
}

// ---- what a check reads ---------------------------------------------------------------------------

/**
 * Audits the healthy workspace running only `check` and asserts that it ran alone, wrote nothing,
 * requested no path matching `forbidden`, and collected without errors.
 */
export async function expectReadsOnlyWhatItRequires(check: string, forbidden: RegExp): Promise<AuditResult> {
  const audit = await auditScenario(healthyScenario(), { only: [check] });
  expect(audit.report.checks.map((result) => result.id)).toEqual([check]);
  expect(audit.requests.filter((request) => request.method !== "GET")).toEqual([]);
  expect(audit.requests.filter((request) => forbidden.test(request.path))).toEqual([]);
  expect(audit.snapshot.errors).toEqual([]);
  return audit;
}
