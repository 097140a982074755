// Meta tests: the checked-in validators (scripts/generate-validators.mjs, `npm run generate`) are
// what their schemas generate now, stand alone, and judge snapshots as a freshly compiled Ajv does.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { beforeAll, describe, expect, test } from "vitest";
import { ROOT, SNAPSHOT_AJV_OPTIONS, VALIDATORS, generateValidator } from "../../scripts/generate-validators.mjs";
import { checkSnapshot, snapshotSchema } from "../../src/snapshot/io.js";
import validateGenerated from "../../src/snapshot/generated/snapshot.validate.js";
import { PreflightError } from "../../src/core/errors.js";
import { PART_NAMES } from "../../src/snapshot/types.js";
import { auditScenario, healthyScenario } from "../harness.js";

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
const validateCheckedIn = validateGenerated as Validator;

describe("checked-in validators", () => {
  test.each(VALIDATORS.map((validator) => [validator.out, validator] as const))(
    "%s is what its schema generates now",
    async (out, validator) => {
      const checkedIn = await readFile(join(ROOT, out), "utf8");
      expect(checkedIn === (await generateValidator(validator)), `${out} is stale: run \`npm run generate\``).toBe(
        true,
      );
    },
  );

  test("an edited schema generates a different validator (the check above can fail)", async () => {
    const work = await mkdtemp(join(tmpdir(), "preflight-generated-"));
    try {
      const edited = join(work, "snapshot.schema.json");
      const schema = JSON.parse(await readFile(join(ROOT, "src/snapshot/snapshot.schema.json"), "utf8")) as {
        properties: { requests: { minimum: number } };
      };
      schema.properties.requests.minimum = 1;
      await writeFile(edited, JSON.stringify(schema));
      const [snapshot] = VALIDATORS;
      const checkedIn = await readFile(join(ROOT, snapshot!.out), "utf8");
      expect(await generateValidator({ ...snapshot!, schema: edited })).not.toBe(checkedIn);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  test.each(VALIDATORS.map((validator) => validator.out))("%s stands alone: no require(), no import", async (out) => {
    const code = await readFile(join(ROOT, out), "utf8");
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/^\s*import\b|\bimport\(/m);
  });
});

test("the schema's parts are the snapshot's parts (PART_NAMES): a new part is accepted when read back", () => {
  const schema = snapshotSchema as { properties: { parts: { items: { enum: string[] } } } };
  expect([...schema.properties.parts.items.enum].sort()).toEqual([...PART_NAMES].sort());
});

describe("the snapshot validator judges as a freshly compiled Ajv", () => {
  const validateFresh = new Ajv(SNAPSHOT_AJV_OPTIONS).compile(snapshotSchema) as Validator;
  let healthy: Record<string, unknown> = {};
  beforeAll(async () => {
    healthy = JSON.parse(JSON.stringify((await auditScenario(healthyScenario())).snapshot)) as Record<string, unknown>;
  });

  /** The healthy snapshot changed by `edit` (on a deep copy). */
  function broken(edit: (snapshot: Record<string, any>) => void): () => unknown {
    return () => {
      const copy = structuredClone(healthy);
      edit(copy);
      return copy;
    };
  }

  const cases: [name: string, valid: boolean, data: () => unknown][] = [
    ["the healthy snapshot", true, () => healthy],
    [
      "a snapshot without optional keys and retries",
      true,
      broken((snapshot) => {
        delete snapshot.keys;
        delete snapshot.retries;
      }),
    ],
    ["null", false, () => null],
    ["an array", false, () => [healthy]],
    [
      "a required property missing (parts)",
      false,
      broken((snapshot) => {
        delete snapshot.parts;
      }),
    ],
    [
      "a wrong type deep inside (tool.version a number)",
      false,
      broken((snapshot) => {
        snapshot.tool.version = 1;
      }),
    ],
    [
      "a number under its minimum (durationMs -1)",
      false,
      broken((snapshot) => {
        snapshot.durationMs = -1;
      }),
    ],
    [
      "an unknown part name",
      false,
      broken((snapshot) => {
        snapshot.parts.push("secrets");
      }),
    ],
    [
      "a resource without an id",
      false,
      broken((snapshot) => {
        snapshot.resources.push({ name: "no-id" });
      }),
    ],
    [
      "a key comparison with a property the schema forbids",
      false,
      broken((snapshot) => {
        snapshot.keys.storage.value = "leaked";
      }),
    ],
    [
      "a key comparison outcome not in its enum",
      false,
      broken((snapshot) => {
        snapshot.keys.registry.outcome = "maybe";
      }),
    ],
    [
      "a non-integer request count",
      false,
      broken((snapshot) => {
        snapshot.requests = 1.5;
      }),
    ],
  ];

  test.each(cases)("%s: valid is %s, with the same first error", (_name, valid, data) => {
    const snapshot = data();
    expect(validateCheckedIn(snapshot)).toBe(valid);
    expect(validateFresh(snapshot)).toBe(valid);
    expect(validateCheckedIn.errors ?? null).toEqual(validateFresh.errors ?? null);
    if (!valid) expect(validateCheckedIn.errors?.length).toBeGreaterThan(0);
  });

  test("checkSnapshot reports the generated validator's first error in its one line", () => {
    const snapshot = broken((copy) => {
      copy.durationMs = -1;
    })();
    expect(() => checkSnapshot(snapshot, "x.json")).toThrow(PreflightError);
    expect(() => checkSnapshot(snapshot, "x.json")).toThrow(
      "snapshot x.json does not match the snapshot schema (/durationMs must be >= 0); collect it again",
    );
    expect(checkSnapshot(structuredClone(healthy), "x.json")).toEqual(healthy);
  });
});
