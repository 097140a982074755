// The config file: read from YAML or JSON, held to src/cli/config.schema.json and to what the schema
// cannot say; every mistake is one line naming the file, the entry and the field. Its defaults lose
// to the flags given, and its waivers' expiry is judged by the run's day in UTC.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportSettings } from "../../src/cli/common.js";
import { checkConfig, loadConfig } from "../../src/cli/config.js";
import { fleetSettings } from "../../src/cli/fleet-options.js";
import { createParser } from "../../src/cli/main.js";
import { PreflightError } from "../../src/core/errors.js";

const FILE = "preflight.config.yaml";
const TODAY = "2026-11-25";
const NOW = new Date("2026-11-25T23:30:00.000Z");
const ID = "/subscriptions/6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7/resourceGroups/ml-platform-rg";
const good = { check: "key-sync", resource: `${ID}/*`, reason: "rotation scheduled", expires: "2027-01-31" };

/** The one line checkConfig refuses `data` with. */
function refusal(data: unknown): string {
  try {
    checkConfig(data, FILE, TODAY);
  } catch (error) {
    expect(error).toBeInstanceOf(PreflightError);
    const message = (error as Error).message;
    expect(message.split("\n")).toHaveLength(1);
    return message;
  }
  throw new Error("accepted");
}

