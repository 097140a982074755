// Test harness: the real collector and SDK clients against the fake ARM on 127.0.0.1.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHECKS, findCheck } from "../checks/index.js";
import { ArmReader } from "../src/collect/arm.js";
import { collectSnapshot } from "../src/collect/collector.js";
import type { WorkspaceRef } from "../src/collect/parts/context.js";
import type { RetrySettings } from "../src/core/retry.js";
import { Redactor } from "../src/core/redact.js";
import { auditReport } from "../src/engine/audit.js";
import { buildReport } from "../src/engine/run.js";
import type { CheckResult, Report } from "../src/engine/types.js";
import type { PartName, Snapshot } from "../src/snapshot/types.js";
import { startFakeArm, type RequestLogEntry } from "./fake-arm/server.js";
import type { Scenario } from "./fake-arm/scenario.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The bundled healthy workspace: every seed check passes on it. A fresh deep copy each call. */
export function healthyScenario(): Scenario {
  return JSON.parse(readFileSync(join(ROOT, "examples/healthy-workspace.json"), "utf8")) as Scenario;
}

export function demoScenario(): Scenario {
  return JSON.parse(readFileSync(join(ROOT, "examples/demo-workspace.json"), "utf8")) as Scenario;
}

export const HEALTHY = {
  subscriptionId: "6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7",
  resourceGroup: "ml-platform-rg",
  workspace: "ml-research",
};

/**
 * An ARM wire-format object (a resource, its `properties`, an action body) as tests mutate it: loosely
 * typed so that a case can reach `properties.properties.subnet` without a cast at every step.
 */
export type Json = Record<string, any>;

/** The resource with this ID (case-insensitive), or a test failure. */
/** The healthy workspace with DenyInternetOut moved from 4000 to 105, above the allow rules. */
export function denyMovedScenario(): Scenario {
  const scenario = healthyScenario();
  const rules = byName(scenario, "/networkSecurityGroups/training-nsg").properties.securityRules as Array<{
    name: string;
    properties: { priority: number };
  }>;
  const rule = rules.find((candidate) => candidate.name === "DenyInternetOut");
  if (!rule) throw new Error("no DenyInternetOut in the healthy workspace");
  rule.properties.priority = 105;
  return scenario;
}

export function resource(scenario: Scenario, id: string): Json {
  const found = scenario.resources.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
  if (!found) throw new Error(`no resource ${id} in scenario`);
  return found;
}

/** The first resource whose ID ends with this suffix (e.g. "/networkSecurityGroups/training-nsg"). */
export function byName(scenario: Scenario, suffix: string): Json {
  const found = scenario.resources.find((candidate) => candidate.id.toLowerCase().endsWith(suffix.toLowerCase()));
  if (!found) throw new Error(`no resource ending ${suffix} in scenario`);
  return found;
}

export function removeResource(scenario: Scenario, suffix: string): void {
  scenario.resources = scenario.resources.filter(
    (candidate) => !candidate.id.toLowerCase().endsWith(suffix.toLowerCase()),
  );
}

export interface AuditResult {
  snapshot: Snapshot;
  report: Report;
  requests: RequestLogEntry[];
  check(id: string): CheckResult;
}

export interface AuditOptions {
  workspace?: Partial<WorkspaceRef>;
  only?: string[];
  readKeys?: boolean;
  /** Fixed clock for collectedAt (key-sync judges rotation age against it). */
  now?: string;
  pageSize?: number;
  /** Parts to collect beyond what the selected checks require (tests of the collector). */
  parts?: PartName[];
  /** Run Azure's diagnose (--diagnose) with this timeout. */
  diagnose?: { timeoutMs: number };
  /** Add the fix plan, as the CLI does for one workspace. */
  fixPlan?: boolean;
}

/**
 * The real ARM reader on the fake's endpoint and certificate, with a static token (no credential
 * probes anything) and short retry delays; `retry` overrides them.
 */
export function testReader(
  fake: { url: string; caPem: string },
  retry: Partial<RetrySettings> = {},
): { reader: ArmReader; redactor: Redactor } {
  const redactor = new Redactor();
  const reader = new ArmReader({
    credential: { getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }) },
    endpoint: fake.url,
    ca: fake.caPem,
    requestTimeoutMs: 10_000,
    retry: { maxRetries: 1, retryDelayMs: 10, maxRetryDelayMs: 50, maxRetryAfterMs: 1_000, ...retry },
    redactor,
  });
  return { reader, redactor };
}

/** Collect the scenario through the real SDK clients against the fake ARM, then run the checks. */
export async function auditScenario(scenario: Scenario, options: AuditOptions = {}): Promise<AuditResult> {
  const fake = await startFakeArm(scenario, options.pageSize ? { pageSize: options.pageSize } : {});
  try {
    const { reader, redactor } = testReader(fake);
    const checks = options.only ? options.only.map((id) => findCheck(id)!).filter(Boolean) : CHECKS;
    const parts = [...new Set([...checks.flatMap((check) => check.requires), ...(options.parts ?? [])])] as PartName[];
    const snapshot = await collectSnapshot({
      reader,
      redactor,
      workspace: { ...HEALTHY, name: HEALTHY.workspace, ...options.workspace },
      parts,
      readKeys: options.readKeys ?? true,
      toolVersion: "0.0.0-test",
      ...(options.now ? { now: () => new Date(options.now as string) } : {}),
      ...(options.diagnose ? { diagnose: options.diagnose } : {}),
    });
    const settings = { toolVersion: "0.0.0-test", startedAt: snapshot.collectedAt, durationMs: 0 };
    const report = (options.fixPlan ? auditReport : buildReport)(snapshot, checks, settings);
    return {
      snapshot,
      report,
      requests: [...fake.requests],
      check(id: string) {
        const result = report.checks.find((candidate) => candidate.id === id);
        if (!result) throw new Error(`check ${id} not in report`);
        return result;
      },
    };
  } finally {
    await fake.close();
  }
}

/** Statuses of a check's findings by message id, for compact assertions. */
export function findingIds(result: CheckResult): string[] {
  return result.findings.map((finding) => `${finding.status}:${finding.messageId}`);
}
