// End to end, the fault matrix: the built CLI against the fake ARM with faults injected into one
// kind of read at a time (throttling, 5xx, dropped connections, a response that never comes, a
// malformed body, 403 on every read operation, 404 on every dependency, the whole-run deadline).
// Each case asserts the per-check verdicts (--format json), the exit code and the read's entry in
// collection.errors or collection.retries. Waits are kept short through the CLI's flags
// (--retry-delay, --request-timeout, --timeout, Retry-After of 1 s), never by changing defaults.
// Every scenario carries fresh random secrets; the last test checks that none of them, including
// those some faults echo in their error messages, appears in any output of any run.
// Build first (`npx tsc -p tsconfig.json`; `npm test` does it through pretest).

import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { FORMATS } from "../../reports/formats.js";
import { READ_PERMISSIONS, type Operation } from "../../src/collect/permissions.js";
import type { PartName } from "../../src/snapshot/types.js";
import type { RequestLogEntry } from "../fake-arm/server.js";
import type { Fault, Scenario } from "../fake-arm/scenario.js";
import { healthyScenario } from "../harness.js";
import { firewallBody, resolverBody } from "../checks/dns-forwarders.js";
import { randomSecret, type CliResult, type RunOptions } from "./run-cli.js";
import {
  ALL_IDS,
  KEY_VAULT_ID,
  REGISTRY_ID,
  RG,
  STORAGE_ID,
  SUB,
  TARGET,
  WORKSPACE_ID,
  WS,
  e2eSession,
  expectReadOnlyRuns,
  expectUsageError,
  parseReport,
  pathOf,
  readLog,
  statuses,
  type Fake,
  type ReportJson,
} from "./support.js";

const { runs, scratch, fakeArm, live, allRequests } = e2eSession("preflight-faults-");

const COMPUTES_ID = `${WORKSPACE_ID}/computes`;
const VNET_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/ml-vnet`;
const NSG_LIST_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups`;
const TYPES_PATH = `/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/availablePrivateEndpointTypes`;
/** What a plain live run may take at most on a loaded machine; a run that waits out a fault takes far longer. */
const GUARD_MS = 20_000;
/** For runs whose fault would hold them 30 s or more if the CLI did not cut it short. */
const SHORT_GUARD_MS = 15_000;
/** For runs cut short by a time limit of their own (15 s at most) while a fault would hold them 60 s. */
const LIMITED_GUARD_MS = 35_000;

type Check = ReportJson["checks"][number];

// ---------------------------------------------------------------------------------------------
// Secrets: every scenario gets its own; the last test looks for all of them in every output.

interface Secrets {
  storageKey1: string;
  storageKey2: string;
  acrPassword1: string;
  acrPassword2: string;
  notebookKey1: string;
  notebookKey2: string;
}

/** Every secret planted by this file. */
const planted: string[] = [];
/** Every report file written by a run of this file (--report, --out). */
const reportFiles: string[] = [];

/** An Azure storage key: 64 random bytes, base64 (88 characters). */
function storageKey(): string {
  return randomBytes(64).toString("base64");
}

/**
 * The healthy workspace (every check passes) with fresh secrets: the storage account's keys, the
 * registry's passwords and the workspace's cached copies of them (in sync), its notebook keys.
 */
function plantedScenario(faults: Fault[] = []): { scenario: Scenario; secrets: Secrets } {
  const secrets: Secrets = {
    storageKey1: storageKey(),
    storageKey2: storageKey(),
    acrPassword1: randomSecret(),
    acrPassword2: randomSecret(),
    notebookKey1: randomSecret(),
    notebookKey2: randomSecret(),
  };
  planted.push(...Object.values(secrets));
  const scenario = healthyScenario();
  const actions = scenario.actions ?? {};
  const workspaceKeys = actions[`${WORKSPACE_ID}/listKeys`] as Record<string, any>;
  const storageKeys = actions[`${STORAGE_ID}/listKeys`] as { keys: Array<{ value: string }> };
  const registryCredentials = actions[`${REGISTRY_ID}/listCredentials`] as { passwords: Array<{ value: string }> };
  if (!workspaceKeys || storageKeys?.keys.length !== 2 || registryCredentials?.passwords.length !== 2) {
    throw new Error("the healthy scenario no longer has the key actions this file plants secrets in");
  }
  workspaceKeys.userStorageKey = secrets.storageKey1;
  workspaceKeys.containerRegistryCredentials.passwords = [
    { name: "password", value: secrets.acrPassword1 },
    { name: "password2", value: secrets.acrPassword2 },
  ];
  workspaceKeys.notebookAccessKeys = {
    primaryAccessKey: secrets.notebookKey1,
    secondaryAccessKey: secrets.notebookKey2,
  };
  (storageKeys.keys[0] as { value: string }).value = secrets.storageKey1;
  (storageKeys.keys[1] as { value: string }).value = secrets.storageKey2;
  (registryCredentials.passwords[0] as { value: string }).value = secrets.acrPassword1;
  (registryCredentials.passwords[1] as { value: string }).value = secrets.acrPassword2;
  scenario.faults = faults;
  return { scenario, secrets };
}

/** A fake ARM serving the healthy workspace (fresh secrets) with these faults. */
function faultyArm(faults: Fault[]): Promise<Fake> {
  return fakeArm(plantedScenario(faults).scenario);
}

// ---------------------------------------------------------------------------------------------
// Running and judging.

