// What checks are made of and what running them produces. Checks import only this, the snapshot
// model and src/net: no I/O, no SDK.

import type { ComputeView, NetworkAccessView, WorkspaceView } from "../snapshot/model.js";
import type {
  DnsZoneGroupView,
  DnsZoneLinkView,
  PrivateEndpointView,
  RouteTableView,
  VirtualNetworkView,
} from "../snapshot/network-views.js";
import type {
  DiagnoseOutcome,
  Lookup,
  ReportCollectionError,
  KeysOutcome,
  PartName,
  RawResource,
  RetryNote,
  SnapshotTarget,
} from "../snapshot/types.js";
import type { Severity, Status } from "../core/status.js";
import type { DnsForwardersParts } from "./dns-forwarders.js";
import type { FixPlan } from "./fixes/plan.js";
import type { RootCause } from "./root-causes.js";
import type { ReportBaseline } from "./baseline.js";
import type { FindingWaiver, ReportWaivers } from "./waivers.js";

/** A dependency named by the workspace (storage account, registry, key vault). */
export type Dependency<T> =
  | { state: "present"; value: T; raw: RawResource }
  /** The workspace names none (a registry is created on first image build). */
  | { state: "none" };

export interface Parts {
  /**
   * The workspace whose dependencies, network and computes apply: for a Foundry project its hub (the
   * project inherits them, learn.microsoft.com/azure/machine-learning/concept-hub-workspace), with the
   * project itself under `project`; otherwise the audited workspace.
   */
  workspace: WorkspaceView & { raw: RawResource; project?: WorkspaceView & { raw: RawResource } };
  storage: Dependency<NetworkAccessView>;
  registry: Dependency<NetworkAccessView>;
  keyVault: Dependency<NetworkAccessView>;
  computes: ComputeView[];
  privateEndpoints: (id: string) => Lookup<PrivateEndpointView>;
  virtualNetworks: (id: string) => Lookup<VirtualNetworkView>;
  networkSecurityGroups: (id: string) => Lookup<RawResource>;
  /** Resource types `availablePrivateEndpointTypes` lists for a region. */
  privateEndpointTypes: (region: string) => Lookup<string[]>;
  keys: KeysOutcome;
  routeTables: (id: string) => Lookup<RouteTableView>;
  privateDns: PrivateDnsParts;
  dnsForwarders: DnsForwardersParts;
  diagnose: DiagnoseOutcome;
}

/** Private DNS as read for the workspace's and its dependencies' private endpoints. */
export interface PrivateDnsParts {
  /** The DNS zone groups of a private endpoint (an empty list: it has none). */
  zoneGroups: (endpointId: string) => Lookup<DnsZoneGroupView[]>;
  /** A private DNS zone a zone group names; a failed lookup with a 404 means the zone does not exist. */
  zone: (zoneId: string) => Lookup<{ id: string; name: string }>;
  /** The VNet links of a private DNS zone. */
  zoneLinks: (zoneId: string) => Lookup<DnsZoneLinkView[]>;
}

interface CheckContext {
  /**
   * The workspace `az ml workspace` commands about its settings name: a project's hub (the one whose
   * storage, registry, image-build compute, managed network and computes apply), otherwise the audited
   * workspace.
   */
  target: SnapshotTarget;
  /** The workspace audited (a project, not its hub): for what is about it alone, such as its diagnose. */
  audited: SnapshotTarget;
  /** When the snapshot was collected: time comparisons use it, never the clock. */
  collectedAt: string;
}

type Evidence = Record<string, unknown>;

/** What a check's `run` returns for one resource. */
export interface CheckFinding<M extends string = string> {
  status: Status;
  messageId: M;
  /** Values for the message template's {placeholders}. */
  data?: Record<string, string | number>;
  resourceId: string;
  evidence: Evidence;
  remediation?: string;
}

/** Values for a message template's {placeholders}. */
type FindingData = Record<string, string | number>;

/**
 * How a check reports: one call per finding, `report.fail(messageId, resourceId, data, evidence)`.
 * Message ids are the keys of the check's `messages`; any other does not compile.
 */
export interface FindingReport<M extends string> {
  fail(messageId: M, resourceId: string, data: FindingData | undefined, evidence: Evidence, remediation?: string): void;
  unknown(
    messageId: M,
    resourceId: string,
    data: FindingData | undefined,
    evidence: Evidence,
    remediation?: string,
  ): void;
  warn(messageId: M, resourceId: string, data: FindingData | undefined, evidence: Evidence, remediation?: string): void;
  pass(messageId: M, resourceId: string, data: FindingData | undefined, evidence: Evidence): void;
  skip(messageId: M, resourceId: string, data: FindingData | undefined, evidence: Evidence): void;
  /** A finding whose status is decided at run time. */
  add(
    status: Status,
    messageId: M,
    resourceId: string,
    data: FindingData | undefined,
    evidence: Evidence,
    remediation?: string,
  ): void;
}