describe("checkConfig", () => {
  test("a full file: defaults by flag, and the waivers with the file and the day", () => {
    const config = checkConfig(
      {
        $schema: "https://aml-preflight.dev/schema/config-1.json",
        "fail-on": "warn",
        only: ["key-sync", "private-dns"],
        skip: ["workspace-diagnose"],
        "docs-url": "https://example.org/checks/{id}.md",
        fleet: { subscription: ["sub-a"], "resource-group": ["ml-rg"], tag: ["env=prod"] },
        waivers: [good, { ...good, check: "*", owner: "alice@contoso.com" }],
      },
      FILE,
      TODAY,
    );
    expect(config.defaults).toEqual({
      failOn: "warn",
      only: ["key-sync", "private-dns"],
      skip: ["workspace-diagnose"],
      docsUrl: "https://example.org/checks/{id}.md",
      fleet: { subscription: ["sub-a"], "resource-group": ["ml-rg"], tag: ["env=prod"] },
    });
    expect(config.waivers).toEqual({
      file: FILE,
      today: TODAY,
      waivers: [good, { ...good, check: "*", owner: "alice@contoso.com" }],
    });
  });

  test("no waivers: none to apply; an empty file is no settings", () => {
    expect(checkConfig({ waivers: [] }, FILE, TODAY).waivers).toBeUndefined();
    expect(checkConfig({}, FILE, TODAY)).toEqual({ file: FILE, defaults: {} });
  });

  test.each([
    [
      "no reason",
      { waivers: [{ ...good, reason: undefined }] },
      /^preflight\.config\.yaml: waivers\[0\] \(key-sync\): reason is missing/,
    ],
    [
      "no expires",
      { waivers: [good, { ...good, expires: undefined }] },
      /: waivers\[1\] \(key-sync\): expires is missing/,
    ],
    ["no check", { waivers: [{ ...good, check: undefined }] }, /: waivers\[0\]: check is missing/],
    ["an empty reason", { waivers: [{ ...good, reason: "  " }] }, /: waivers\[0\] \(key-sync\): reason must say why/],
    ["an empty owner", { waivers: [{ ...good, owner: "" }] }, /: waivers\[0\] \(key-sync\): owner must name who/],
    [
      "a date in another form",
      { waivers: [{ ...good, expires: "31/01/2027" }] },
      /: waivers\[0\] \(key-sync\): expires must be the last day the waiver holds, YYYY-MM-DD, got "31\/01\/2027"/,
    ],
    [
      "a day that is not in the calendar",
      { waivers: [{ ...good, expires: "2027-02-29" }] },
      /: waivers\[0\] \(key-sync\): expires 2027-02-29 is not a date/,
    ],
    [
      "more than a year out",
      { waivers: [{ ...good, expires: "2027-11-26" }] },
      /: waivers\[0\] \(key-sync\): expires 2027-11-26 is more than a year out \(2027-11-25 at the latest\)/,
    ],
    [
      "a check that does not exist",
      { waivers: [{ ...good, check: "key-synk" }] },
      /: waivers\[0\] \(key-synk\): check "key-synk" is neither a check id nor \*; did you mean key-sync\?/,
    ],
    [
      "a check id in capitals",
      { waivers: [{ ...good, check: "Key-Sync" }] },
      /: waivers\[0\] \(Key-Sync\): check must be a check id .* or \* for every check, got "Key-Sync"/,
    ],
    [
      "a resource that is not an ID",
      { waivers: [{ ...good, resource: "mlresearchstore" }] },
      /: waivers\[0\] \(key-sync\): resource must be an ARM resource ID or a glob over IDs/,
    ],
    [
      "a resource outside /subscriptions/",
      { waivers: [{ ...good, resource: "/providers/x" }] },
      /: waivers\[0\] \(key-sync\): resource must be an ARM resource ID/,
    ],
    [
      "a misspelt field",
      { waivers: [{ ...good, ownr: "me" }] },
      /: waivers\[0\] \(key-sync\): unknown field "ownr"; did you mean owner\?/,
    ],
    [
      "a misspelt top-level key",
      { waiver: [good] },
      /^preflight\.config\.yaml: unknown field "waiver"; did you mean waivers\?/,
    ],
    ["waivers as a mapping", { waivers: good }, /: waivers must be a list, got \{/],
    ["a waiver as text", { waivers: ["key-sync"] }, /: waivers\[0\] must be a mapping \(key: value\), got "key-sync"/],
    [
      "a fail-on level that does not exist",
      { "fail-on": "sometimes" },
      /: fail-on must be one of fail, warn, unknown, got "sometimes"/,
    ],
    ["an unknown check in only", { only: ["key-sync", "dns"] }, /: only\[1\] "dns" is not a check/],
    ["an empty skip", { skip: [] }, /: skip is an empty list; list at least one, or leave skip out/],
    ["a docs-url without {id}", { "docs-url": "https://example.org/docs" }, /: docs-url must contain \{id\}/],
    [
      "a docs-url that is not a URL",
      { "docs-url": "docs/{id}.md" },
      /: docs-url "docs\/\{id\}\.md" is not an absolute URL/,
    ],
    ["a tag without =", { fleet: { tag: ["prod"] } }, /: fleet: tag\[0\] must be key=value/],
    [
      "a list that is not one",
      { fleet: { subscription: "sub-a" } },
      /: fleet: subscription must be a list, got "sub-a"/,
    ],
    ["a file that is a list", [good], /^preflight\.config\.yaml: the file must be a mapping \(key: value\), got \[/],
  ])("refused, in one line: %s", (_name, data, pattern) => {
    expect(refusal(data)).toMatch(pattern);
  });

  test("the latest expiry is the same day a year on; 29 February runs to 1 March", () => {
    expect(checkConfig({ waivers: [{ ...good, expires: "2027-11-25" }] }, FILE, TODAY).waivers).toBeDefined();
    expect(checkConfig({ waivers: [{ ...good, expires: "2029-03-01" }] }, FILE, "2028-02-29").waivers).toBeDefined();
    expect(() => checkConfig({ waivers: [{ ...good, expires: "2029-03-02" }] }, FILE, "2028-02-29")).toThrow(
      /more than a year out \(2029-03-01 at the latest\)/,
    );
  });

  test("an expiry in the past is accepted: the report names it and counts its findings again", () => {
    expect(checkConfig({ waivers: [{ ...good, expires: "2020-01-01" }] }, FILE, TODAY).waivers?.waivers).toHaveLength(
      1,
    );
  });
});

describe("loadConfig", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "preflight-config-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  test("YAML: dates stay text, the day is the run's in UTC", async () => {
    const path = await file(
      "a.yaml",
      `# waivers\nfail-on: warn\nwaivers:\n  - check: key-sync\n    resource: ${ID}/*\n    reason: rotation\n    expires: 2027-01-31\n`,
    );
    const config = await loadConfig({ config: path }, NOW);
    expect(config?.defaults.failOn).toBe("warn");
    expect(config?.waivers).toEqual({
      file: path,
      today: "2026-11-25",
      waivers: [{ check: "key-sync", resource: `${ID}/*`, reason: "rotation", expires: "2027-01-31" }],
    });
    // Five minutes later it is the 26th in UTC, wherever the machine is.
    expect((await loadConfig({ config: path }, new Date("2026-11-26T00:05:00Z")))?.waivers?.today).toBe("2026-11-26");
  });

  test("JSON by its extension; an empty YAML file is no settings", async () => {
    const json = await file("b.json", JSON.stringify({ waivers: [good] }));
    expect((await loadConfig({ config: json }, NOW))?.waivers?.waivers).toEqual([good]);
    const empty = await file("empty.yaml", "# nothing yet\n");
    expect(await loadConfig({ config: empty }, NOW)).toEqual({ file: empty, defaults: {} });
  });

  test("--no-config reads none; bad files are one line naming the file", async () => {
    expect(await loadConfig({ config: false }, NOW)).toBeUndefined();
    await expect(loadConfig({ config: "" }, NOW)).rejects.toThrow(/--config was given without a file/);
    const missing = join(dir, "missing.yaml");
    await expect(loadConfig({ config: missing }, NOW)).rejects.toThrow(`cannot read config ${missing}: no such file`);
    await expect(loadConfig({ config: dir }, NOW)).rejects.toThrow(/it is a directory/);
    const yaml = await file("bad.yaml", "waivers:\n  - check: key-sync\n  resource: x\n");
    await expect(loadConfig({ config: yaml }, NOW)).rejects.toThrow(new RegExp(`^${yaml}: not valid YAML \\(.*line 3`));
    const json = await file("bad.json", "{ waivers: [] }");
    await expect(loadConfig({ config: json }, NOW)).rejects.toThrow(new RegExp(`^${json}: not valid JSON`));
    const star = await file(
      "star.yaml",
      `waivers:\n  - check: *\n    resource: ${ID}/*\n    reason: r\n    expires: 2027-01-01\n`,
    );
    await expect(loadConfig({ config: star }, NOW)).rejects.toThrow(
      /not valid YAML \(.*line 2.*\); a value starting with \* must be quoted: check: "\*"$/,
    );
    const twice = await file("twice.yaml", "fail-on: warn\nfail-on: fail\n");
    await expect(loadConfig({ config: twice }, NOW)).rejects.toThrow(/not valid YAML \(Map keys must be unique/);
  });
});

