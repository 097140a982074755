import { describe, expect, test } from "vitest";
import { countStatuses, exitSentence, reachesFailOn, STATUSES } from "../../src/core/status.js";

describe("the --fail-on rule", () => {
  test.each([
    ["fail", "fail", true],
    ["unknown", "fail", false],
    ["unknown", "unknown", true],
    ["fail", "unknown", true],
    ["warn", "unknown", false],
    ["warn", "warn", true],
    ["unknown", "warn", true],
    ["pass", "warn", false],
    ["skip", "warn", false],
  ] as const)("%s at --fail-on %s: %s", (status, failOn, reaches) => {
    expect(reachesFailOn(status, failOn)).toBe(reaches);
  });
});

describe("countStatuses", () => {
  test("counts every status, zero included", () => {
    expect(countStatuses(["fail", "pass", "pass"])).toEqual({ fail: 1, unknown: 0, warn: 0, pass: 2, skip: 0 });
    expect(Object.keys(countStatuses([]))).toEqual([...STATUSES]);
  });
});

describe("exitSentence", () => {
  const counts = { fail: 0, unknown: 1, warn: 2, pass: 3, skip: 0 };
  test("exit 1 names what reached the level", () => {
    expect(exitSentence({ unit: "check", reached: 1, detail: ": key-sync (unknown)", failOn: "unknown", counts })).toBe(
      "exit 1: 1 check at or above --fail-on unknown: key-sync (unknown)",
    );
    expect(exitSentence({ unit: "workspace", reached: 3, detail: " (3 fail)", failOn: "fail", counts })).toBe(
      "exit 1: 3 workspaces at or above --fail-on fail (3 fail)",
    );
  });

  test("exit 0 counts the problems below the level, and says nothing of passes", () => {
    expect(exitSentence({ unit: "finding", reached: 0, detail: "", failOn: "fail", counts })).toBe(
      "exit 0: no finding at or above --fail-on fail (1 unknown, 2 warn below it)",
    );
    expect(
      exitSentence({
        unit: "check",
        reached: 0,
        detail: "",
        failOn: "warn",
        counts: { ...counts, unknown: 0, warn: 0 },
      }),
    ).toBe("exit 0: no check at or above --fail-on warn");
  });
});
