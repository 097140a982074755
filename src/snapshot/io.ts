// Reading and writing snapshots. Reading validates against the shipped JSON Schema, so a
// corrupt or foreign file is refused with one clear line rather than audited as if empty.

import { readFile, stat, writeFile } from "node:fs/promises";
import type { ErrorObject } from "ajv";
import { PreflightError } from "../core/errors.js";
import { failedRead } from "../core/failed-read.js";
import schema from "./snapshot.schema.json" with { type: "json" };
import validateGenerated from "./generated/snapshot.validate.js";
import { SNAPSHOT_SCHEMA_VERSION, type KeyComparison, type Snapshot } from "./types.js";

export const snapshotSchema = schema;

// Generated from the schema by `npm run generate` rather than compiled here: compiling cost ~40 ms
// of every start. The generated file is untyped; Ajv's validators leave why they said no in `.errors`.
const validate = validateGenerated as ((data: unknown) => data is Snapshot) & { errors?: ErrorObject[] | null };

export function parseSnapshot(text: string, source: string): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PreflightError(
      `snapshot ${source} is not valid JSON (${error instanceof Error ? error.message : String(error)}); collect it again with \`preflight collect --out\``,
    );
  }
  return checkSnapshot(data, source);
}

/** Parsed JSON held to the snapshot schema (a workspace file, or one workspace of a fleet file). */
export function checkSnapshot(data: unknown, source: string): Snapshot {
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (data !== null && typeof data === "object" && version !== SNAPSHOT_SCHEMA_VERSION) {
    throw new PreflightError(
      `snapshot ${source} has schemaVersion ${JSON.stringify(version ?? null)}, this preflight reads ${SNAPSHOT_SCHEMA_VERSION}; collect it again with this version`,
    );
  }
  if (!validate(data)) {
    const first = validate.errors?.[0];
    throw new PreflightError(
      `snapshot ${source} does not match the snapshot schema (${first ? `${first.instancePath || "/"} ${first.message ?? ""}` : "invalid"}); collect it again`,
    );
  }
  // Formats are not validated by the schema; the collection time is, as key-sync judges key age by it.
  if (!Number.isFinite(Date.parse(data.collectedAt))) {
    throw new PreflightError(
      `snapshot ${source} has a collectedAt that is not a date (${JSON.stringify(data.collectedAt)}); collect it again`,
    );
  }
  if (data.keys)
    for (const comparison of [data.keys.storage, data.keys.registry]) upgradeKeyComparison(comparison, data);
  return data;
}

/** How snapshots saved before `KeyComparison.error` held a comparison's failed read: beside `outcome`. */
interface LegacyKeyComparison {
  failedOperation?: string;
  statusCode?: number;
  permission?: string;
}

/** Moves a saved snapshot's older failed-read fields of a key comparison into `error`, as this version reads it. */
function upgradeKeyComparison(comparison: KeyComparison, snapshot: Snapshot): void {
  const legacy: KeyComparison & LegacyKeyComparison = comparison;
  const { failedOperation, statusCode, permission } = legacy;
  if (failedOperation === undefined && statusCode === undefined && permission === undefined) return;
  delete legacy.failedOperation;
  delete legacy.statusCode;
  delete legacy.permission;
  comparison.error ??= failedRead(comparison.resourceId ?? snapshot.target.workspaceId, {
    operation: failedOperation,
    statusCode,
    permission,
  });
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied (check the file's mode and owner)",
  EPERM: "permission denied (check the file's mode and owner)",
  EISDIR: "it is a directory, not a snapshot file",
};

/**
 * The largest snapshot file read: a fleet of ten thousand workspaces is about 200 MB. A larger file is
 * not one of ours, and reading it whole could exhaust memory before anything is said.
 */
const MAX_SNAPSHOT_BYTES = 400 * 1024 * 1024;

/** A snapshot file's text, or one line saying why it cannot be read (a workspace's or a fleet's). */
export async function readSnapshotText(path: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_SNAPSHOT_BYTES)
      throw new PreflightError(
        `cannot read snapshot ${path}: it is ${Math.round(size / 1024 / 1024)} MB, more than a snapshot can be (${MAX_SNAPSHOT_BYTES / 1024 / 1024} MB)`,
      );
    return await readFile(path, "utf8");
  } catch (error) {
    if (error instanceof PreflightError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code ? (READ_FAILURES[code] ?? code) : String(error);
    throw new PreflightError(`cannot read snapshot ${path}: ${reason}`);
  }
}

function serialiseSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

export async function writeSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  await writeFile(path, serialiseSnapshot(snapshot), { encoding: "utf8", mode: 0o600 });
}
