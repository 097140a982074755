// Every report format with waived findings in it, each checked by the same real readers as
// formats.test.ts: JSON by reports/report.schema.json, SARIF by the official 2.1.0 schema (a waived
// root cause is a result with `suppressions`), JUnit by test-results-parser (a waived cause is a
// skipped case with the waiver's reason), Markdown by marked's lexer (a Waived section), and the
// text report (a Waived section). The waivers to look at (expired, stale, expiring) are named in each
// format that a person reads. Planted secrets appear in none of them. docs/waivers.md's worked example
// is rendered here too (UPDATE_GOLDEN=1 rewrites it).

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import AjvDraft04 from "ajv-draft-04";
import { marked, type Tokens } from "marked";
import { parse as parseTestResults } from "test-results-parser";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { FORMATS, type Format } from "../../reports/formats.js";
import { loadRenderers } from "../../reports/index.js";
import { waiverNotes, type RenderOptions } from "../../reports/shared.js";
import { checkConfig } from "../../src/cli/config.js";
import { auditReport } from "../../src/engine/audit.js";
import { exitCodeFor } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import type { Waiver } from "../../src/engine/waivers.js";
import { HEALTHY, ROOT, auditScenario, byName, demoScenario, type Json } from "../harness.js";
import packageJson from "../../package.json" with { type: "json" };

const RENDERERS = await loadRenderers();
const require = createRequire(import.meta.url);
const OPTIONS: RenderOptions = { colour: false, verbose: false, failOn: "fail" };
const RG_ID = `/subscriptions/${HEALTHY.subscriptionId}/resourceGroups/${HEALTHY.resourceGroup}`;
const STORAGE = `${RG_ID}/providers/Microsoft.Storage/storageAccounts/mlresearchstore`;
const TODAY = "2026-11-25";

const WAIVERS: Waiver[] = [
  // By exact ID, with an owner: the stale storage key.
  {
    check: "key-sync",
    resource: STORAGE,
    reason: "key rotation booked with the platform team",
    expires: "2027-01-31",
    owner: "alice@contoso.com",
  },
  // By glob, 10 days left: every blocked flow of required-outbound in the resource group.
  { check: "required-outbound", resource: `${RG_ID}/*`, reason: "NSG rework in sprint 42", expires: "2026-12-05" },
  // Expired: service-tags-outbound's findings count again.
  { check: "service-tags-outbound", resource: `${RG_ID}/*`, reason: "was the old firewall", expires: "2026-11-01" },
  // Matches nothing.
  {
    check: "private-dns",
    resource: `${RG_ID}/providers/Microsoft.Network/privateDnsZones/*`,
    reason: "x",
    expires: "2027-01-31",
  },
];

let report: Report;
let outputs: Record<Format, string>;
let secrets: string[] = [];
let work = "";

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "preflight-waivers-"));
  const scenario = demoScenario();
  // A secret in a tag, and every key of the key actions replaced by a random one (matches stay matches).
  const replaced = new Map<string, string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (typeof value === "string" && ["value", "userStorageKey", "password"].includes(key)) {
        if (!replaced.has(value)) replaced.set(value, randomBytes(24).toString("base64url"));
        (node as Record<string, unknown>)[key] = replaced.get(value);
      } else visit(value);
    }
  };
  visit(scenario.actions);
  secrets = [...replaced.values()];
  byName(scenario, "/storageAccounts/mlresearchstore").tags = { "pasted-key": secrets[0] };
  const { snapshot } = await auditScenario(scenario, { now: `${TODAY}T09:00:00.000Z` });
  report = {
    ...auditReport(snapshot, CHECKS, {
      toolVersion: "0.0.0-test",
      startedAt: `${TODAY}T09:00:00.000Z`,
      durationMs: 0,
      ticket: "TKT-waivers",
      waivers: { file: "preflight.config.yaml", today: TODAY, waivers: WAIVERS },
    }),
  };
  outputs = Object.fromEntries(FORMATS.map((format) => [format, RENDERERS[format](report, OPTIONS)])) as Record<
    Format,
    string
  >;
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test("the case is what its waivers say: two waived, one expired, one stale, one expiring", () => {
  expect(report.waivers?.entries.map((entry) => entry.state)).toEqual(["active", "expiring", "expired", "stale"]);
  expect(report.waivers?.causes.map((cause) => cause.checks)).toEqual([["required-outbound"], ["key-sync"]]);
  expect(report.checks.find((check) => check.id === "key-sync")?.status).toBe("pass");
  expect(report.checks.find((check) => check.id === "service-tags-outbound")?.status).toBe("fail");
  expect(exitCodeFor(report, "fail")).toBe(1);
  expect(waiverNotes(report.waivers!).map((note) => note.state)).toEqual(["expired", "stale", "expiring"]);
});

