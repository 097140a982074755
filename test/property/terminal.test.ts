// A snapshot is often someone else's file. Whatever its strings hold (escape sequences that set a
// terminal's title or clear its screen, bell, backspace, bidirectional overrides), the text and
// Markdown reports print no control character but the newline; JSON keeps the text, escaped.
// Seeded like the other property tests: FC_SEED, FC_RUNS.

import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { loadRenderers } from "../../reports/index.js";
import { DEFAULT_RENDER_OPTIONS } from "../../reports/shared.js";
import { analyzeBuildLog } from "../../src/doctor/build-log/analyze.js";
import { buildReport } from "../../src/engine/run.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { renderDoctor } from "../../reports/doctor/index.js";
import { auditScenario, demoScenario } from "../harness.js";

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 424242;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 25;

/** What a hostile or broken file might carry: OSC title, clear screen, bell, backspace, NUL, C1 CSI, RLO. */
const NASTY = ["\u001b]0;pwned\u0007", "\u001b[2J", "\u0007", "\u0008", "\u0000", "\u009b31m", "\u202e"];
/** Any control character but the newline, and the bidirectional controls. */
// eslint-disable-next-line no-control-regex -- the point of the test
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const RENDERERS = await loadRenderers();
let base: Snapshot;

beforeAll(async () => {
  base = (await auditScenario(demoScenario(), { now: "2026-11-25T05:00:00.000Z" })).snapshot;
});

/** A copy of `value` with `insert` planted in every string (and object key) at a position `at` picks. */
function plant(value: unknown, insert: (text: string) => string): unknown {
  if (typeof value === "string") return insert(value);
  if (Array.isArray(value)) return value.map((item) => plant(item, insert));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, plant(child, insert)]));
}

describe("control characters in a snapshot never reach the terminal raw", () => {
  test("every string of the demo's resources, errors and keys carries them: text and Markdown show none", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NASTY), fc.nat(40), (nasty, at) => {
        const insert = (text: string) => `${text.slice(0, at)}${nasty}${text.slice(at)}`;
        const planted: Snapshot = {
          ...base,
          resources: plant(base.resources, insert) as Snapshot["resources"],
          errors: plant(base.errors, insert) as Snapshot["errors"],
        };
        const report = buildReport(planted, CHECKS, {
          toolVersion: "0.0.0-test",
          startedAt: base.collectedAt,
          durationMs: 0,
        });
        for (const format of ["text", "markdown"] as const) {
          const output = RENDERERS[format](report, { ...DEFAULT_RENDER_OPTIONS, verbose: true });
          const hit = CONTROL.exec(output);
          expect(
            hit,
            `${format}: ${JSON.stringify(hit?.[0])} near ${JSON.stringify(output.slice((hit?.index ?? 0) - 40, (hit?.index ?? 0) + 10))}`,
          ).toBeNull();
        }
        // JSON keeps what the snapshot said, escaped.
        expect(RENDERERS.json(report, DEFAULT_RENDER_OPTIONS)).not.toMatch(CONTROL);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test("a rule name with a title-setting sequence is shown written out", () => {
    const rule = "Deny\u001b]0;owned\u0007All";
    const planted = plant(base.resources, (text) =>
      text === "DenyInternetOut" ? rule : text,
    ) as Snapshot["resources"];
    const report = buildReport({ ...base, resources: planted }, CHECKS, {
      toolVersion: "0.0.0-test",
      startedAt: base.collectedAt,
      durationMs: 0,
    });
    const text = RENDERERS.text(report, DEFAULT_RENDER_OPTIONS);
    expect(text).toContain("Deny\\x1b]0;owned\\x07All");
  });

  test("a build log's bell, backspace and overrides are shown written out; its colour codes are dropped", () => {
    const log =
      "Step 1/2 : RUN pip install x\n\u001b[31mERROR: boom\u0007\u0008 \u202eevil\u001b[0m\nThe command '/bin/sh -c pip install x' returned a non-zero code: 1\n";
    const report = analyzeBuildLog(log, { path: "build.log", toolVersion: "0.0.0-test" });
    for (const format of ["text", "markdown"] as const) {
      const output = renderDoctor(format, report, { colour: false, verbose: true, failOn: "fail" });
      expect(output).not.toMatch(CONTROL);
      expect(output).toContain("ERROR: boom\\x07\\x08 \\u202eevil");
    }
  });
});
