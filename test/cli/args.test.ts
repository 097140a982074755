// The flag readers every command's options are built from: a repeated single-value flag takes its
// last value, numbers and choices are checked with one line that quotes what was typed, and an
// empty list is refused rather than read as "everything".

import { describe, expect, test } from "vitest";
import { PreflightError } from "../../src/core/errors.js";
import { choiceFlag, countFlag, listFlag, secondsFlag, stringFlag } from "../../src/cli/args.js";

describe("flag readers", () => {
  test("a single-value flag given twice: the last wins", () => {
    expect(stringFlag({ workspace: ["a", "b"] }, "workspace")).toBe("b");
    expect(choiceFlag({ "fail-on": ["warn", "fail"] }, "fail-on", ["fail", "warn", "unknown"])).toBe("fail");
    expect(secondsFlag({ timeout: ["10", "20"] }, "timeout")).toBe(20);
  });

  test("numbers: what was typed is quoted when it does not fit", () => {
    expect(() => secondsFlag({ timeout: "abc" }, "timeout")).toThrow(
      "--timeout must be a positive number of seconds, got abc",
    );
    expect(() => secondsFlag({ timeout: "0" }, "timeout")).toThrow(/got 0$/);
    expect(secondsFlag({ "retry-delay": "0" }, "retry-delay", true)).toBe(0);
    expect(() => secondsFlag({ timeout: "" }, "timeout")).toThrow('got ""');
    expect(() => countFlag({ retries: "1.5" }, "retries", 0, 10)).toThrow(
      "--retries must be a whole number from 0 to 10, got 1.5",
    );
    expect(countFlag({ retries: 3 }, "retries", 0, 10)).toBe(3);
  });

  test("choices: the accepted values are named", () => {
    expect(() => choiceFlag({ format: "yaml" }, "format", ["text", "json"])).toThrow(
      '--format must be one of text, json, got "yaml"',
    );
  });

  test("lists: repeated and comma-separated values add up; an empty one is refused", () => {
    expect(listFlag({ only: ["key-sync,private-dns", " trusted-access "] }, "only")).toEqual([
      "key-sync",
      "private-dns",
      "trusted-access",
    ]);
    expect(listFlag({}, "only")).toEqual([]);
    expect(() => listFlag({ only: "" }, "only")).toThrow(PreflightError);
    expect(() => listFlag({ only: [" , "] }, "only")).toThrow("--only was given without a value");
    expect(listFlag({ report: ["junit=a,b.xml"] }, "report", false)).toEqual(["junit=a,b.xml"]);
  });
});