/** The report of a check whose message templates are `Messages` (`FindingReportOf<typeof MESSAGES>`). */
export type FindingReportOf<Messages> = FindingReport<keyof Messages & string>;

export interface CheckDefinition<R extends PartName, Messages extends Record<string, string>> {
  id: string;
  /** States the healthy condition. */
  title: string;
  severity: Severity;
  /** The parts `run` reads; reading any other does not compile. */
  requires: readonly R[];
  /** Message templates by id; `{name}` is replaced from a finding's data. */
  messages: Messages;
  /** Generic remediation, shown when a finding carries none. */
  remediation: string;
  run(
    parts: Pick<Parts, NoInfer<R>>,
    report: FindingReport<NoInfer<keyof Messages & string>>,
    context: CheckContext,
  ): void;
}

/** A check as the engine holds it, its part types erased. */
export interface Check {
  id: string;
  title: string;
  severity: Severity;
  docs: string;
  requires: readonly PartName[];
  messages: Record<string, string>;
  remediation: string;
  run(parts: Parts, context: CheckContext): CheckFinding[];
}

/** A check: its parts come from `requires` and its message ids from `messages`, each written once. */
export function defineCheck<const R extends PartName, const Messages extends Record<string, string>>(
  definition: CheckDefinition<R, Messages>,
): Check {
  return {
    ...definition,
    docs: `docs/checks/${definition.id}.md`,
    run: (parts, context) => {
      const findings: CheckFinding[] = [];
      const add = (
        status: Status,
        messageId: string,
        resourceId: string,
        data: FindingData | undefined,
        evidence: Evidence,
        remediation?: string,
      ) => {
        findings.push({
          status,
          messageId,
          resourceId,
          evidence,
          ...(data ? { data } : {}),
          ...(remediation !== undefined ? { remediation } : {}),
        });
      };
      const report: FindingReport<string> = {
        add,
        fail: (...args) => add("fail", ...args),
        unknown: (...args) => add("unknown", ...args),
        warn: (...args) => add("warn", ...args),
        pass: (...args) => add("pass", ...args),
        skip: (...args) => add("skip", ...args),
      };
      definition.run(parts, report, context);
      return findings;
    },
  };
}

export interface ReportFinding {
  status: Status;
  messageId: string;
  resourceId: string;
  message: string;
  evidence: Evidence;
  remediation?: string;
  /**
   * Stable across runs for the same finding (src/engine/identity.ts): set on every finding of a report
   * this version builds; absent in reports from before it was added.
   */
  fingerprint?: string;
  /** With --baseline, on a fail, unknown or warn finding: whether the baseline report had it. */
  baseline?: "new" | "unchanged";
  /** Set on a fail, unknown or warn finding a waiver in force matches: it does not count (src/engine/waivers.ts). */
  waived?: FindingWaiver;
}

export interface CheckResult {
  id: string;
  title: string;
  severity: Severity;
  status: Status;
  docs: string;
  findings: ReportFinding[];
}

/** The JSON report (docs/report-format.md). */
export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  target: SnapshotTarget;
  /** An offline audit: the snapshot file it read and when that was collected. Absent: a live audit. */
  snapshot?: { file: string; collectedAt: string };
  ticket: string | null;
  startedAt: string;
  durationMs: number;
  summary: Record<Status, number>;
  checks: CheckResult[];
  /** The problem findings grouped by what causes them, worst first (src/engine/root-causes.ts). */
  rootCauses: RootCause[];
  /** One proven fix per root cause, where there is one (src/engine/fixes/plan.ts); single audits only. */
  fixPlan?: FixPlan;
  /** With --baseline: the report compared against, and what is new, unchanged and fixed since (src/engine/baseline.ts). */
  baseline?: ReportBaseline;
  /** With waivers in the config file: what each became of, and the root causes of the waived findings. */
  waivers?: ReportWaivers;
  collection: {
    requests: number;
    /** Resources read, by ARM type (what the audit saw). */
    read: Record<string, number>;
    errors: ReportCollectionError[];
    /** Reads that succeeded only after retrying: worth knowing when a run was slow or throttled. */
    retries: RetryNote[];
  };
}