test("json: validates against reports/report.schema.json and round-trips", async () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(
    JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object,
  );
  const parsed = JSON.parse(outputs.json) as Json;
  expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  expect(parsed).toEqual(JSON.parse(JSON.stringify(report)));
  const keySync = (parsed.checks as Json[]).find((check) => check.id === "key-sync");
  expect(keySync?.findings[0].waived).toEqual({
    reason: "key rotation booked with the platform team",
    owner: "alice@contoso.com",
    expires: "2027-01-31",
  });
  // A waived finding keeps its status.
  expect(keySync?.findings[0].status).toBe("fail");
  // The schema refuses a waived finding without its terms (the check above can fail).
  keySync!.findings[0].waived = { owner: "x" };
  expect(validate(parsed)).toBe(false);
});

test("sarif: valid 2.1.0; each waived root cause is a result suppressed by its waiver", () => {
  const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as object;
  const validate = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false }).compile(schema);
  const log = JSON.parse(outputs.sarif) as Json;
  expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
  const results = log.runs[0].results as Json[];
  expect(results).toHaveLength(report.rootCauses.length + (report.waivers?.causes.length ?? 0));
  const suppressed = results.filter((result) => result.suppressions);
  expect(suppressed.map((result) => result.properties.checks)).toEqual([["required-outbound"], ["key-sync"]]);
  expect(suppressed.find((result) => result.ruleId === "key-sync")?.suppressions).toEqual([
    {
      kind: "external",
      status: "accepted",
      justification: "key rotation booked with the platform team",
      properties: { expires: "2027-01-31", owner: "alice@contoso.com", file: "preflight.config.yaml" },
    },
  ]);
  expect(log.runs[0].properties.waived).toBe(report.waivers?.waived);
});

test("junit: a JUnit reader sees each waived cause as a skipped case, the reason in its output", async () => {
  const file = join(work, "waivers.xml");
  await writeFile(file, outputs.junit);
  const suites = parseTestResults({ type: "junit", files: [file] }).suites;
  const keySync = suites.find((suite) => suite.name === "key-sync");
  expect(keySync?.cases.map((testCase) => [testCase.name, testCase.status])).toEqual([
    ["mlresearchstore → out of sync (waived)", "SKIP"],
    ["mlresearchacr → in sync", "PASS"],
  ]);
  const required = suites.find((suite) => suite.name === "required-outbound");
  expect(required?.cases[0]?.status).toBe("SKIP");
  expect(required?.failed).toBe(0);
  // service-tags-outbound's waiver expired: its cause fails again.
  expect(suites.find((suite) => suite.name === "service-tags-outbound")?.failed).toBe(1);
  expect(outputs.junit).toContain(
    "WAIVED until 2027-01-31, owner alice@contoso.com: key rotation booked with the platform team",
  );
});

test("markdown: a Waived section with each waived cause and its terms, and the waivers to look at", () => {
  const tokens = marked.lexer(outputs.markdown);
  const h2 = tokens.filter((token): token is Tokens.Heading => token.type === "heading" && token.depth === 2);
  expect(h2.map((heading) => heading.text)).toEqual(["Problems", "Waived", "Checks", "Details", "Reads that failed"]);
  const start = tokens.findIndex((token) => token === h2[1]);
  const end = tokens.findIndex((token) => token === h2[2]);
  const section = tokens
    .slice(start, end)
    .map((token) => token.raw)
    .join("")
    .replace(/\\(.)/g, "$1");
  expect(section).toContain("**2 problems** waived in `preflight.config.yaml`");
  expect(section).toContain(
    "Waived until 2027-01-31, owner alice@contoso.com: key rotation booked with the platform team",
  );
  expect(section).toContain("Waived until 2026-12-05: NSG rework in sprint 42");
  for (const note of waiverNotes(report.waivers!)) expect(section).toContain(`- ${note.state}: ${note.text}`);
  // The problems are only the ones that count.
  const problems = tokens
    .slice(0, start)
    .filter((token) => token.type === "heading" && (token as Tokens.Heading).depth === 3);
  expect(problems).toHaveLength(report.rootCauses.length);
  expect(outputs.markdown).toMatch(/^\|Waivers\|12 findings waived \(preflight\.config\.yaml\)\|$/m);
});

