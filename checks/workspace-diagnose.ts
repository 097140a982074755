import { defineCheck, type FindingReportOf } from "../src/engine/types.js";
import { failedRead, failedReadEvidence, failedReadRemediation } from "../src/core/failed-read.js";
import { sh } from "../src/core/visible.js";
import { eqi } from "../src/snapshot/json.js";
import type { CollectionError, DiagnoseResult, SnapshotTarget } from "../src/snapshot/types.js";

const LEARN = "learn.microsoft.com/azure/machine-learning/how-to-workspace-diagnostic-api";

/** The preflight checks that look at what a diagnose category reports, by category. */
const RELATED_CHECKS: Record<string, readonly string[]> = {
  dnsresolution: ["private-dns"],
  networksecurityrule: ["required-outbound", "service-tags-outbound"],
  userdefinedroute: ["forced-tunneling"],
  containerregistry: ["registry-policies", "trusted-access", "acr-vnet-image-build"],
  storageaccount: ["trusted-access", "subnet-colocation"],
  keyvault: ["private-dns", "private-endpoint-region"],
};

const MESSAGES = {
  "not-requested":
    "Azure's workspace diagnose was not run: run preflight with --diagnose (and --diagnose-timeout SECONDS) to include it.",
  "diagnose-failed": "Azure's workspace diagnose gave no results: {reason}.",
  clean: "Azure's workspace diagnose reports nothing in any category.",
  "diagnose-error": "Azure's workspace diagnose ({category}) reports error {code}: {message}",
  "diagnose-warning": "Azure's workspace diagnose ({category}) reports warning {code}: {message}",
  "diagnose-info": "Azure's workspace diagnose ({category}) reports {level} {code}: {message}",
} satisfies Record<string, string>;

export default defineCheck({
  id: "workspace-diagnose",
  title: "Azure's own workspace diagnose reports no errors or warnings",
  severity: "medium",
  requires: ["workspace", "diagnose"],
  messages: MESSAGES,
  remediation: `Read the diagnose result and fix what it names; see ${LEARN}.`,
  run(parts, report, context) {
    const resourceId = context.audited.workspaceId;
    const diagnose = parts.diagnose;
    if (!diagnose.requested) {
      // The engine shows no remediation on a skip: the message says how to run it.
      report.skip("not-requested", resourceId, undefined, { requested: false });
      return;
    }
    if (diagnose.error || !diagnose.results) {
      const error = diagnose.error;
      report.unknown(
        "diagnose-failed",
        resourceId,
        { reason: error?.message ?? "the snapshot holds no diagnose results" },
        { requested: true, ...failedReadEvidence(error) },
        failureRemediation(error, resourceId),
      );
      return;
    }
    if (diagnose.results.length === 0) {
      report.pass("clean", resourceId, undefined, { requested: true, results: 0 });
      return;
    }
    for (const result of diagnose.results) reportResult(report, result, resourceId, context.audited);
  },
});

/** One diagnose result as a finding: errors fail, warnings warn, anything else is reported as it stands. */
function reportResult(
  report: FindingReportOf<typeof MESSAGES>,
  result: DiagnoseResult,
  resourceId: string,
  target: SnapshotTarget,
): void {
  const evidence = { category: result.category, code: result.code, level: result.level, message: result.message };
  const data = {
    category: result.category,
    code: result.code,
    level: result.level || "result",
    message: result.message,
  };
  if (eqi(result.level, "Error"))
    report.fail("diagnose-error", resourceId, data, evidence, resultRemediation(result, target));
  else if (eqi(result.level, "Warning"))
    report.warn("diagnose-warning", resourceId, data, evidence, resultRemediation(result, target));
  // Information, or a level the service may add later: reported, not judged.
  else report.pass("diagnose-info", resourceId, data, evidence);
}

function resultRemediation(result: DiagnoseResult, target: SnapshotTarget): string {
  const category = result.category.toLowerCase();
  if (category === "resourcelock") {
    return `A resource lock blocks the workspace's operations: list them with ${sh`az lock list -g ${target.resourceGroup} --subscription ${target.subscriptionId} -o table`} and remove or narrow the one named; see ${LEARN}.`;
  }
  const checks = RELATED_CHECKS[category];
  if (!checks) return `Fix what the result names; see ${LEARN}.`;
  const command = sh`preflight --workspace ${target.workspace} -g ${target.resourceGroup} --subscription ${target.subscriptionId} --only ${checks.join(",")}`;
  return `Run ${command} for the cause (docs: ${checks.map((id) => `docs/checks/${id}.md`).join(", ")}); see ${LEARN}.`;
}

function failureRemediation(error: CollectionError | undefined, resourceId: string): string | undefined {
  // The diagnose's own bound (--diagnose-timeout), not the per-request one failedReadRemediation names.
  if (error?.code === "Timeout" && /--diagnose-timeout/.test(error.message)) {
    return "Run again with a longer --diagnose-timeout (seconds, default 120); Azure's diagnose can take several minutes.";
  }
  return failedReadRemediation([failedRead(resourceId, error)]);
}