describe("a flag given beats the config file", () => {
  async function parse(args: string[]): Promise<Record<string, unknown>> {
    let parsed: Record<string, unknown> | undefined;
    await createParser(args, async (_command, argv) => {
      parsed = argv;
    }).parseAsync(args);
    return parsed ?? {};
  }
  const defaults = checkConfig(
    {
      "fail-on": "warn",
      only: ["key-sync"],
      skip: ["private-dns"],
      "docs-url": "https://config.example/{id}",
      fleet: { subscription: ["sub-a"], "resource-group": ["rg-a"], tag: ["env=prod"] },
    },
    FILE,
    TODAY,
  ).defaults;

  test("the file's defaults apply where no flag is given", async () => {
    const settings = reportSettings(await parse(["-w", "ws"]), {}, defaults);
    expect([settings.failOn, settings.only, settings.skip, settings.docsUrl?.({ id: "x" })]).toEqual([
      "warn",
      ["key-sync"],
      ["private-dns"],
      "https://config.example/x",
    ]);
    // Without a file, the built-in defaults.
    const none = reportSettings(await parse(["-w", "ws"]), {});
    expect([none.failOn, none.only, none.skip, none.docsUrl]).toEqual(["fail", [], [], undefined]);
  });

  test("each flag given wins over the file, and PREFLIGHT_DOCS_URL does too", async () => {
    const args = await parse(["-w", "ws", "--fail-on", "fail", "--only", "private-dns", "--skip", "key-sync"]);
    const settings = reportSettings(args, { PREFLIGHT_DOCS_URL: "https://env.example/{id}" }, defaults);
    expect([settings.failOn, settings.only, settings.skip, settings.docsUrl?.({ id: "x" })]).toEqual([
      "fail",
      ["private-dns"],
      ["key-sync"],
      "https://env.example/x",
    ]);
  });

  test("fleet scope: the file's where none is given; --management-group replaces the file's subscriptions", async () => {
    expect(fleetSettings(await parse(["fleet"]), {}, defaults).scope).toMatchObject({
      subscriptions: ["sub-a"],
      managementGroups: [],
      resourceGroups: ["rg-a"],
      tags: [{ key: "env", value: "prod" }],
    });
    expect(
      fleetSettings(await parse(["fleet", "--management-group", "mg", "-g", "rg-b"]), {}, defaults).scope,
    ).toMatchObject({
      subscriptions: [],
      managementGroups: ["mg"],
      resourceGroups: ["rg-b"],
      tags: [{ key: "env", value: "prod" }],
    });
  });
});