/** `preflight --format json` against the fake: the schema-valid report and the run. */
async function audit(
  fake: Fake,
  args: readonly string[] = [],
  options: RunOptions = {},
): Promise<{ result: CliResult; report: ReportJson }> {
  const result = await live(fake, [...TARGET, "--format", "json", ...args], { timeoutMs: GUARD_MS, ...options });
  expect(result.stdout, `no report on stdout (exit ${result.code}): ${result.stderr}`).not.toBe("");
  return { result, report: parseReport(result.stdout) };
}

/** On the healthy workspace these checks do not apply (its own VNet; no --diagnose): skip, not pass. */
const HEALTHY_SKIP: readonly string[] = ["managed-network", "workspace-diagnose"];

/** Every check has its healthy verdict (pass, or skip for HEALTHY_SKIP) except those named, which have the given status. */
function expectVerdicts(report: ReportJson, changed: Record<string, string> = {}): void {
  for (const id of Object.keys(changed)) expect(ALL_IDS, `unknown check id ${id} in the expectation`).toContain(id);
  expect(statuses(report)).toEqual(
    Object.fromEntries(ALL_IDS.map((id) => [id, changed[id] ?? (HEALTHY_SKIP.includes(id) ? "skip" : "pass")])),
  );
}

function unknownOf(...ids: string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [id, "unknown"]));
}

function checkOf(report: ReportJson, id: string): Check {
  const check = report.checks.find((candidate) => candidate.id === id);
  if (!check) throw new Error(`check ${id} not in the report`);
  return check;
}

/** The checks that declare `part` in `requires`. */
function requiring(part: PartName): string[] {
  return CHECKS.filter((check) => (check.requires as readonly string[]).includes(part)).map((check) => check.id);
}

