// End to end: waivers in a config file, through the built CLI, on the demo workspace served by the
// fake ARM. A waiver by exact ID and one by glob turn their findings off and mark them; an expired one
// counts again and is named; one that matches nothing is reported as stale; a waiver without a reason
// is exit 2 before any request. The CLI judges expiry by the real clock, so the dates here are set
// relative to today (UTC) and far from any boundary.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { demoScenario, healthyScenario } from "../harness.js";
import {
  RG,
  STORAGE_ID,
  SUB,
  TARGET,
  WORKSPACE_ID,
  e2eSession,
  expectReadOnlyRuns,
  expectUsageError,
  parseReport,
  readLog,
  statuses,
} from "./support.js";

const session = e2eSession("preflight-waivers-");
const { scratch, fakeArm, cli, live } = session;

/** A day `days` from today, UTC, YYYY-MM-DD. */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const SUBNETS = `${RG_ID}/providers/Microsoft.Network/virtualNetworks/ml-vnet/subnets/*`;

interface WaiverEntry {
  check: string;
  resource: string;
  reason?: string;
  expires?: string;
  owner?: string;
}

/** A config file in a fresh directory: YAML (as a person writes it) unless the name says .json. */
async function config(waivers: WaiverEntry[], name = "waivers.yaml", extra = ""): Promise<string> {
  const dir = await scratch("config-");
  const path = join(dir, name);
  const yaml = waivers
    .map((waiver) =>
      Object.entries(waiver)
        .map(([key, value], at) => `${at === 0 ? "  - " : "    "}${key}: ${String(value)}`)
        .join("\n"),
    )
    .join("\n");
  await writeFile(path, name.endsWith(".json") ? JSON.stringify({ waivers }) : `${extra}waivers:\n${yaml}\n`);
  return path;
}

const keySyncWaiver: WaiverEntry = {
  check: "key-sync",
  resource: STORAGE_ID,
  reason: "storage key rotation booked with the platform team",
  expires: day(60),
  owner: "alice@contoso.com",
};

