// The default text report as a person meets it: the demo fits one screen at 100 columns, root causes
// first with the fix that was proven, names not IDs, colour only where a terminal wants it.

import { beforeAll, describe, expect, test } from "vitest";
import { demoScenario } from "../harness.js";
import { TARGET, e2eSession, type Fake } from "./support.js";

const session = e2eSession("preflight-text-");
let fake: Fake;
beforeAll(async () => {
  fake = await session.fakeArm(demoScenario());
});

/** Display columns of a line (the report's symbols are one column each). */
const columns = (line: string) => [...line].length;

describe.concurrent("the demo's text report", () => {
  test("at COLUMNS=100: at most 60 lines, at most 5 wider, and it names the three fixes", async () => {
    const run = await session.live(fake, TARGET, { env: { COLUMNS: "100" } });
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(60);
    expect(lines.filter((line) => columns(line) > 100).length).toBeLessThanOrEqual(5);
    expect(run.stdout).toContain("DenyInternetOut");
    expect(run.stdout).toMatch(/^ {2}fix: az ml workspace sync-keys /m);
    expect(run.stdout).toMatch(/^ {2}fix: az ml workspace update .*--image-build-compute cpu-build$/m);
    // Root causes come before the list of checks.
    expect(run.stdout.indexOf("DenyInternetOut")).toBeLessThan(run.stdout.indexOf("fail    acr-vnet-image-build"));
    // Names, not IDs, unless --verbose; and no evidence.
    expect(run.stdout).not.toContain("/subscriptions/6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7/resourceGroups");
    expect(run.stdout).not.toContain("decidingRule");
  });

  test("--verbose adds the IDs and the evidence", async () => {
    const run = await session.live(fake, [...TARGET, "--verbose"], { env: { COLUMNS: "100" } });
    expect(run.stdout).toContain("decidingRule");
    expect(run.stdout).toContain("/subscriptions/");
  });

  test("it wraps to COLUMNS (fix commands are never wrapped: they must paste)", async () => {
    const run = await session.live(fake, TARGET, { env: { COLUMNS: "60" } });
    const long = run.stdout.split("\n").filter((line) => columns(line) > 60);
    expect(long.length).toBeGreaterThan(0);
    expect(
      long.every(
        (line) =>
          line.startsWith("  fix: az ") ||
          line.startsWith("✗ fail ") ||
          line.startsWith("✓ pass ") ||
          line.startsWith("- skip "),
      ),
    ).toBe(true);
  });

  test("colour: --color always and never win; auto gives none off a terminal, under NO_COLOR or TERM=dumb", async () => {
    const always = await session.live(fake, [...TARGET, "--color", "always"]);
    expect(always.stdout).toContain("\u001b[");
    const never = await session.live(fake, [...TARGET, "--color", "never"]);
    expect(never.stdout).not.toContain("\u001b[");
    const auto = await session.live(fake, TARGET, { env: { NO_COLOR: "1", TERM: "dumb" } });
    expect(auto.stdout).not.toContain("\u001b[");
  });
});
