// Meta tests: each docs/checks/<id>.md page keeps the promise of the check docs. It names every
// RBAC action the reads behind the check need, every message id the check and the engine can
// report for it (and no other in its table), at least one `az` remediation command, and why
// builds break. The permission table below is pinned to the reads the collector makes, so it cannot drift.

import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { marked, type Token, type Tokens } from "marked";
import { describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { collectSnapshot, expandParts } from "../../src/collect/collector.js";
import { READ_PERMISSIONS, type Operation } from "../../src/collect/permissions.js";
import { DIFFERENCE_PART } from "../../src/engine/parts.js";
import { type Check } from "../../src/engine/types.js";
import { STATUSES } from "../../src/core/status.js";
import { PART_NAMES, type PartName } from "../../src/snapshot/types.js";
import { startFakeArm } from "../fake-arm/server.js";
import { HEALTHY, demoScenario, testReader } from "../harness.js";
import { addFirewall, addResolver } from "../checks/dns-forwarders.js";
import { addVnet, vnetId } from "../checks/mutations.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The reads the collector makes for each part (src/collect/parts/). `workspace` also covers
 * finding the resource group without --resource-group; `networkSecurityGroups` covers the level-3
 * listing of each compute subnet's resource group and the GET of each NSG not found that way;
 * `keys` covers the workspace's, the storage account's and the registry's secrets.
 */
const PART_OPERATIONS: Record<PartName, readonly Operation[]> = {
  workspace: ["workspace get", "workspaces list"],
  storage: ["storage get"],
  registry: ["registry get"],
  keyVault: ["key vault get"],
  computes: ["computes list"],
  privateEndpoints: ["private endpoint get"],
  virtualNetworks: ["virtual network get"],
  networkSecurityGroups: ["network security groups list", "network security group get"],
  privateEndpointTypes: ["availablePrivateEndpointTypes list"],
  keys: ["workspace listKeys", "storage listKeys", "registry listCredentials"],
  routeTables: ["route table get"],
  privateDns: ["private DNS zone groups list", "private DNS zone get", "virtual network links list"],
  dnsForwarders: ["azure firewalls list", "firewall policy get", "DNS resolvers list", "inbound endpoints list"],
  diagnose: ["workspace diagnose"],
};

/** Parts whose whole read can fail and make a requiring check `part-unreadable` (src/engine/parts.ts). */
const UNREADABLE_PARTS: readonly PartName[] = ["storage", "registry", "keyVault", "computes"];
/** Parts whose 404 is a dangling reference: the workspace's dependencies (src/engine/parts.ts). */
const DANGLING_PARTS: readonly PartName[] = ["storage", "registry", "keyVault"];

/** The message ids the engine itself reports for a check (src/engine/run.ts), and which checks can get each. */
const ENGINE_MESSAGES: Record<string, (check: Check) => boolean> = {
  "part-not-collected": () => true,
  "part-unreadable": (check) => check.requires.some((part) => UNREADABLE_PARTS.includes(part)),
  "dangling-reference": (check) => check.requires.some((part) => DANGLING_PARTS.includes(part)),
  "check-crashed": () => true,
  "no-findings": () => true,
  "project-differs-from-hub": (check) => check.requires.some((part) => Object.values(DIFFERENCE_PART).includes(part)),
};

const ACTIONS: ReadonlySet<string> = new Set(Object.values(READ_PERMISSIONS));
const actionsOf = (parts: Iterable<PartName>): string[] => [
  ...new Set([...parts].flatMap((part) => PART_OPERATIONS[part].map((operation) => READ_PERMISSIONS[operation]))),
];

/** The collector cannot run without the workspace (preflight exits 2), so every check needs its read. */
const neededParts = (check: Check): PartName[] => [...new Set<PartName>(["workspace", ...check.requires])];
/** Parts the collector reads anyway because a needed part cannot be read without them. */
const impliedParts = (check: Check): PartName[] =>
  expandParts(check.requires).filter((part) => !neededParts(check).includes(part));

type Sections = Map<string, Token[]>;

interface Page {
  text: string;
  sections: Sections;
}

async function loadPage(check: Check): Promise<Page> {
  const text = await readFile(join(ROOT, check.docs), "utf8");
  const sections: Sections = new Map();
  let current: Token[] | undefined;
  for (const token of marked.lexer(text)) {
    if (token.type === "heading" && (token as Tokens.Heading).depth <= 2) {
      current = [];
      if ((token as Tokens.Heading).depth === 2) sections.set((token as Tokens.Heading).text.trim(), current);
      continue;
    }
    current?.push(token);
  }
  return { text, sections };
}

function section(page: Page, name: string): Token[] {
  const tokens = page.sections.get(name);
  if (!tokens) throw new Error(`no "## ${name}" section`);
  return tokens;
}

/** Every token under `tokens`, depth first: list items, table cells and inline tokens included. */
function walk(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((token) => {
    const children: Token[] = [];
    if ("tokens" in token && Array.isArray(token.tokens)) children.push(...token.tokens);
    if (token.type === "list") children.push(...(token as Tokens.List).items);
    if (token.type === "table") {
      const table = token as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()]) children.push(...cell.tokens);
    }
    return [token, ...walk(children)];
  });
}