/** The requests whose path (without query) matches `pattern`, with this method. */
async function requestsTo(fake: Fake, method: string, pattern: RegExp): Promise<RequestLogEntry[]> {
  return (await readLog(fake.logFile)).filter((entry) => entry.method === method && pattern.test(pathOf(entry)));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The healthy workspace's report, read once (fresh secrets), to compare unaffected checks with. */
let healthyReport: Promise<ReportJson> | undefined;
function healthyBaseline(): Promise<ReportJson> {
  healthyReport ??= (async () => {
    const { result, report } = await audit(await faultyArm([]));
    expect(result.code, result.stderr).toBe(0);
    expectVerdicts(report);
    expect(report.collection.errors).toEqual([]);
    expect(report.collection.retries).toEqual([]);
    return report;
  })();
  return healthyReport;
}

/** Checks not in `affected` are exactly as on the healthy workspace: same status, same findings. */
async function expectOthersUnchanged(report: ReportJson, affected: readonly string[]): Promise<void> {
  const baseline = await healthyBaseline();
  for (const id of ALL_IDS.filter((candidate) => !affected.includes(candidate))) {
    expect(checkOf(report, id), `${id} changed`).toEqual(checkOf(baseline, id));
  }
}

// ---------------------------------------------------------------------------------------------
// 403 on each kind of read.

interface ReadFault {
  method: "GET" | "POST";
  /** Path regex (no query) that matches this operation's requests and no other's. */
  path: string;
  part: PartName;
  /** The checks whose verdict turns unknown on the healthy workspace. */
  unknown: string[];
  /** Faults that make the read happen at all (the NSG is read on its own only when the prefetch misses it). */
  enabling?: Fault[];
  /** Arguments instead of TARGET (the workspaces list is read only without --resource-group). */
  target?: string[];
  /** Without this read there is nothing to audit: exit 2. */
  fatal?: boolean;
  /** Checks whose verdict stands without the read but whose evidence shows it missing. */
  evidenceOnly?: string[];
}

/** The single audit's reads: every operation but the fleet's Resource Graph sweep (test/e2e/fleet.test.ts has its 403). */
type AuditOperation = Exclude<Operation, "resource graph query">;
const AUDIT_OPERATIONS = (Object.keys(READ_PERMISSIONS) as Operation[]).filter(
  (operation): operation is AuditOperation => operation !== "resource graph query",
);

const READ_FAULTS: Record<AuditOperation, ReadFault> = {
  "workspace get": { method: "GET", path: "/workspaces/ml-research$", part: "workspace", unknown: [], fatal: true },
  "workspaces list": {
    method: "GET",
    path: "^/subscriptions/[^/]+/providers/Microsoft\\.MachineLearningServices/workspaces$",
    part: "workspace",
    unknown: [],
    fatal: true,
    target: ["--workspace", WS, "--subscription", SUB],
  },
  "computes list": {
    method: "GET",
    path: "/workspaces/ml-research/computes$",
    part: "computes",
    unknown: [
      "acr-vnet-image-build",
      "compute-region",
      "forced-tunneling",
      "private-dns",
      "registry-policies",
      "required-outbound",
      "service-tags-outbound",
      "subnet-colocation",
    ],
  },
  "workspace listKeys": {
    method: "POST",
    path: "/workspaces/ml-research/listKeys$",
    part: "keys",
    unknown: ["key-sync"],
  },
  "storage get": {
    method: "GET",
    path: "/storageAccounts/mlresearchstore$",
    part: "storage",
    unknown: [
      "acr-vnet-image-build",
      "key-sync",
      "private-dns",
      "private-endpoint-region",
      "required-outbound",
      "subnet-colocation",
      "trusted-access",
    ],
  },
  "storage listKeys": {
    method: "POST",
    path: "/storageAccounts/mlresearchstore/listKeys$",
    part: "keys",
    unknown: ["key-sync"],
  },
  "registry get": {
    method: "GET",
    path: "/registries/mlresearchacr$",
    part: "registry",
    unknown: [
      "acr-vnet-image-build",
      "key-sync",
      "managed-network",
      "private-dns",
      "private-endpoint-region",
      "registry-policies",
      "required-outbound",
      "subnet-colocation",
      "trusted-access",
    ],
  },
  "registry listCredentials": {
    method: "POST",
    path: "/registries/mlresearchacr/listCredentials$",
    part: "keys",
    unknown: ["key-sync"],
  },
  "key vault get": {
    method: "GET",
    path: "/vaults/ml-research-kv$",
    part: "keyVault",
    unknown: ["private-dns", "private-endpoint-region", "required-outbound", "subnet-colocation"],
  },
  "private endpoint get": {
    method: "GET",
    path: "/privateEndpoints/[^/]+$",
    part: "privateEndpoints",
    unknown: [
      "acr-vnet-image-build",
      "private-dns",
      "private-endpoint-region",
      "required-outbound",
      "subnet-colocation",
    ],
  },
  // The compute subnet and every endpoint are in ml-vnet: reachability needs no VNet body (only a
  // peering would), so acr-vnet-image-build and subnet-colocation keep their verdicts.
  "virtual network get": {
    method: "GET",
    path: "/virtualNetworks/[^/]+$",
    part: "virtualNetworks",
    unknown: [
      "forced-tunneling",
      "private-dns",
      "private-endpoint-region",
      "required-outbound",
      "service-tags-outbound",
    ],
  },
  "network security group get": {
    method: "GET",
    path: "/networkSecurityGroups/[^/]+$",
    part: "networkSecurityGroups",
    unknown: ["required-outbound", "service-tags-outbound"],
    enabling: [{ method: "GET", path: "/networkSecurityGroups$", status: 500, code: "InternalServerError" }],
  },
  // Only a prefetch: a failed list is not a failed read, the NSG is then read on its own.
  "network security groups list": {
    method: "GET",
    path: "/networkSecurityGroups$",
    part: "networkSecurityGroups",
    unknown: [],
  },
  "availablePrivateEndpointTypes list": {
    method: "GET",
    path: "/availablePrivateEndpointTypes$",
    part: "privateEndpointTypes",
    unknown: ["private-endpoint-region"],
  },
  "route table get": { method: "GET", path: "/routeTables/[^/]+$", part: "routeTables", unknown: ["forced-tunneling"] },
  "private DNS zone groups list": {
    method: "GET",
    path: "/privateEndpoints/[^/]+/privateDnsZoneGroups$",
    part: "privateDns",
    unknown: ["private-dns"],
  },
  "private DNS zone get": {
    method: "GET",
    path: "/privateDnsZones/[^/]+$",
    part: "privateDns",
    unknown: ["private-dns"],
  },
  "virtual network links list": {
    method: "GET",
    path: "/privateDnsZones/[^/]+/virtualNetworkLinks$",
    part: "privateDns",
    unknown: ["private-dns"],
  },
  // The healthy workspace's VNet uses Azure DNS: what its DNS servers could be changes no verdict.
  "azure firewalls list": {
    method: "GET",
    path: "^/subscriptions/[^/]+/providers/Microsoft\\.Network/azureFirewalls$",
    part: "dnsForwarders",
    unknown: [],
  },
  "DNS resolvers list": {
    method: "GET",
    path: "^/subscriptions/[^/]+/providers/Microsoft\\.Network/dnsResolvers$",
    part: "dnsForwarders",
    unknown: [],
  },
  // Read only for a firewall that names a policy, and a resolver: the lists answer with one each.
  "firewall policy get": {
    method: "GET",
    path: "/firewallPolicies/[^/]+$",
    part: "dnsForwarders",
    unknown: [],
    enabling: [
      {
        method: "GET",
        path: "^/subscriptions/[^/]+/providers/Microsoft\\.Network/azureFirewalls$",
        body: JSON.stringify({ value: [firewallBody({ subnetId: `${VNET_ID}/subnets/training`, ip: "10.20.9.4" })] }),
      },
    ],
  },
  "inbound endpoints list": {
    method: "GET",
    path: "/dnsResolvers/[^/]+/inboundEndpoints$",
    part: "dnsForwarders",
    unknown: [],
    enabling: [
      {
        method: "GET",
        path: "^/subscriptions/[^/]+/providers/Microsoft\\.Network/dnsResolvers$",
        body: JSON.stringify({ value: [resolverBody(VNET_ID)] }),
      },
    ],
  },
  // Opt-in: only a run with --diagnose sends it.
  "workspace diagnose": {
    method: "POST",
    path: "/workspaces/ml-research/diagnose$",
    part: "diagnose",
    unknown: ["workspace-diagnose"],
    target: [...TARGET, "--diagnose"],
  },
};

/** A finding names the permission in its evidence (missingPermission) or its message. */
function namesPermission(finding: Record<string, unknown>, permission: string): boolean {
  const evidence = (finding.evidence ?? {}) as Record<string, unknown>;
  return evidence.missingPermission === permission || String(finding.message).includes(permission);
}

// ---------------------------------------------------------------------------------------------
// Faults that echo secrets in their error messages or bodies.

/**
 * `--verbose --format json` with a --report file in every other format: the report comes on stdout,
 * or with `out` in an --out file. Every file is kept for the last test.
 */
async function auditEveryOutput(
  fake: Fake,
  args: readonly string[],
  out = false,
): Promise<{ result: CliResult; report: ReportJson }> {
  const dir = await scratch("reports-");
  const outFile = join(dir, "out.json");
  const others = FORMATS.filter((format) => format !== "json").map((format) => join(dir, `report.${format}`));
  reportFiles.push(...others, ...(out ? [outFile] : []));
  const reports = others.flatMap((file) => ["--report", `${file.slice(file.lastIndexOf(".") + 1)}=${file}`]);
  const result = await live(
    fake,
    [...TARGET, "--verbose", "--format", "json", ...(out ? ["--out", outFile] : []), ...reports, ...args],
    { timeoutMs: GUARD_MS },
  );
  const report = parseReport(out ? await readFile(outFile, "utf8") : result.stdout);
  if (out) {
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^${ALL_IDS.length} checks: `, "m"));
  }
  for (const file of others) expect(await readFile(file, "utf8"), file).toMatch(/key-sync/);
  return { result, report };
}

function expectNoSecret(texts: string[], secrets: readonly string[]): void {
  for (const text of texts)
    for (const secret of secrets) expect(text.includes(secret), "a planted secret was printed").toBe(false);
}

// ---------------------------------------------------------------------------------------------
// The cases: independent of each other, so they all run at once (each on its own fake ARM).
describe.concurrent("fault matrix", () => {
  describe.concurrent("throttling (429) and Retry-After", () => {
    test("429 twice, then an answer: every check as on the healthy workspace, the retries noted", async () => {
      const fake = await faultyArm([
        {
          method: "GET",
          path: "/storageAccounts/mlresearchstore$",
          status: 429,
          code: "TooManyRequests",
          retryAfter: 1,
          times: 2,
        },
      ]);
      const { result, report } = await audit(fake);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report);
      await expectOthersUnchanged(report, []);
      expect(report.collection.errors).toEqual([]);
      expect(report.collection.retries).toEqual([
        { resourceId: STORAGE_ID, operation: "storage get", attempts: 3, statuses: [429, 429, 200] },
      ]);
      expect(
        (await requestsTo(fake, "GET", /\/storageAccounts\/mlresearchstore$/i)).map((entry) => entry.status),
      ).toEqual([429, 429, 200]);
    });

    test("ARM's read bucket nearly empty (the fake's throttle, 6 tokens, ARM's 25 a second): reads are paced by the remaining-reads header, no 429, nothing lost", async () => {
      const { scenario } = plantedScenario();
      // The reader counts on ARM's refill; a slower one in the fake would refuse what ARM would answer.
      scenario.throttle = { capacity: 6, refillPerSecond: 25 };
      const fake = await fakeArm(scenario);
      const { result, report } = await audit(fake);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report);
      expect(report.collection.errors).toEqual([]);
      const log = await readLog(fake.logFile);
      // Far more reads than the bucket holds, and ARM never had to refuse one: the reader waited for the refill.
      expect(log.filter((entry) => entry.method === "GET").length).toBeGreaterThan(3 * 6);
      expect(log.filter((entry) => entry.status === 429)).toEqual([]);
      expect(report.collection.retries).toEqual([]);
    });

    test("ARM's bucket emptied by someone else (a 429 before any remaining-reads header): the read waits out Retry-After and completes", async () => {
      const fake = await faultyArm([
        {
          method: "GET",
          path: "/storageAccounts/mlresearchstore$",
          status: 429,
          code: "SubscriptionRequestsThrottled",
          retryAfter: 1,
          times: 1,
        },
      ]);
      const { result, report } = await audit(fake);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report);
      expect(report.collection.errors).toEqual([]);
      expect(report.collection.retries).toEqual([
        expect.objectContaining({ resourceId: STORAGE_ID, operation: "storage get", statuses: [429, 200] }),
      ]);
    });

    test("429 on every attempt (--retries 1): the storage account's checks are unknown, 2 attempts", async () => {
      const fake = await faultyArm([
        {
          method: "GET",
          path: "/storageAccounts/mlresearchstore$",
          status: 429,
          code: "TooManyRequests",
          retryAfter: 1,
        },
      ]);
      const { result, report } = await audit(fake, ["--retries", "1"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf(...requiring("storage")));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({
          resourceId: STORAGE_ID,
          operation: "storage get",
          statusCode: 429,
          code: "TooManyRequests",
          attempts: 2,
        }),
      ]);
      expect(report.collection.retries).toEqual([]);
      expect(
        (await requestsTo(fake, "GET", /\/storageAccounts\/mlresearchstore$/i)).map((entry) => entry.status),
      ).toEqual([429, 429]);
    });

    test("Retry-After 3600 with default flags: unknown at once, naming --max-retry-after", async () => {
      const fake = await faultyArm([
        {
          method: "GET",
          path: "/storageAccounts/mlresearchstore$",
          status: 429,
          code: "TooManyRequests",
          retryAfter: 3600,
        },
      ]);
      // The default --max-retry-after is 60 s: waiting it out would outlast the guard.
      const { result, report } = await audit(fake, [], { timeoutMs: SHORT_GUARD_MS });
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf(...requiring("storage")));
      expect(report.collection.errors).toHaveLength(1);
      const error = report.collection.errors[0] ?? {};
      expect(error).toMatchObject({ resourceId: STORAGE_ID, operation: "storage get", statusCode: 429 });
      expect(error.attempts).toBeUndefined();
      expect(String(error.message)).toMatch(/ARM asked to wait 3600 s, longer than --max-retry-after 60 s/);
      expect(await requestsTo(fake, "GET", /\/storageAccounts\/mlresearchstore$/i)).toHaveLength(1);
    });
  });

  describe.concurrent("server errors (5xx)", () => {
    test("500 once, then an answer: all pass, the retry noted", async () => {
      const fake = await faultyArm([
        {
          method: "GET",
          path: "/workspaces/ml-research/computes$",
          status: 500,
          code: "InternalServerError",
          times: 1,
        },
      ]);
      const { result, report } = await audit(fake, ["--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report);
      await expectOthersUnchanged(report, []);
      expect(report.collection.errors).toEqual([]);
      expect(report.collection.retries).toEqual([
        { resourceId: COMPUTES_ID, operation: "computes list", attempts: 2, statuses: [500, 200] },
      ]);
    });

    test("503 without Retry-After once, then an answer: all pass, the retry noted", async () => {
      const fake = await faultyArm([
        { method: "GET", path: "/vaults/ml-research-kv$", status: 503, code: "ServiceUnavailable", times: 1 },
      ]);
      const { result, report } = await audit(fake, ["--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report);
      expect(report.collection.errors).toEqual([]);
      expect(report.collection.retries).toEqual([
        { resourceId: KEY_VAULT_ID, operation: "key vault get", attempts: 2, statuses: [503, 200] },
      ]);
    });

    test("500 on every attempt (--retries 2): attempts = retries + 1, the key vault's check unknown", async () => {
      const fake = await faultyArm([
        { method: "GET", path: "/vaults/ml-research-kv$", status: 500, code: "InternalServerError" },
      ]);
      const { result, report } = await audit(fake, ["--retries", "2", "--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf(...requiring("keyVault")));
      await expectOthersUnchanged(report, requiring("keyVault"));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({
          resourceId: KEY_VAULT_ID,
          operation: "key vault get",
          statusCode: 500,
          code: "InternalServerError",
          attempts: 3,
        }),
      ]);
      expect((await requestsTo(fake, "GET", /\/vaults\/ml-research-kv$/i)).map((entry) => entry.status)).toEqual([
        500, 500, 500,
      ]);
    });

    test("501 is not retried: one request, unknown", async () => {
      const fake = await faultyArm([
        { method: "GET", path: "/vaults/ml-research-kv$", status: 501, code: "NotImplemented" },
      ]);
      const { result, report } = await audit(fake, ["--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf(...requiring("keyVault")));
      expect(report.collection.errors).toHaveLength(1);
      const error = report.collection.errors[0] ?? {};
      expect(error).toMatchObject({
        resourceId: KEY_VAULT_ID,
        operation: "key vault get",
        statusCode: 501,
        code: "NotImplemented",
      });
      expect(error.attempts).toBeUndefined();
      expect(await requestsTo(fake, "GET", /\/vaults\/ml-research-kv$/i)).toHaveLength(1);
    });
  });

  describe.concurrent("dropped connections, silence and garbage", () => {
    test("connection reset once: retried, every check passes, statuses [0, 200]", async () => {
      const fake = await faultyArm([{ method: "GET", path: "/virtualNetworks/ml-vnet$", reset: true, times: 1 }]);
      const { result, report } = await audit(fake, ["--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report);
      expect(report.collection.errors).toEqual([]);
      expect(report.collection.retries).toEqual([
        { resourceId: VNET_ID, operation: "virtual network get", attempts: 2, statuses: [0, 200] },
      ]);
    });

    test("connection reset on every attempt: the checks that need the VNet body are unknown", async () => {
      const fake = await faultyArm([{ method: "GET", path: "/virtualNetworks/ml-vnet$", reset: true }]);
      const { result, report } = await audit(fake, ["--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      // Compute and endpoints share ml-vnet: the other VNet-requiring checks need no VNet body here.
      expectVerdicts(
        report,
        unknownOf(
          "forced-tunneling",
          "private-dns",
          "private-endpoint-region",
          "required-outbound",
          "service-tags-outbound",
        ),
      );
      expect(report.collection.errors).toHaveLength(1);
      const error = report.collection.errors[0] ?? {};
      expect(error).toMatchObject({ resourceId: VNET_ID, operation: "virtual network get", attempts: 4 });
      expect(error.statusCode).toBeUndefined();
      expect((await requestsTo(fake, "GET", /\/virtualNetworks\/ml-vnet$/i)).map((entry) => entry.status)).toEqual([
        0, 0, 0, 0,
      ]);
    });

    // The margins are seconds, not tenths: the suite runs files side by side, and a healthy read on a
    // loaded machine must not be mistaken for the one that never answers.
    test("an answer that never comes (--request-timeout 8): unknown with code Timeout, the CLI returns promptly", async () => {
      // A timed-out read is not retried, so every healthy read must answer within the 8 s.
      const fake = await faultyArm([{ method: "GET", path: "/vaults/ml-research-kv$", delayMs: 60_000 }]);
      const { result, report } = await audit(fake, ["--request-timeout", "8", "--retry-delay", "0.01"], {
        timeoutMs: LIMITED_GUARD_MS,
      });
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf(...requiring("keyVault")));
      await expectOthersUnchanged(report, requiring("keyVault"));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({
          resourceId: KEY_VAULT_ID,
          operation: "key vault get",
          code: "Timeout",
          message: expect.stringContaining("no answer within --request-timeout 8 s"),
        }),
      ]);
    });

    test("a malformed body (200, truncated JSON): unknown with PARSE_ERROR, the body not echoed", async () => {
      const body = '{"id": "/sub';
      const fake = await faultyArm([{ method: "GET", path: "/registries/mlresearchacr$", status: 200, body }]);
      const { result, report } = await audit(fake, ["--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf(...requiring("registry")));
      await expectOthersUnchanged(report, requiring("registry"));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({ resourceId: REGISTRY_ID, operation: "registry get", code: "PARSE_ERROR" }),
      ]);
      const message = String(report.collection.errors[0]?.message);
      expect(message).not.toContain(body);
      expect(message).not.toContain('"/sub');
      expect(result.stdout).not.toContain(body);
    });
  });

  describe.concurrent("paging", () => {
    test("pageSize 1: the same verdicts and findings as one page, following $skiptoken for computes, NSGs and endpoint types", async () => {
      const paged = (pageSize?: number): Scenario => {
        const { scenario } = plantedScenario();
        // A second NSG listed before the compute subnet's one, so the NSG list spans two pages too.
        const index = scenario.resources.findIndex((resource) =>
          resource.id.endsWith("/networkSecurityGroups/training-nsg"),
        );
        expect(index).toBeGreaterThan(-1);
        scenario.resources.splice(index, 0, {
          id: `${NSG_LIST_ID}/aaa-unattached-nsg`,
          name: "aaa-unattached-nsg",
          type: "Microsoft.Network/networkSecurityGroups",
          location: "westeurope",
          properties: { securityRules: [], defaultSecurityRules: [] },
        });
        if (pageSize !== undefined) scenario.pageSize = pageSize;
        return scenario;
      };
      const [onePage, manyPages] = await Promise.all([fakeArm(paged()), fakeArm(paged(1))]);
      const [single, multi] = await Promise.all([audit(onePage), audit(manyPages)]);
      expect(single.result.code, single.result.stderr).toBe(0);
      expect(multi.result.code, multi.result.stderr).toBe(0);
      expectVerdicts(multi.report);
      expect(multi.report.checks).toEqual(single.report.checks);
      expect(multi.report.collection.errors).toEqual([]);

      const singleLog = await readLog(onePage.logFile);
      const multiLog = await readLog(manyPages.logFile);
      expect(singleLog.filter((entry) => entry.path.includes("$skiptoken"))).toEqual([]);
      const pagesOf = (path: string) =>
        multiLog.filter((entry) => pathOf(entry) === path && entry.path.includes("$skiptoken=")).length;
      expect(pagesOf(COMPUTES_ID), "computes: 3 computes, 2 more pages").toBe(2);
      expect(pagesOf(NSG_LIST_ID), "NSGs: 2 NSGs, 1 more page").toBe(1);
      expect(pagesOf(TYPES_PATH)).toBeGreaterThan(0);
      // The prefetch followed the NSG list to its second page: the NSG was not read on its own.
      expect(multiLog.filter((entry) => /\/networkSecurityGroups\/[^/]+$/i.test(pathOf(entry)))).toEqual([]);
      expect(multi.report.collection.requests).toBe(multiLog.length);
    });
  });

  describe.concurrent("403 on each kind of read", () => {
    test("READ_FAULTS covers exactly READ_PERMISSIONS' operations", () => {
      expect(Object.keys(READ_FAULTS).sort()).toEqual([...AUDIT_OPERATIONS].sort());
      for (const [operation, spec] of Object.entries(READ_FAULTS)) {
        // A check that does not require the part cannot be changed by its read.
        for (const id of spec.unknown) expect(requiring(spec.part), `${operation}: ${id}`).toContain(id);
      }
    });

    test.each(AUDIT_OPERATIONS)("403 on %s", async (operation) => {
      const spec = READ_FAULTS[operation];
      const permission = READ_PERMISSIONS[operation];
      const fault: Fault = {
        method: spec.method,
        path: spec.path,
        status: 403,
        code: "AuthorizationFailed",
        // Says nothing of the permission: what names it in the report is the CLI's own mapping.
        message: "The client 'preflight-e2e' does not have authorization to perform this action.",
      };
      const fake = await faultyArm([fault, ...(spec.enabling ?? [])]);
      const pattern = new RegExp(spec.path, "i");
      const result = await live(fake, [...(spec.target ?? TARGET), "--format", "json", "--retry-delay", "0.01"], {
        timeoutMs: GUARD_MS,
      });

      // The fault hit this operation's requests and no others.
      const log = await readLog(fake.logFile);
      const forbidden = log.filter((entry) => entry.status === 403);
      expect(forbidden.length, `no request matched ${spec.method} ${spec.path}`).toBeGreaterThan(0);
      for (const entry of forbidden) {
        expect(entry.method).toBe(spec.method);
        expect(pathOf(entry)).toMatch(pattern);
      }

      if (spec.fatal) {
        expectUsageError(result, new RegExp(escapeRegExp(permission)));
        return;
      }
      expect(result.code, result.stderr).toBe(0);
      const report = parseReport(result.stdout);
      expectVerdicts(report, unknownOf(...spec.unknown));
      await expectOthersUnchanged(report, [...spec.unknown, ...(spec.evidenceOnly ?? [])]);
      for (const id of spec.unknown) {
        const unknowns = checkOf(report, id).findings.filter((finding) => finding.status === "unknown");
        expect(unknowns.length).toBeGreaterThan(0);
        for (const finding of unknowns)
          expect(namesPermission(finding, permission), `${id}: ${JSON.stringify(finding)}`).toBe(true);
      }
      if (operation === "network security groups list") {
        // The prefetch's failure changes no verdict and is no failed read; the NSG was read on its own.
        expect(report.collection.errors).toEqual([]);
        expect(
          log
            .filter((entry) => /\/networkSecurityGroups\/training-nsg$/i.test(pathOf(entry)))
            .map((entry) => entry.status),
        ).toEqual([200]);
        return;
      }
      expect(report.collection.errors.length).toBeGreaterThan(0);
      for (const error of report.collection.errors) {
        expect(error).toMatchObject({ operation, statusCode: 403, code: "AuthorizationFailed", permission });
        // ARM's own message, also where the SDK's pager raises its own ("Pagination failed ...").
        expect(error.message).toContain("does not have authorization to perform this action");
      }
    });
  });

  describe.concurrent("404 on each dependency the workspace references", () => {
    const dependencies: Array<[string, PartName, Operation, string, string]> = [
      ["storage account", "storage", "storage get", STORAGE_ID, "/storageAccounts/mlresearchstore$"],
      ["container registry", "registry", "registry get", REGISTRY_ID, "/registries/mlresearchacr$"],
      ["key vault", "keyVault", "key vault get", KEY_VAULT_ID, "/vaults/ml-research-kv$"],
    ];
    test.each(dependencies)(
      "%s gone: the checks requiring it fail with dangling-reference, exit 1",
      async (_kind, part, operation, id, path) => {
        const fake = await faultyArm([
          {
            method: "GET",
            path,
            status: 404,
            code: "ResourceNotFound",
            message: `The Resource '${id}' was not found.`,
          },
        ]);
        const { result, report } = await audit(fake);
        expect(result.code, result.stderr).toBe(1);
        const failing = requiring(part);
        expect(failing.length).toBeGreaterThan(0);
        expectVerdicts(report, Object.fromEntries(failing.map((checkId) => [checkId, "fail"])));
        await expectOthersUnchanged(report, failing);
        for (const checkId of failing) {
          const dangling = checkOf(report, checkId).findings.filter(
            (finding) => finding.messageId === "dangling-reference",
          );
          expect(dangling, checkId).toEqual([
            expect.objectContaining({ status: "fail", resourceId: id, message: expect.stringContaining(id) }),
          ]);
        }
        expect(report.collection.errors).toEqual([
          expect.objectContaining({ resourceId: id, operation, statusCode: 404, code: "ResourceNotFound" }),
        ]);
      },
    );
  });

  describe.concurrent("whole-run deadline (--timeout)", () => {
    test("a read slower than --timeout 15: the report still comes out, the unread parts unknown; exit 0, or 1 with --fail-on unknown", async () => {
      // 60 s: far beyond the guard, so a CLI that waited for the answer would be killed and fail the test.
      // 15 s: every other read, two runs side by side on a loaded machine, is made well within it.
      const fake = await faultyArm([{ method: "GET", path: "/vaults/ml-research-kv$", delayMs: 60_000 }]);
      const [plain, strict] = await Promise.all([
        audit(fake, ["--timeout", "15"], { timeoutMs: LIMITED_GUARD_MS }),
        audit(fake, ["--timeout", "15", "--fail-on", "unknown"], { timeoutMs: LIMITED_GUARD_MS }),
      ]);
      expect(plain.result.code, plain.result.stderr).toBe(0);
      expect(strict.result.code, strict.result.stderr).toBe(1);
      for (const { report } of [plain, strict]) {
        // Only what waits for the key vault is cut off: its own private endpoints and their DNS, and the
        // endpoint types (read once every endpoint is known). The checks that need those say unknown;
        // every other read is made and those checks judge as on the healthy workspace.
        // required-outbound judges TCP 443 to every endpoint, the key vault's included; subnet-colocation
        // judges whether the computes reach the key vault.
        const waiting = ["private-dns", "private-endpoint-region", "required-outbound", "subnet-colocation"];
        expectVerdicts(report, unknownOf(...waiting));
        expect(report.summary).toEqual({ fail: 0, unknown: 4, warn: 0, pass: 7, skip: 2 });
        const errors = report.collection.errors;
        expect(errors.length).toBeGreaterThan(1);
        for (const error of errors)
          expect(error).toMatchObject({
            code: "DeadlineExceeded",
            message: expect.stringContaining("--timeout of 15 s"),
          });
        expect(errors).toContainEqual(
          expect.objectContaining({ resourceId: KEY_VAULT_ID, operation: "key vault get", code: "DeadlineExceeded" }),
        );
        expect(checkOf(report, "private-endpoint-region").findings).toContainEqual(
          expect.objectContaining({
            status: "unknown",
            evidence: expect.objectContaining({ operation: "key vault get", code: "DeadlineExceeded" }),
          }),
        );
      }
      // Reads that would have started after the deadline were not made: the endpoint types wait for
      // every endpoint, the key vault's included.
      const log = await readLog(fake.logFile);
      expect(log.filter((entry) => /\/availablePrivateEndpointTypes$/i.test(pathOf(entry)))).toEqual([]);
      expect(log.filter((entry) => /\/listKeys$/i.test(pathOf(entry))).length).toBeGreaterThan(0);
    });
  });

  describe.concurrent("flag validation: exit 2, one line, no ARM request", () => {
    const badFlags: Array<[string, string, RegExp]> = [
      ["--timeout", "0", /--timeout must be .*\b0$/],
      ["--request-timeout", "-1", /--request-timeout must be .*-1$/],
      ["--retries", "1.5", /--retries must be .*1\.5$/],
      ["--max-retry-after", "abc", /--max-retry-after must be /],
    ];
    test.each(badFlags)("%s %s", async (flag, value, message) => {
      const fake = await faultyArm([]);
      const result = await live(fake, [...TARGET, flag, value], { timeoutMs: GUARD_MS });
      expectUsageError(result, message);
      expect(await readLog(fake.logFile)).toEqual([]);
    });
  });

  describe.concurrent("secrets echoed by faults are not printed", () => {
    test("a 500 on storage listKeys whose message holds both storage keys", async () => {
      const { scenario, secrets } = plantedScenario();
      scenario.faults = [
        {
          method: "POST",
          path: "/storageAccounts/mlresearchstore/listKeys$",
          status: 500,
          code: "InternalServerError",
          message: `Listing keys failed; key1=${secrets.storageKey1} key2 ${secrets.storageKey2}`,
        },
      ];
      const fake = await fakeArm(scenario);
      const { result, report } = await auditEveryOutput(fake, ["--retries", "1", "--retry-delay", "0.01"]);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf("key-sync"));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({
          resourceId: STORAGE_ID,
          operation: "storage listKeys",
          statusCode: 500,
          attempts: 2,
        }),
      ]);
      // The message is passed on (so its secrets were taken out of it, not the message dropped).
      const message = String(report.collection.errors[0]?.message);
      expect(message).toContain("Listing keys failed");
      expectNoSecret([message], [secrets.storageKey1, secrets.storageKey2]);
    });

    test("a 403 on the workspace's listKeys whose message holds the registry password and the storage key (never read as secrets)", async () => {
      const { scenario, secrets } = plantedScenario();
      scenario.faults = [
        {
          method: "POST",
          path: "/workspaces/ml-research/listKeys$",
          status: 403,
          code: "AuthorizationFailed",
          message: `Denied for registry password ${secrets.acrPassword1} and storage key "${secrets.storageKey1}".`,
        },
      ];
      const fake = await fakeArm(scenario);
      const { result, report } = await auditEveryOutput(fake, [], true);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf("key-sync"));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({
          operation: "workspace listKeys",
          statusCode: 403,
          permission: READ_PERMISSIONS["workspace listKeys"],
        }),
      ]);
      const message = String(report.collection.errors[0]?.message);
      expect(message).toContain("Denied for registry password");
      expectNoSecret([message], [secrets.acrPassword1, secrets.storageKey1]);
    });

    test("a 403 on the registry whose message holds its password", async () => {
      const { scenario, secrets } = plantedScenario();
      scenario.faults = [
        {
          method: "GET",
          path: "/registries/mlresearchacr$",
          status: 403,
          code: "AuthorizationFailed",
          message: `The client with password '${secrets.acrPassword2}' does not have authorization to perform this action.`,
        },
      ];
      const fake = await fakeArm(scenario);
      const { result, report } = await auditEveryOutput(fake, []);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf(...requiring("registry")));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({
          resourceId: REGISTRY_ID,
          operation: "registry get",
          statusCode: 403,
          permission: READ_PERMISSIONS["registry get"],
        }),
      ]);
      const message = String(report.collection.errors[0]?.message);
      expect(message).toContain("does not have authorization to perform this action");
      expectNoSecret([message], [secrets.acrPassword2]);
    });

    test("a malformed storage listKeys body holding a key: PARSE_ERROR, no part of the key in the message", async () => {
      const { scenario, secrets } = plantedScenario();
      // Unquoted, so the JSON parser stops right at the key (V8 quotes the text around the error).
      const body = `{"keys":[{"keyName":"key1","value":${secrets.storageKey2},"permissions":"FULL"}]}`;
      scenario.faults = [{ method: "POST", path: "/storageAccounts/mlresearchstore/listKeys$", status: 200, body }];
      const fake = await fakeArm(scenario);
      const { result, report } = await auditEveryOutput(fake, ["--retry-delay", "0.01"], true);
      expect(result.code, result.stderr).toBe(0);
      expectVerdicts(report, unknownOf("key-sync"));
      expect(report.collection.errors).toEqual([
        expect.objectContaining({ resourceId: STORAGE_ID, operation: "storage listKeys", code: "PARSE_ERROR" }),
      ]);
      const message = String(report.collection.errors[0]?.message);
      const fragments = Array.from({ length: secrets.storageKey2.length - 9 }, (_, start) =>
        secrets.storageKey2.slice(start, start + 10),
      );
      expect(
        fragments.filter((fragment) => message.includes(fragment)),
        message,
      ).toEqual([]);
      expect(message).not.toContain('"keyName"');
    });

    test("a 500 on the workspace whose message holds a secret: exit 2, one line, no secret (also --verbose)", async () => {
      const { scenario } = plantedScenario();
      const secret = storageKey();
      planted.push(secret);
      scenario.faults = [
        {
          method: "GET",
          path: "/workspaces/ml-research$",
          status: 500,
          code: "InternalServerError",
          message: `Backend failure; AccountKey=${secret};`,
        },
      ];
      const fake = await fakeArm(scenario);
      const [plain, verbose] = await Promise.all([
        live(fake, [...TARGET, "--retries", "0"], { timeoutMs: GUARD_MS }),
        live(fake, [...TARGET, "--retries", "0", "--verbose", "--format", "json"], { timeoutMs: GUARD_MS }),
      ]);
      for (const result of [plain, verbose]) {
        expectUsageError(result, /could not read the workspace .*500 InternalServerError Backend failure/);
        expectNoSecret([result.stderr], [secret]);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------

test("across every run of this file: reads only, POSTs only to listKeys/listCredentials, no planted secret anywhere", async () => {
  const entries = await allRequests();
  expect(runs.length).toBeGreaterThan(40);
  expect(entries.length).toBeGreaterThan(300);
  expectReadOnlyRuns(entries, runs);

  expect(planted.length).toBeGreaterThan(100);
  expect(reportFiles.length).toBeGreaterThan(10);
  const texts: Array<[string, string]> = runs.flatMap((run, index) => [
    [`run ${index} stdout`, run.stdout] as [string, string],
    [`run ${index} stderr`, run.stderr] as [string, string],
  ]);
  for (const file of reportFiles) texts.push([file, await readFile(file, "utf8")]);
  const leaks = texts.flatMap(([where, text]) =>
    planted.filter((secret) => text.includes(secret)).map((secret) => `${secret.slice(0, 6)}… in ${where}`),
  );
  expect(leaks).toEqual([]);
});
