// A snapshot is often someone else's file. Whatever its strings hold (escape sequences that set a
// terminal's title or clear its screen, bell, backspace, C1 controls, bidirectional controls), the
// text, Markdown and JUnit reports print no control character but the newline; JSON and SARIF keep
// the text, escaped. The same holds for what else a run reads from a file: the two sides of a diff, a
// baseline report, a config file's waivers (and the warnings about them on stderr), and the one-line
// errors that quote a file. The fix script quotes every name as one bash word: bash reads it back as
// the name and runs nothing in it. Seeded like the other property tests: FC_SEED, FC_RUNS.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { renderDiff } from "../../reports/diff/index.js";
import { renderFixScript } from "../../reports/fix-script.js";
import { loadRenderers } from "../../reports/index.js";
import { DEFAULT_RENDER_OPTIONS, waiverNotes } from "../../reports/shared.js";
import { warnAboutWaivers } from "../../src/cli/config.js";
import type { CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { visibleText } from "../../src/core/visible.js";
import { analyzeBuildLog } from "../../src/doctor/build-log/analyze.js";
import { auditReport } from "../../src/engine/audit.js";
import { applyBaseline } from "../../src/engine/baseline.js";
import { diffStates } from "../../src/engine/diff.js";
import { buildReport } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import { renderDoctor } from "../../reports/doctor/index.js";
import { auditScenario, demoScenario, denyMovedScenario, healthyScenario } from "../harness.js";
import { stubAz, type StubAzRun } from "../stub-az.js";
import { middle, namePlanter } from "./plant-names.js";

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 424242;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 25;

/**
 * What a hostile or broken file might carry: OSC title, clear screen, SGR colour, bell, backspace, a
 * lone carriage return, NUL, C1 CSI and NEL, DEL, an override, an isolate and a mark.
 */
const NASTY = [
  "\u001b]0;pwned\u0007",
  "\u001b[2J",
  "\u001b[1;31m",
  "\u0007",
  "\u0008",
  "\r",
  "\u0000",
  "\u009b31m",
  "\u0085",
  "\u007f",
  "\u202e",
  "\u2067",
  "\u200f",
];
/** What a name would carry to run code in a shell that read it unquoted, or end its quotes. */
const SHELL = ["$(touch pwned)", "`touch pwned`", "'", '"', "\n;touch pwned;#", "\\", " -o x", "!$"];
/** Any control character but the newline, and Unicode's bidirectional controls. */
// eslint-disable-next-line no-control-regex -- the point of the test
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const RENDERERS = await loadRenderers();
const SETTINGS = { toolVersion: "0.0.0-test", durationMs: 0 };
let base: Snapshot;
let healthy: Snapshot;
let moved: Snapshot;

beforeAll(async () => {
  const now = "2026-11-25T05:00:00.000Z";
  const collect = async (scenario: ReturnType<typeof demoScenario>) =>
    (await auditScenario(scenario, { now })).snapshot;
  [base, healthy, moved] = await Promise.all([
    collect(demoScenario()),
    collect(healthyScenario()),
    collect(denyMovedScenario()),
  ]);
});

/** A failed expectation that says which character got through, and where. */
function expectNoControl(output: string, what: string): void {
  const hit = CONTROL.exec(output);
  expect(
    hit,
    `${what}: ${JSON.stringify(hit?.[0])} near ${JSON.stringify(output.slice((hit?.index ?? 0) - 40, (hit?.index ?? 0) + 10))}`,
  ).toBeNull();
}

/**
 * A copy of a snapshot with `insert` in every name: the `name` of every resource and sub-resource,
 * the names inside every resource ID, the target's workspace and resource group.
 */
const plantNames = namePlanter({ keys: ["name", "workspace", "resourceGroup"] });

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
        for (const format of ["text", "markdown", "junit"] as const)
          expectNoControl(RENDERERS[format](report, { ...DEFAULT_RENDER_OPTIONS, verbose: true }), format);
        // JSON and SARIF keep what the snapshot said, escaped.
        for (const format of ["json", "sarif"] as const)
          expectNoControl(RENDERERS[format](report, DEFAULT_RENDER_OPTIONS), format);
        // ...and the JSON parses back to what the snapshot said.
        expect(JSON.stringify(JSON.parse(RENDERERS.json(report, DEFAULT_RENDER_OPTIONS)))).toContain(
          JSON.stringify(nasty).slice(1, -1),
        );
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

describe("what else a run reads from a file never reaches the terminal raw", () => {
  const nasties = fc.constantFrom(...NASTY);

  test("a diff of two planted snapshots, and of planted reports: text and Markdown show none, JSON escapes them", () => {
    fc.assert(
      fc.property(nasties, (nasty) => {
        const before = plantNames(healthy, nasty) as Snapshot;
        const after = plantNames(moved, nasty) as Snapshot;
        const snapshots = diffStates(
          { file: `before${nasty}.json`, kind: "snapshot", snapshot: before },
          { file: `after${nasty}.json`, kind: "snapshot", snapshot: after },
          { checks: CHECKS, toolVersion: "0.0.0-test" },
        );
        expect(snapshots.resources?.changed.length ?? 0, "the moved rule is a change").toBeGreaterThan(0);
        const judged = (snapshot: Snapshot): Report =>
          buildReport(snapshot, CHECKS, { ...SETTINGS, startedAt: snapshot.collectedAt });
        const reports = diffStates(
          { file: "before.json", kind: "report", report: judged(before) },
          { file: "after.json", kind: "report", report: judged(after) },
          { checks: CHECKS, toolVersion: "0.0.0-test" },
        );
        for (const diff of [snapshots, reports]) {
          for (const verbose of [false, true])
            for (const format of ["text", "markdown"] as const)
              expectNoControl(renderDiff(format, diff, { verbose }), `diff ${format}`);
          expectNoControl(renderDiff("json", diff, { verbose: false }), "diff json");
        }
        // The moved rule is named, its characters written out.
        expect(renderDiff("text", snapshots, { verbose: true })).toContain(
          visibleText(middle("DenyInternetOut", nasty)),
        );
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test("a baseline whose findings carry them: the fixed problems are listed with them written out", () => {
    const fixedMessages = (report: Report): string[] => report.baseline?.fixed.map((fixed) => fixed.message) ?? [];
    fc.assert(
      fc.property(nasties, (nasty) => {
        // The demo's problems, as a planted earlier report; today's audit is the healthy twin's.
        const earlier = buildReport(plantNames(base, nasty) as Snapshot, CHECKS, {
          ...SETTINGS,
          startedAt: base.collectedAt,
        });
        const earlierPlanted: Report = {
          ...earlier,
          checks: earlier.checks.map((check) => ({
            ...check,
            findings: check.findings.map((finding) => ({ ...finding, message: `${finding.message}${nasty}` })),
          })),
        };
        const today = buildReport(healthy, CHECKS, { ...SETTINGS, startedAt: healthy.collectedAt });
        const report = applyBaseline(today, earlierPlanted, { file: `earlier${nasty}.json`, failOnNew: false });
        expect(fixedMessages(report).length, "the demo's problems are fixed in the healthy twin").toBeGreaterThan(0);
        for (const verbose of [false, true])
          for (const format of ["text", "markdown", "junit"] as const)
            expectNoControl(RENDERERS[format](report, { ...DEFAULT_RENDER_OPTIONS, verbose }), `baseline ${format}`);
        for (const format of ["json", "sarif"] as const)
          expectNoControl(RENDERERS[format](report, DEFAULT_RENDER_OPTIONS), `baseline ${format}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test("a config file's waivers (reason, owner, resource): the Waived section and the warnings on stderr show none", () => {
    fc.assert(
      fc.property(nasties, (nasty) => {
        const report = buildReport(base, CHECKS, {
          ...SETTINGS,
          startedAt: base.collectedAt,
          waivers: {
            file: `preflight${nasty}.config.yaml`,
            today: "2026-11-25",
            waivers: [
              {
                check: "*",
                resource: "/subscriptions/*",
                reason: `accepted${nasty}`,
                owner: `alice${nasty}`,
                expires: "2026-11-30",
              },
              {
                check: "key-sync",
                resource: `/subscriptions/*/nothing${nasty}`,
                reason: `stale${nasty}`,
                expires: "2027-01-01",
              },
              { check: "private-dns", resource: "/subscriptions/*", reason: `expired${nasty}`, expires: "2026-01-01" },
            ],
          },
        });
        expect(report.waivers?.waived ?? 0, "the waivers match the demo's problems").toBeGreaterThan(0);
        for (const verbose of [false, true])
          for (const format of ["text", "markdown", "junit"] as const) {
            const output = RENDERERS[format](report, { ...DEFAULT_RENDER_OPTIONS, verbose });
            expectNoControl(output, `waived ${format}`);
            expect(output).toContain("accepted");
          }
        for (const format of ["json", "sarif"] as const)
          expectNoControl(RENDERERS[format](report, DEFAULT_RENDER_OPTIONS), `waived ${format}`);
        let stderr = "";
        const io: CliIo = { stdout: () => {}, stderr: (text) => (stderr += text), env: {}, stdoutIsTTY: false };
        warnAboutWaivers(io, waiverNotes(report.waivers!), [{ format: "json" }]);
        expect(stderr).toContain("stale");
        expectNoControl(stderr, "waiver warnings");
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test("one-line errors that quote a file, a name in it or a flag's value show none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "preflight-terminal-"));
    try {
      for (const nasty of NASTY) {
        const garbage = join(dir, "garbage.json");
        writeFileSync(garbage, `${nasty}{`);
        const otherWorkspace = join(dir, "other.json");
        writeFileSync(otherWorkspace, JSON.stringify(plantNames(moved, nasty)));
        const config = join(dir, "bad.config.json");
        writeFileSync(
          config,
          JSON.stringify({
            waivers: [{ check: `no-such${nasty}`, resource: "/subscriptions/x", reason: "r", expires: "2027-01-01" }],
          }),
        );
        const healthyFile = join(dir, "healthy.json");
        writeFileSync(healthyFile, JSON.stringify(healthy));
        for (const args of [
          ["audit", "--snapshot", garbage],
          ["audit", "--snapshot", join(dir, `missing${nasty}.json`)],
          // A check id with a space or a carriage return around it is read trimmed, and runs.
          ...(nasty.trim() === nasty ? [["audit", "--snapshot", healthyFile, "--only", `key-sync${nasty}`]] : []),
          ["audit", "--snapshot", healthyFile, "--config", config],
          ["diff", healthyFile, otherWorkspace],
        ]) {
          let stderr = "";
          const io: CliIo = { stdout: () => {}, stderr: (text) => (stderr += text), env: {}, stdoutIsTTY: false };
          expect(await main(args, io), args.join(" ")).toBe(2);
          expect(stderr.trimEnd().split("\n"), "one line").toHaveLength(1);
          expectNoControl(stderr, `${args[0]} ${args[1]} error`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the fix script quotes every name from a snapshot as one bash word", () => {
  const box = mkdtempSync(join(tmpdir(), "preflight-fix-script-"));
  afterAll(() => rmSync(box, { recursive: true, force: true }));
  let runWithStub: ReturnType<typeof stubAz>;
  beforeAll(() => {
    runWithStub = stubAz(box);
  });
  /** The script run by bash with the stub `az`. */
  const runScript = (script: string): StubAzRun => runWithStub(script, "fix.sh");

  test("bash reads each planted name back exactly, runs none of it, and the script shows no control character", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NASTY.filter((nasty) => nasty !== "\u0000"), ...SHELL),
        fc.constantFrom(...SHELL),
        (nasty, shell) => {
          const insert = `${shell}${nasty}`;
          const snapshot = plantNames(moved, insert) as Snapshot;
          const report = auditReport(snapshot, CHECKS, { ...SETTINGS, startedAt: snapshot.collectedAt });
          const script = renderFixScript(report);
          expectNoControl(script.replaceAll("\n", ""), "fix script");
          const { calls, left, status, syntax } = runScript(script);
          expect(syntax, "bash -n accepts it").toBe(0);
          expect(status, "every line ran").toBe(0);
          expect(left, "nothing planted ran").toEqual([]);
          const update = calls.find((call) => call.slice(0, 4).join(" ") === "network nsg rule update");
          expect(update, `the deny rule is moved:\n${script}`).toBeDefined();
          const after = (flag: string) => update?.[update.indexOf(flag) + 1];
          expect(after("-g")).toBe(middle("ml-platform-rg", insert));
          expect(after("--nsg-name")).toBe(middle("training-nsg", insert));
          expect(after("-n")).toBe(middle("DenyInternetOut", insert));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test("a NUL, which no argument can hold, is passed as the text \\x00: the command names nothing rather than a shorter name", () => {
    const snapshot = plantNames(moved, "\u0000") as Snapshot;
    const report = auditReport(snapshot, CHECKS, { ...SETTINGS, startedAt: snapshot.collectedAt });
    const { calls, status } = runScript(renderFixScript(report));
    expect(status).toBe(0);
    const update = calls.find((call) => call.slice(0, 4).join(" ") === "network nsg rule update");
    expect(update?.[update.indexOf("-n") + 1]).toBe(middle("DenyInternetOut", "\\x00"));
  });
});
