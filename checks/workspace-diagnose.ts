import { unresolvedRemediation } from "../src/core/remediation.js";
import { defineCheck, type CheckFinding } from "../src/engine/types.js";
import { eqi } from "../src/snapshot/model.js";
import type { CollectionError, DiagnoseResult, SnapshotTarget } from "../src/snapshot/types.js";
import { errorEvidence } from "./shared.js";

type MessageId =
  "not-requested" | "diagnose-failed" | "clean" | "diagnose-error" | "diagnose-warning" | "diagnose-info";

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

export default defineCheck<"workspace" | "diagnose", MessageId>({
  id: "workspace-diagnose",
  title: "Azure's own workspace diagnose reports no errors or warnings",
  severity: "medium",
  requires: ["workspace", "diagnose"],
  messages: {
    "not-requested":
      "Azure's workspace diagnose was not run: run preflight with --diagnose (and --diagnose-timeout SECONDS) to include it.",
    "diagnose-failed": "Azure's workspace diagnose gave no results: {reason}.",
    clean: "Azure's workspace diagnose reports nothing in any category.",
    "diagnose-error": "Azure's workspace diagnose ({category}) reports error {code}: {message}",
    "diagnose-warning": "Azure's workspace diagnose ({category}) reports warning {code}: {message}",
    "diagnose-info": "Azure's workspace diagnose ({category}) reports {level} {code}: {message}",
  },
  remediation: `Read the diagnose result and fix what it names; see ${LEARN}.`,
  run(parts, context) {
    const resourceId = context.target.workspaceId;
    const diagnose = parts.diagnose;
    if (!diagnose.requested) {
      // The engine shows no remediation on a skip: the message says how to run it.
      return [{ status: "skip", messageId: "not-requested", resourceId, evidence: { requested: false } }];
    }
    if (diagnose.error || !diagnose.results) {
      const error = diagnose.error;
      return [
        {
          status: "unknown",
          messageId: "diagnose-failed",
          resourceId,
          data: { reason: error?.message ?? "the snapshot holds no diagnose results" },
          evidence: { requested: true, ...errorEvidence(error) },
          remediation: failureRemediation(error, resourceId),
        },
      ];
    }
    if (diagnose.results.length === 0) {
      return [{ status: "pass", messageId: "clean", resourceId, evidence: { requested: true, results: 0 } }];
    }
    return diagnose.results.map((result) => resultFinding(result, resourceId, context.target));
  },
});

function resultFinding(result: DiagnoseResult, resourceId: string, target: SnapshotTarget): CheckFinding<MessageId> {
  const evidence = { category: result.category, code: result.code, level: result.level, message: result.message };
  const data = {
    category: result.category,
    code: result.code,
    level: result.level || "result",
    message: result.message,
  };
  if (eqi(result.level, "Error"))
    return {
      status: "fail",
      messageId: "diagnose-error",
      resourceId,
      data,
      evidence,
      remediation: resultRemediation(result, target),
    };
  if (eqi(result.level, "Warning"))
    return {
      status: "warn",
      messageId: "diagnose-warning",
      resourceId,
      data,
      evidence,
      remediation: resultRemediation(result, target),
    };
  // Information, or a level the service may add later: reported, not judged.
  return { status: "pass", messageId: "diagnose-info", resourceId, data, evidence };
}

function resultRemediation(result: DiagnoseResult, target: SnapshotTarget): string {
  const category = result.category.toLowerCase();
  if (category === "resourcelock") {
    return `A resource lock blocks the workspace's operations: list them with az lock list -g ${target.resourceGroup} --subscription ${target.subscriptionId} -o table and remove or narrow the one named; see ${LEARN}.`;
  }
  const checks = RELATED_CHECKS[category];
  if (!checks) return `Fix what the result names; see ${LEARN}.`;
  const args = `--workspace ${target.workspace} -g ${target.resourceGroup} --subscription ${target.subscriptionId}`;
  return `Run preflight ${args} --only ${checks.join(",")} for the cause (docs: ${checks.map((id) => `docs/checks/${id}.md`).join(", ")}); see ${LEARN}.`;
}

function failureRemediation(error: CollectionError | undefined, resourceId: string): string | undefined {
  // The diagnose's own bound (--diagnose-timeout), not the per-request one unresolvedRemediation names.
  if (error?.code === "Timeout" && /--diagnose-timeout/.test(error.message)) {
    return "Run again with a longer --diagnose-timeout (seconds, default 120); Azure's diagnose can take several minutes.";
  }
  return unresolvedRemediation([
    { resourceId, missingPermission: error?.permission, code: error?.code, statusCode: error?.statusCode },
  ]);
}
