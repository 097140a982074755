// What checks are made of and what running them produces. Checks import only this, the snapshot
// model and src/net: no I/O, no SDK.

import type {
  ComputeView,
  DnsZoneGroupView,
  DnsZoneLinkView,
  NetworkAccessView,
  PrivateEndpointView,
  RouteTableView,
  VirtualNetworkView,
  WorkspaceView,
} from "../snapshot/model.js";
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

/** A dependency named by the workspace (storage account, registry, key vault). */
export type Dependency<T> =
  | { state: "present"; value: T; raw: RawResource }
  /** The workspace names none (a registry is created on first image build). */
  | { state: "none" };

export interface Parts {
  workspace: WorkspaceView & { raw: RawResource };
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
  target: SnapshotTarget;
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

export interface CheckDefinition<R extends PartName = PartName, M extends string = string> {
  id: string;
  /** States the healthy condition. */
  title: string;
  severity: Severity;
  requires: readonly R[];
  /** Message templates by id; `{name}` is replaced from a finding's data. */
  messages: Record<M, string>;
  /** Generic remediation, shown when a finding carries none. */
  remediation: string;
  run(parts: Pick<Parts, R>, context: CheckContext): Array<CheckFinding<M>>;
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

export function defineCheck<R extends PartName, M extends string>(definition: CheckDefinition<R, M>): Check {
  return {
    ...definition,
    docs: `docs/checks/${definition.id}.md`,
    run: (parts, context) => definition.run(parts, context),
  };
}

export interface ReportFinding {
  status: Status;
  messageId: string;
  resourceId: string;
  message: string;
  evidence: Evidence;
  remediation?: string;
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
  ticket: string | null;
  startedAt: string;
  durationMs: number;
  summary: Record<Status, number>;
  checks: CheckResult[];
  collection: {
    requests: number;
    /** Resources read, by ARM type (what the audit saw). */
    read: Record<string, number>;
    errors: ReportCollectionError[];
    /** Reads that succeeded only after retrying: worth knowing when a run was slow or throttled. */
    retries: RetryNote[];
  };
}
