// The doctor never throws on what users paste, and how a log reached it (CRLF, a runner's timestamps,
// colour codes) never changes what it finds. Seeded like the other property tests: FC_SEED, FC_RUNS.

import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { analyzeBuildLog } from "../../src/doctor/build-log/analyze.js";
import { lintEnvironment } from "../../src/doctor/env/lint.js";
import { PreflightError } from "../../src/core/errors.js";
import { ROOT } from "../e2e/run-cli.js";

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 424242;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 60;
const PARAMETERS: fc.Parameters<unknown> = { seed: SEED, numRuns: RUNS };

const LOG_DIR = join(ROOT, "test", "fixtures", "build-logs");
const logs = await Promise.all(
  (await readdir(LOG_DIR))
    .filter((name) => name.endsWith(".log"))
    .sort()
    .map(async (name) => ({ name, text: await readFile(join(LOG_DIR, name), "utf8") })),
);
const ENV_DIR = join(ROOT, "test", "fixtures", "env");
const envFiles: { path: string; text: string }[] = [];
for (const entry of await readdir(ENV_DIR, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name === "expected.json" || entry.name === "README.md") continue;
  const full = join(entry.parentPath, entry.name);
  envFiles.push({ path: relative(ENV_DIR, full), text: await readFile(full, "utf8") });
}

const shape = (text: string) =>
  analyzeBuildLog(text, { path: "log", toolVersion: "test" }).findings.map(({ id, line, packages }) => ({
    id,
    line,
    packages,
  }));

describe("build-log", () => {
  test("how the log was carried (CRLF, ACR timestamps, colour codes) does not change the findings", () => {
    fc.assert(
      fc.property(fc.constantFrom(...logs), fc.constantFrom("crlf", "timestamp", "colour"), ({ text }, carriage) => {
        const lines = text.split("\n");
        const last = lines.pop();
        const carried =
          carriage === "crlf"
            ? lines.map((line) => `${line}\r`)
            : carriage === "timestamp"
              ? lines.map((line) => `2024/03/11 09:12:41 ${line}`)
              : lines.map((line) => `\u001b[0m${line}\u001b[0m`);
        expect(shape([...carried, last].join("\n"))).toEqual(shape(text));
      }),
      PARAMETERS,
    );
  });

  test("any mix of real log lines and noise: no throw, findings inside the file, excerpts that hold their line", () => {
    const realLine = fc.constantFrom(...logs.flatMap(({ text }) => text.split("\n")));
    const line = fc.oneof(
      realLine,
      realLine,
      fc.string({ maxLength: 120 }),
      fc.string({ unit: "grapheme", maxLength: 60 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 80 }), (lines) => {
        const report = analyzeBuildLog(lines.join("\n"), { path: "log", toolVersion: "test" });
        expect(report.findings.length).toBe(Object.values(report.summary).reduce((sum, count) => sum + count, 0));
        for (const finding of report.findings) {
          expect(finding.line).toBeGreaterThanOrEqual(1);
          expect(finding.line).toBeLessThanOrEqual(Math.max(1, report.source.lines));
          if (finding.id !== "no-known-cause")
            expect(finding.excerpt.some((entry) => entry.line === finding.line)).toBe(true);
        }
      }),
      PARAMETERS,
    );
  });
});

describe("env", () => {
  test("a fixture with lines dropped, repeated or garbled lints or says it is not valid YAML; nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...envFiles),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("drop", "repeat", "garble")), { maxLength: 4 }),
        async ({ path, text }, edits) => {
          const lines = text.split("\n");
          for (const [at, edit] of edits) {
            const index = at % Math.max(1, lines.length);
            if (edit === "drop") lines.splice(index, 1);
            else if (edit === "repeat") lines.splice(index, 0, lines[index] ?? "");
            else lines[index] = (lines[index] ?? "").split("").reverse().join("");
          }
          const mutated = lines.join("\n");
          try {
            const result = await lintEnvironment(path, mutated, async () => undefined);
            for (const finding of result.findings) expect(finding.line).toBeGreaterThanOrEqual(1);
          } catch (error) {
            expect(error).toBeInstanceOf(PreflightError);
            expect((error as Error).message).toMatch(/is not valid YAML|is empty/);
          }
        },
      ),
      PARAMETERS,
    );
  });
});