test("text: a Waived section after the problems, the checks marked, the summary counting what is waived", () => {
  const text = outputs.text;
  // Wrapped lines read as one.
  const unwrapped = text.replace(/\n {2,}/g, " ");
  expect(text).toMatch(/^Waived in preflight\.config\.yaml: 2 problems, left out of the counts$/m);
  expect(text.indexOf("Waived in")).toBeLessThan(text.indexOf("✓ pass    key-sync"));
  expect(text).toMatch(/^✓ pass {4}key-sync +\(1 waived\) /m);
  expect(unwrapped).toContain(
    " key-sync: until 2027-01-31, owner alice@contoso.com: key rotation booked with the platform team",
  );
  expect(unwrapped).toMatch(
    /^! waivers\[2\] \(service-tags-outbound on \S+\) expired on 2026-11-01: its 2 findings count again$/m,
  );
  expect(unwrapped).toMatch(
    /^! waivers\[3\] \(private-dns on \S+\) matches no problem: it is stale; remove it from preflight\.config\.yaml$/m,
  );
  expect(unwrapped).toMatch(/^! waivers\[1\] \(required-outbound on \S+\) expires in 10 days \(2026-12-05\)/m);
  expect(text).toMatch(new RegExp(`; ${report.waivers?.waived} findings waived \\(preflight\\.config\\.yaml\\)$`, "m"));
});

test("planted secrets appear in no format", () => {
  expect(secrets.length).toBeGreaterThan(1);
  for (const [format, text] of Object.entries(outputs))
    for (const secret of secrets) expect(text.includes(secret), `${format} holds a secret`).toBe(false);
});

describe("docs/waivers.md's worked example", () => {
  const PAGE = join(ROOT, "docs/waivers.md");
  const block = (text: string, name: string) =>
    new RegExp(`<!-- example:${name} -->\\n\`\`\`(\\w+)\\n([\\s\\S]*?)\`\`\`\\n<!-- /example:${name} -->`).exec(text);

  test("is the demo audited with the page's config file on 2026-11-25, as rendered", async () => {
    const page = await readFile(PAGE, "utf8");
    const config = block(page, "waivers-config");
    expect(config?.[1]).toBe("yaml");
    const { waivers } = checkConfig(parseYaml(config?.[2] ?? ""), "preflight.config.yaml", TODAY);
    expect(waivers?.waivers).toHaveLength(3);
    const { snapshot } = await auditScenario(demoScenario(), { now: `${TODAY}T09:00:00.000Z` });
    const demo = auditReport(snapshot, CHECKS, {
      toolVersion: packageJson.version,
      startedAt: `${TODAY}T09:00:00.000Z`,
      durationMs: 612,
      ...(waivers ? { waivers } : {}),
    });
    const text = RENDERERS.text(demo, { ...OPTIONS, width: 100 });
    expect(demo.waivers?.entries.map((entry) => entry.state)).toEqual(["active", "expiring", "stale"]);
    expect(exitCodeFor(demo, "fail")).toBe(1);
    const shown = `<!-- example:waivers-text -->\n\`\`\`text\n${text}\`\`\`\n<!-- /example:waivers-text -->`;
    if (process.env.UPDATE_GOLDEN === "1")
      await writeFile(
        PAGE,
        page.replace(/<!-- example:waivers-text -->[\s\S]*?<!-- \/example:waivers-text -->/, () => shown),
      );
    else expect(page.includes(shown), "docs/waivers.md's text example is stale: run UPDATE_GOLDEN=1").toBe(true);
  });

  test("the page's other YAML example is a valid config file", async () => {
    const page = await readFile(PAGE, "utf8");
    const first = /```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? "";
    const config = checkConfig(parseYaml(first.replaceAll("<id>", "0000")), "preflight.config.yaml", TODAY);
    expect(config.defaults.failOn).toBe("warn");
    expect(config.waivers?.waivers).toHaveLength(1);
  });
});
