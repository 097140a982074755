import { failedReadEvidence, failedReadRemediation } from "../src/core/failed-read.js";
import { defineCheck } from "../src/engine/types.js";
import { registryAdminUserEnabled, storageSharedKeyDisallowed } from "../src/snapshot/model.js";
import { asObject } from "../src/snapshot/json.js";
import type { KeyComparison } from "../src/snapshot/types.js";
import { sh } from "../src/core/visible.js";
import { workspaceArgs } from "./shared.js";

/** The service re-reads rotated keys within an hour; until then a mismatch is expected. */
const SYNC_WINDOW_MS = 60 * 60 * 1000;

export default defineCheck({
  id: "key-sync",
  title: "The workspace's cached storage key and registry password match the current ones",
  severity: "high",
  requires: ["workspace", "storage", "registry", "keys"],
  messages: {
    "in-sync": "The workspace's cached {kind} matches the current {matched}.",
    "out-of-sync":
      "The workspace's cached {kind} matches none of the current ones{rotated}: jobs and image builds fail with 401/403 until the keys are synced.",
    "recently-rotated":
      "The workspace's cached {kind} matches none of the current ones; a key was rotated {minutes} minutes ago and the service syncs within an hour.",
    "not-applicable": "{kind}: {reason}.",
    undetermined: "Cannot compare the {kind}: {reason}.",
    "unrecognised-outcome":
      "Cannot judge the {kind}: the snapshot records key comparison outcome {outcome}, which this check does not know.",
  },
  remediation: "az ml workspace sync-keys -n WS -g RG",
  run(parts, report, context) {
    const sync = sh`az ml workspace sync-keys ${workspaceArgs(context.target)}`;
    const judge = (
      kind: string,
      resourceId: string,
      comparison: KeyComparison,
      skipReason: string | undefined,
      facts: Record<string, unknown> = {},
    ): void => {
      const evidence: Record<string, unknown> = {
        comparedWith: comparison.resourceId ?? resourceId,
        outcome: comparison.outcome ?? null,
        ...facts,
        ...(comparison.matchedName ? { matchedName: comparison.matchedName } : {}),
        ...(comparison.keyCreationTimes ? { keyCreationTimes: comparison.keyCreationTimes } : {}),
      };
      if (skipReason) {
        report.skip("not-applicable", resourceId, { kind, reason: skipReason }, { ...evidence, reason: skipReason });
        return;
      }
      switch (comparison.outcome) {
        case "match":
          report.pass("in-sync", resourceId, { kind, matched: comparison.matchedName ?? "key" }, evidence);
          return;
        case "not-applicable":
          report.skip(
            "not-applicable",
            resourceId,
            { kind, reason: comparison.reason ?? "nothing to compare" },
            { ...evidence, reason: comparison.reason ?? null },
          );
          return;
        case "unknown":
          report.unknown(
            "undetermined",
            resourceId,
            { kind, reason: comparison.reason ?? "a read failed" },
            { ...evidence, ...failedReadEvidence(comparison.error) },
            comparison.error
              ? failedReadRemediation([comparison.error], { alternative: "run with --no-keys to skip this check" })
              : undefined,
          );
          return;
        case "mismatch": {
          const newest = newestTime(comparison.keyCreationTimes);
          const ageMs = newest === undefined ? undefined : Date.parse(context.collectedAt) - newest;
          // A creation time ahead of the collection clock is clock skew: the key was made just now.
          if (ageMs !== undefined && ageMs > -SYNC_WINDOW_MS && ageMs < SYNC_WINDOW_MS) {
            report.warn(
              "recently-rotated",
              resourceId,
              { kind, minutes: Math.max(0, Math.floor(ageMs / 60000)) },
              { ...evidence, rotatedAt: new Date(newest as number).toISOString() },
              `Wait for the hourly sync, or sync now: ${sync}`,
            );
          } else {
            report.fail(
              "out-of-sync",
              resourceId,
              {
                kind,
                rotated: newest === undefined ? "" : ` (newest key created ${new Date(newest).toISOString()})`,
              },
              { ...evidence, rotatedAt: newest === undefined ? null : new Date(newest).toISOString() },
              sync,
            );
          }
          return;
        }
        default: {
          // Not one of the four outcomes the collector writes (a snapshot built or edited by hand): say so, never nothing.
          const outcome: unknown = (comparison as { outcome?: unknown }).outcome;
          report.unknown(
            "unrecognised-outcome",
            resourceId,
            { kind, outcome: JSON.stringify(outcome ?? null) },
            evidence,
            "Collect the snapshot again with this version (preflight collect --out FILE), or audit live.",
          );
          return;
        }
      }
    };

    const storageId = parts.workspace.storageAccountId ?? parts.workspace.id;
    const storageSkip =
      parts.storage.state === "present" && storageSharedKeyDisallowed(parts.storage.raw)
        ? "the storage account disallows shared-key access (allowSharedKeyAccess false), so the workspace uses identity, not keys"
        : parts.storage.state === "none"
          ? "the workspace names no storage account"
          : undefined;
    judge("storage account key", storageId, parts.keys.storage, storageSkip);

    const registryId = parts.workspace.containerRegistryId ?? parts.workspace.id;
    // The same reading as registry-policies': with the admin user off (absent is ACR's default), Azure ML builds
    // and pulls with managed identities (Learn, how-to-identity-based-service-authentication), so a password the
    // workspace still caches from before is never used.
    const registrySkip =
      parts.registry.state === "none"
        ? "the workspace names no container registry yet"
        : !registryAdminUserEnabled(parts.registry.raw)
          ? "the registry's admin user is disabled, so Azure Machine Learning builds and pulls with managed identities, not a password"
          : undefined;
    const registryFacts =
      parts.registry.state === "none"
        ? {}
        : { adminUserEnabled: asObject(parts.registry.raw.properties)?.adminUserEnabled ?? null };
    judge("container registry password", registryId, parts.keys.registry, registrySkip, registryFacts);
  },
});

function newestTime(times: Record<string, string> | undefined): number | undefined {
  const parsed = Object.values(times ?? {})
    .map((time: unknown) => (typeof time === "string" ? Date.parse(time) : Number.NaN))
    .filter((time) => Number.isFinite(time));
  return parsed.length > 0 ? Math.max(...parsed) : undefined;
}