/** The text of every inline code span (`like this`) under `tokens`. */
function codespans(tokens: readonly Token[]): string[] {
  return walk(tokens)
    .filter((token): token is Tokens.Codespan => token.type === "codespan")
    .map((token) => token.text);
}

/** The message-id tables: a header whose first two cells are "message id" and "status". */
function messageTables(tokens: readonly Token[]): Tokens.Table[] {
  return walk(tokens)
    .filter((token): token is Tokens.Table => token.type === "table")
    .filter(
      (table) =>
        table.header[0]?.text.trim().toLowerCase() === "message id" &&
        table.header[1]?.text.trim().toLowerCase() === "status",
    );
}

/** The actions in the bullet list that follows the "Permissions…:" paragraph of "Unknown and skip". */
function permissionList(page: Page): { actions: string[]; items: number } {
  const tokens = section(page, "Unknown and skip").filter((token) => token.type !== "space");
  const lead = tokens.findIndex(
    (token) => token.type === "paragraph" && /^Permissions\b[^\n]*:$/.test((token as Tokens.Paragraph).text.trim()),
  );
  if (lead === -1) throw new Error('"## Unknown and skip" has no "Permissions…:" paragraph');
  const list = tokens[lead + 1];
  if (list?.type !== "list") throw new Error('the "Permissions…:" paragraph is not followed by a list');
  const items = (list as Tokens.List).items;
  return {
    actions: items.flatMap((item) => codespans([item]).filter((code) => /^Microsoft\.\w+\//.test(code))),
    items: items.length,
  };
}

/** `az …` commands in fenced blocks (one per line, continuation lines aside) and inline code. */
function azCommands(tokens: readonly Token[]): string[] {
  const blocks = walk(tokens)
    .filter((token): token is Tokens.Code => token.type === "code")
    .flatMap((token) => token.text.split("\n").map((line) => line.trim()));
  return [...blocks, ...codespans(tokens)].filter((line) => /^az [a-z]/.test(line));
}

function rawText(tokens: readonly Token[]): string {
  return tokens
    .map((token) => token.raw)
    .join("")
    .trim();
}

describe("the part → RBAC action table", () => {
  test("covers every part and names only operations READ_PERMISSIONS knows", () => {
    expect(Object.keys(PART_OPERATIONS).sort()).toEqual([...PART_NAMES].sort());
    for (const [part, operations] of Object.entries(PART_OPERATIONS)) {
      expect(operations.length, part).toBeGreaterThan(0);
      for (const operation of operations)
        expect(Object.keys(READ_PERMISSIONS), `${part}: ${operation}`).toContain(operation);
    }
    // Every read the collector can make belongs to some part; the fleet's Resource Graph sweep belongs to none
    // (it replaces reads of several parts, and docs/fleet.md and the README name its permission).
    expect([...new Set(Object.values(PART_OPERATIONS).flat())].sort()).toEqual(
      Object.keys(READ_PERMISSIONS)
        .filter((operation) => operation !== "resource graph query")
        .sort(),
    );
  });

  test("matches the (part, operation) pairs of the reads the collector makes", async () => {
    // Every part of the demo workspace (it has every kind of resource), with --diagnose: found once by
    // name alone (the workspaces list), and once with its resource group and the NSG listing refused
    // (so each NSG is read by ID). The reads are observed on the real reader as the collector makes them.
    const scenario = demoScenario();
    scenario.faults = [{ method: "GET", path: "/networkSecurityGroups$", status: 403, code: "AuthorizationFailed" }];
    // A hub's firewall (its policy is read) and DNS Private Resolver (its inbound endpoints are listed).
    const hubSubnet = addVnet(scenario, "hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
    addFirewall(scenario, { subnetId: hubSubnet, ip: "10.40.0.4" });
    addResolver(scenario, vnetId("hub-vnet"), hubSubnet, "10.40.0.10");
    const fake = await startFakeArm(scenario);
    try {
      const reads = new Set<string>();
      for (const resourceGroup of [undefined, HEALTHY.resourceGroup]) {
        const { reader, redactor } = testReader(fake);
        const observe =
          <A extends unknown[], R>(read: (part: PartName, operation: Operation, ...rest: A) => R) =>
          (part: PartName, operation: Operation, ...rest: A): R => {
            reads.add(`${part} → ${operation}`);
            return read(part, operation, ...rest);
          };
        reader.readOne = observe(reader.readOne.bind(reader));
        reader.readAll = observe(reader.readAll.bind(reader));
        await collectSnapshot({
          reader,
          redactor,
          workspace: { subscriptionId: HEALTHY.subscriptionId, name: HEALTHY.workspace, resourceGroup },
          parts: [...PART_NAMES],
          readKeys: true,
          toolVersion: "0.0.0-test",
          diagnose: { timeoutMs: 10_000 },
        });
      }
      const table = Object.entries(PART_OPERATIONS).flatMap(([part, operations]) =>
        operations.map((operation) => `${part} → ${operation}`),
      );
      expect([...reads].sort()).toEqual(table.sort());
    } finally {
      await fake.close();
    }
  });

  test("the engine message ids are the ones src/engine/run.ts reports", async () => {
    const source = await readFile(join(ROOT, "src/engine/run.ts"), "utf8");
    const literal = [...source.matchAll(/messageId:([^,\n]*)/g)].flatMap((match) =>
      [...(match[1] ?? "").matchAll(/"([^"]+)"/g)].map((quoted) => quoted[1] as string),
    );
    expect([...new Set(literal)].sort()).toEqual(Object.keys(ENGINE_MESSAGES).sort());
  });
});

describe.each(CHECKS.map((check) => [check.id, check] as const))("docs/checks/%s.md", (id, check) => {
  const page = loadPage(check);
  // Read once for all tests below; a failed read fails each of them when awaited, not the run.
  page.catch(() => undefined);

  test("the permissions list names every action the reads for its parts need", async () => {
    const { actions, items } = permissionList(await page);
    const needed = actionsOf(neededParts(check));
    expect(
      needed.filter((action) => !actions.includes(action)),
      `${id}: missing from the permissions list`,
    ).toEqual([]);
    // Every listed action is a real read permission (a typo would send the reader to grant nothing).
    expect(
      actions.filter((action) => !ACTIONS.has(action)),
      `${id}: unknown actions listed`,
    ).toEqual([]);
    expect(items, `${id}: every list item names an action`).toBe(actions.length);
  });

  test("reads made only because a needed part implies them are named in Unknown and skip", async () => {
    const mentioned = codespans(section(await page, "Unknown and skip"));
    const implied = actionsOf(impliedParts(check));
    expect(
      implied.filter((action) => !mentioned.includes(action)),
      `${id}: implied reads not named`,
    ).toEqual([]);
  });

  test("the message-id table lists exactly the check's message ids, each once, with a real status", async () => {
    const tables = messageTables(section(await page, "What it checks"));
    expect(tables.length, `${id}: one "| message id | status |" table`).toBe(1);
    const rows = (tables[0] as Tokens.Table).rows;
    const ids = rows.map((row) => {
      const code = codespans(row[0]?.tokens ?? []);
      expect(code.length, `${id}: row "${row[0]?.text}" names its id in backticks`).toBe(1);
      return code[0] as string;
    });
    expect(new Set(ids).size, `${id}: duplicate rows`).toBe(ids.length);
    expect(
      ids.filter((messageId) => !(messageId in check.messages)),
      `${id}: orphaned message ids`,
    ).toEqual([]);
    expect(
      Object.keys(check.messages).filter((messageId) => !ids.includes(messageId)),
      `${id}: message ids missing from the table`,
    ).toEqual([]);
    for (const row of rows) expect(STATUSES as readonly string[]).toContain(row[1]?.text.trim());
  });

  test("no other table row on the page names a message id the check does not have", async () => {
    const all = [...(await page).sections.values()].flatMap((tokens) => messageTables(tokens));
    const orphans = all
      .flatMap((table) => table.rows.flatMap((row) => codespans(row[0]?.tokens ?? [])))
      .filter((messageId) => !(messageId in check.messages));
    expect(orphans).toEqual([]);
    // Belt and braces for tables the lexer would not see: "| `id` | status |" rows anywhere.
    const statuses = STATUSES.join("|");
    const rowIds = [
      ...(await page).text.matchAll(new RegExp(`^\\|\\s*\`([^\`]+)\`\\s*\\|\\s*(?:${statuses})\\s*\\|`, "gm")),
    ].map((match) => match[1] as string);
    expect(rowIds.filter((messageId) => !(messageId in check.messages))).toEqual([]);
  });

  test("Unknown and skip names the engine's message ids this check can get", async () => {
    const mentioned = codespans(section(await page, "Unknown and skip"));
    const expected = Object.entries(ENGINE_MESSAGES)
      .filter(([, applies]) => applies(check))
      .map(([messageId]) => messageId);
    expect(
      expected.filter((messageId) => !mentioned.includes(messageId)),
      `${id}: engine message ids not mentioned`,
    ).toEqual([]);
  });

  test("How to fix gives at least one az command", async () => {
    expect(azCommands(section(await page, "How to fix")).length).toBeGreaterThan(0);
  });

  test("Why builds break says which failure the check prevents (at least 200 characters)", async () => {
    expect(rawText(section(await page, "Why builds break")).length).toBeGreaterThanOrEqual(200);
  });
});
