// Saved snapshots are someone's artefacts: one written before a field was renamed is still read, as
// this version names it. Here: a key comparison's failed read, once `failedOperation`, `statusCode`
// and `permission` beside `outcome`, now `error` (a FailedRead like any other).

import { describe, expect, test } from "vitest";
import { findCheck } from "../../checks/index.js";
import { runCheck } from "../../src/engine/run.js";
import { parseSnapshot } from "../../src/snapshot/io.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { STORAGE_ID } from "../checks/mutations.js";
import { auditScenario, healthyScenario } from "../harness.js";

const NOW = "2026-03-01T12:00:00.000Z";
const LIST_KEYS = "Microsoft.Storage/storageAccounts/listKeys/action";

/** A snapshot whose storage listKeys was refused, as this version collects it. */
async function refusedListKeys(): Promise<Snapshot> {
  const scenario = healthyScenario();
  scenario.faults = [
    { method: "POST", path: "/storageAccounts/.*/listKeys$", status: 403, code: "AuthorizationFailed" },
  ];
  return (await auditScenario(scenario, { only: ["key-sync"], now: NOW })).snapshot;
}

describe("a key comparison's failed read", () => {
  test("is written as `error`, and read back unchanged", async () => {
    const snapshot = await refusedListKeys();
    expect(snapshot.keys?.storage).toEqual({
      outcome: "unknown",
      resourceId: STORAGE_ID,
      reason: `storage listKeys failed (403 AuthorizationFailed; needs ${LIST_KEYS})`,
      error: {
        resourceId: STORAGE_ID,
        operation: "storage listKeys",
        statusCode: 403,
        code: "AuthorizationFailed",
        permission: LIST_KEYS,
      },
    });
    expect(parseSnapshot(JSON.stringify(snapshot), "new.json")).toEqual(snapshot);
  });

  test("in a snapshot saved with the older fields is read as `error`, and judged as before", async () => {
    const snapshot = await refusedListKeys();
    const old = structuredClone(snapshot) as unknown as { keys: { storage: Record<string, unknown> } };
    old.keys.storage = {
      outcome: "unknown",
      resourceId: STORAGE_ID,
      reason: `storage listKeys failed (403 AuthorizationFailed); needs ${LIST_KEYS}`,
      failedOperation: "storage listKeys",
      statusCode: 403,
      permission: LIST_KEYS,
    };
    const read = parseSnapshot(JSON.stringify(old), "old.json");
    expect(read.keys?.storage).toEqual({
      outcome: "unknown",
      resourceId: STORAGE_ID,
      reason: `storage listKeys failed (403 AuthorizationFailed); needs ${LIST_KEYS}`,
      error: { resourceId: STORAGE_ID, operation: "storage listKeys", statusCode: 403, permission: LIST_KEYS },
    });

    const check = findCheck("key-sync")!;
    const judged = (from: Snapshot) =>
      runCheck(check, from).findings.find((finding) => finding.resourceId === STORAGE_ID)!;
    const [now, before] = [judged(snapshot), judged(read)];
    expect(before).toMatchObject({ status: "unknown", messageId: "undetermined", remediation: now.remediation });
    // All but the code, which older snapshots did not keep.
    expect(before.evidence).toEqual({ ...now.evidence, code: null });
  });

  test("a snapshot holding both the older fields and `error` keeps `error`", async () => {
    const snapshot = await refusedListKeys();
    const both = structuredClone(snapshot) as unknown as { keys: { storage: Record<string, unknown> } };
    Object.assign(both.keys.storage, { failedOperation: "something else", statusCode: 500 });
    expect(parseSnapshot(JSON.stringify(both), "both.json").keys?.storage).toEqual(snapshot.keys?.storage);
  });
});