describe.concurrent("waivers on the demo workspace", () => {
  test("by exact ID: the finding is marked and leaves its check, the summary and the root causes", async () => {
    const fake = await fakeArm(demoScenario());
    const file = await config([keySyncWaiver]);
    const result = await live(fake, [...TARGET, "--config", file, "--format", "json"]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe("");
    const report = parseReport(result.stdout) as ReturnType<typeof parseReport> & Record<string, any>;
    expect(statuses(report)["key-sync"]).toBe("pass");
    const finding = report.checks.find((check) => check.id === "key-sync")?.findings[0];
    expect(finding).toMatchObject({
      status: "fail",
      resourceId: STORAGE_ID,
      waived: { reason: keySyncWaiver.reason, owner: "alice@contoso.com", expires: keySyncWaiver.expires },
    });
    expect(report.summary.fail).toBe(3);
    expect(report.rootCauses.map((cause: { key: string }) => cause.key)).not.toContain("stale-keys");
    expect(report.waivers).toMatchObject({ file, waived: 1, entries: [{ index: 0, state: "active" }] });
    expect(report.waivers.causes.map((cause: { key: string }) => cause.key)).toEqual(["stale-keys"]);
    // Not a fix the plan proposes any more.
    expect(report.fixPlan.steps.map((step: { rootCause: string }) => step.rootCause)).not.toContain("stale-keys");
  });

  test("by glob (case-insensitive, * across /): every failing check waived is exit 0, and the text says what is waived", async () => {
    const fake = await fakeArm(demoScenario());
    const file = await config([
      keySyncWaiver,
      {
        check: "required-outbound",
        resource: SUBNETS.toUpperCase(),
        reason: "NSG rework in sprint 42",
        expires: day(90),
      },
      { check: "service-tags-outbound", resource: `${RG_ID}/*`, reason: "NSG rework in sprint 42", expires: day(90) },
      {
        check: "acr-vnet-image-build",
        resource: `/subscriptions/*/workspaces/ml-research`,
        reason: "image builds move",
        expires: day(30),
      },
    ]);
    const result = await live(fake, [...TARGET, "--config", file], { env: { COLUMNS: "300" } });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^No problems but the waived ones below\.$/m);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Waived in ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: 3 problems, left out of the counts$`,
        "m",
      ),
    );
    expect(result.stdout).toMatch(/^✓ pass {4}required-outbound +\(11 waived\) /m);
    expect(result.stdout).toMatch(/; 15 findings waived \(.*waivers\.yaml\)$/m);
    expect(result.stdout).toMatch(/^exit 0: no check at or above --fail-on fail$/m);
    // Nothing to warn about: no waiver expired, stale or close to expiry.
    expect(result.stdout).not.toMatch(/^! /m);
    expect(result.stderr).toBe("");
  });

  test("an expired waiver counts again and is named; one close to expiry is flagged; neither fails the run by itself", async () => {
    const fake = await fakeArm(demoScenario());
    // One date, read once: the run may cross midnight.
    const expired = day(-30);
    const file = await config([
      { ...keySyncWaiver, expires: expired },
      { check: "acr-vnet-image-build", resource: WORKSPACE_ID, reason: "image builds move", expires: day(5) },
    ]);
    const result = await live(fake, [...TARGET, "--config", file, "--format", "json"]);
    expect(result.code).toBe(1);
    const report = parseReport(result.stdout) as ReturnType<typeof parseReport> & Record<string, any>;
    expect(statuses(report)["key-sync"]).toBe("fail");
    expect(statuses(report)["acr-vnet-image-build"]).toBe("pass");
    expect(report.rootCauses.map((cause: { key: string }) => cause.key)).toContain("stale-keys");
    expect(report.waivers.entries.map((entry: { state: string }) => entry.state)).toEqual(["expired", "expiring"]);
    // JSON on stdout: the waivers to look at are warning lines on stderr.
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toEqual([
      `preflight: warning: waivers[0] (key-sync on ${STORAGE_ID}) expired on ${expired}: its 1 finding count again`,
      expect.stringMatching(
        new RegExp(
          `^preflight: warning: waivers\\[1\\] \\(acr-vnet-image-build on .*\\) expires in [45] days \\(${day(5)}\\)`,
        ),
      ),
    ]);
  });

  test("a waiver that matches nothing is stale: a warning line, not a failure", async () => {
    const fake = await fakeArm(healthyScenario());
    const file = await config([
      { ...keySyncWaiver, resource: `${RG_ID}/providers/Microsoft.Storage/storageAccounts/gone` },
    ]);
    const text = await live(fake, [...TARGET, "--config", file], { env: { COLUMNS: "300" } });
    expect(text.code, text.stdout).toBe(0);
    expect(text.stdout).toMatch(
      /^! waivers\[0\] \(key-sync on \S+\/gone\) matches no problem: it is stale; remove it from /m,
    );
    expect(text.stderr).toBe("");
    const json = await live(fake, [...TARGET, "--config", file, "-o", "json"]);
    expect(json.code).toBe(0);
    expect(json.stderr).toMatch(
      /^preflight: warning: waivers\[0\] \(key-sync on .*\/gone\) matches no problem: it is stale/,
    );
    expect(
      (parseReport(json.stdout) as unknown as { waivers: { entries: Array<{ state: string }> } }).waivers.entries[0]
        ?.state,
    ).toBe("stale");
  });

  test.each([
    ["without a reason", { ...keySyncWaiver, reason: undefined }, /: waivers\[0\] \(key-sync\): reason is missing/],
    ["without an expiry", { ...keySyncWaiver, expires: undefined }, /: waivers\[0\] \(key-sync\): expires is missing/],
    [
      "expiring more than a year out",
      { ...keySyncWaiver, expires: day(400) },
      /: waivers\[0\] \(key-sync\): expires \S+ is more than a year out/,
    ],
  ])(
    "a waiver %s is exit 2 in one line naming the file, the entry and the field, before any request",
    async (_name, waiver, pattern) => {
      const fake = await fakeArm(demoScenario());
      const entry = Object.fromEntries(
        Object.entries(waiver).filter(([, value]) => value !== undefined),
      ) as unknown as WaiverEntry;
      const file = await config([entry]);
      const line = expectUsageError(await live(fake, [...TARGET, "--config", file]), pattern);
      expect(line).toContain(file);
      expect(await readLog(fake.logFile)).toEqual([]);
    },
  );

  test("every format with a waived finding: JSON valid, SARIF suppressed, JUnit skipped, Markdown Waived; the offline audit agrees", async () => {
    const fake = await fakeArm(demoScenario());
    const dir = await scratch("formats-");
    const file = await config([keySyncWaiver], "waivers.json");
    const snapshot = join(dir, "snapshot.json");
    const args = [
      "--config",
      file,
      "-o",
      "json",
      "--report",
      `sarif=${join(dir, "r.sarif")}`,
      "--report",
      `junit=${join(dir, "r.xml")}`,
      "--report",
      `markdown=${join(dir, "r.md")}`,
    ];
    const result = await live(fake, [...TARGET, ...args]);
    expect(result.code, result.stderr).toBe(1);
    const report = parseReport(result.stdout);
    const sarif = JSON.parse(await readFile(join(dir, "r.sarif"), "utf8")) as Record<string, any>;
    const suppressed = (sarif.runs[0].results as Array<Record<string, any>>).filter((entry) => entry.suppressions);
    expect(suppressed.map((entry) => [entry.ruleId, entry.suppressions[0].justification])).toEqual([
      ["key-sync", keySyncWaiver.reason],
    ]);
    const junit = await readFile(join(dir, "r.xml"), "utf8");
    expect(junit).toMatch(
      /<testcase classname="key-sync" name="mlresearchstore → out of sync \(waived\)">\s*<skipped\/>/,
    );
    expect(junit).toContain(`WAIVED until ${keySyncWaiver.expires}, owner alice@contoso.com: ${keySyncWaiver.reason}`);
    const markdown = await readFile(join(dir, "r.md"), "utf8");
    expect(markdown).toMatch(/^## Waived$/m);

    expect((await live(fake, ["collect", ...TARGET, "--out", snapshot])).code).toBe(0);
    const offline = await cli(["audit", "--snapshot", snapshot, "--config", file, "-o", "json"]);
    expect(offline.code, offline.stderr).toBe(1);
    expect(statuses(parseReport(offline.stdout))).toEqual(statuses(report));
  });
});

describe.concurrent("where the config file comes from", () => {
  test("preflight.config.yaml in the working directory is read: its fail-on and waivers apply; a flag beats it; --no-config ignores it", async () => {
    const fake = await fakeArm(demoScenario());
    const dir = await scratch("cwd-");
    await writeFile(
      join(dir, "preflight.config.yaml"),
      `fail-on: warn\nonly: [key-sync, private-dns]\nwaivers:\n  - check: key-sync\n    resource: ${STORAGE_ID}\n    reason: rotation booked\n    expires: ${day(60)}\n`,
    );
    const found = await live(fake, [...TARGET, "-o", "json"], { cwd: dir });
    expect(found.code, found.stderr).toBe(0);
    const report = parseReport(found.stdout) as unknown as { checks: Array<{ id: string }>; waivers: { file: string } };
    expect(report.checks.map((check) => check.id).sort()).toEqual(["key-sync", "private-dns"]);
    expect(report.waivers.file).toBe("preflight.config.yaml");
    const flag = await live(fake, [...TARGET, "--only", "key-sync,acr-vnet-image-build", "--fail-on", "fail"], {
      cwd: dir,
    });
    expect(flag.code).toBe(1);
    expect(flag.stdout).toMatch(/^exit 1: 1 check at or above --fail-on fail: acr-vnet-image-build \(fail\)$/m);
    const none = await live(fake, [...TARGET, "--no-config", "--only", "key-sync"], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stdout).not.toContain("waived");
  });

  test("two config files side by side are refused, naming both", async () => {
    const dir = await scratch("two-");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "preflight.config.yaml"), "fail-on: warn\n");
    await writeFile(join(dir, "preflight.config.json"), "{}");
    expectUsageError(
      await cli(["audit", "--snapshot", "s.json"], { cwd: dir }),
      /^preflight: preflight\.config\.yaml and preflight\.config\.json are both in this directory; keep one, or choose with --config FILE$/,
    );
  });
});

test("every run only read", async () => {
  expectReadOnlyRuns(await session.allRequests(), session.runs);
});
