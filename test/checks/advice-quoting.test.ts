// A snapshot is often someone else's file, and the report's advice is meant to be copied into a shell.
// Every `az` command a finding's remediation names (as the Markdown report lifts it out, azCommands)
// quotes each name it took from the snapshot as one bash word: with `$(…)`, backticks, quotes, a
// space, a semicolon, a redirection or a control character planted in every name, bash accepts each
// command, runs nothing planted, and a stub `az` receives the same arguments as for the clean
// snapshot, each planted name whole in its one argument. Placeholders (`<firewall-private-ip>`) are
// the reader's to fill in; the test fills them as a reader would.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { azCommands } from "../../reports/shared.js";
import { buildReport } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { auditScenario, byName, healthyScenario, removeResource, resource, type AuditOptions } from "../harness.js";
import { collectBases, type Bases } from "../property/snapshots.js";
import { namePlanter } from "../property/plant-names.js";
import { stubAz, type StubAzRun } from "../stub-az.js";
import { addFirewall } from "./dns-forwarders.js";
import { WS_ID, addCompute, addVnet, compute, registry, setSubnet, vnetId, type Json } from "./mutations.js";

/** What a name would carry to run code, end its word or its quotes, or redirect, in a shell that read it bare. */
const INSERTS = [
  "$(touch PWNED)",
  "`touch PWNED`",
  `'";touch PWNED;#`,
  " >PWNED <x",
  "\\ && touch PWNED",
  "\u001b]0;x\u0007(",
];

/** A private DNS zone's name is Azure's (privatelink.blob.core.windows.net), not the customer's: kept. */
const ZONE_NAME = /^privatelink\./i;

/**
 * A copy of a snapshot with `insert` in every name the customer chose, in resources, IDs and the target;
 * Azure's names are kept: a zone's, a region's (`locations/westeurope`), a SKU's (Premium).
 */
const plantNames = namePlanter({
  keys: ["name", "workspace", "resourceGroup", "imageBuildCompute"],
  spare: (name, previous) => ZONE_NAME.test(name) || previous === "locations",
  azureNamed: ["sku"],
});

/** A placeholder outside quotes (`<firewall-private-ip>`, `<AKS cluster in 'x'>`) or a quoted word, in a command. */
const QUOTED = String.raw`\$'(?:[^'\\]|\\.)*'|'[^']*'|"[^"]*"|\\.`;
const PLACEHOLDER_OR_QUOTED = new RegExp(`${QUOTED}|<(?:${QUOTED}|[^<>'"])*>`, "g");

/** The command as a reader would run it: each placeholder filled in. */
function filled(command: string): string {
  return command.replace(PLACEHOLDER_OR_QUOTED, (match) => (match.startsWith("<") ? "FILLED" : match));
}

/** Each finding's `az` commands, keyed by check, message and place, so a planted run pairs with the clean one. */
function commandsByFinding(report: Report): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  for (const check of report.checks)
    check.findings.forEach((finding, index) => {
      const found = azCommands(finding.remediation);
      if (found.length > 0) commands.set(`${check.id} ${index} ${finding.messageId}`, found.map(filled));
    });
  return commands;
}

/**
 * Advice the property tests' bases do not give: computes in other regions, an image quarantine, a zone
 * link not ready, a zone gone, a firewall without its DNS proxy, Azure's diagnose naming a lock.
 */
function elsewhere(): { scenario: Scenario; options: AuditOptions } {
  const s = healthyScenario();
  const moved = compute(s, "gpu-train");
  moved.location = "northeurope";
  moved.properties.computeLocation = "northeurope";
  const attached = { provisioningState: "Succeeded", computeLocation: "northeurope" };
  addCompute(s, "aks-infer", { ...attached, computeType: "AKS", properties: { agentVmSize: "Standard_D3_v2" } });
  addCompute(s, "dbx", { ...attached, computeType: "Databricks", properties: {} });
  registry(s).properties.policies.quarantinePolicy.status = "enabled";
  const zones = "/privateDnsZones/privatelink";
  byName(s, `${zones}.blob.core.windows.net/virtualNetworkLinks/ml-vnet-link`).properties.virtualNetworkLinkState =
    "InProgress";
  removeResource(s, `${zones}.file.core.windows.net`);
  removeResource(s, `${zones}.file.core.windows.net/virtualNetworkLinks/ml-vnet-link`);
  const firewallSubnet = addVnet(s, "hub-vnet", "10.40.0.0/16", { subnet: "AzureFirewallSubnet" });
  addFirewall(s, { subnetId: firewallSubnet, ip: "10.40.0.4", dnsSettings: { enableProxy: false, servers: [] } });
  resource(s, vnetId("ml-vnet")).properties.dhcpOptions = { dnsServers: ["10.40.0.4"] };
  setSubnet(s, "ci-alice", addVnet(s, "dev-vnet", "10.60.0.0/16", { subnet: "dev" }));
  resource(s, vnetId("dev-vnet")).properties.dhcpOptions = { dnsServers: ["10.40.0.4", "10.20.0.5"] };
  const diagnose = s.asyncActions?.[`${WS_ID}/diagnose`]?.body as Json;
  diagnose.value.resourceLockResults = [{ code: "ResourceLockFound", level: "Error", message: "A delete lock." }];
  return { scenario: s, options: { diagnose: { timeoutMs: 5000 } } };
}

const SETTINGS = { toolVersion: "0.0.0-test", durationMs: 0 };

function audit(snapshot: Snapshot): Report {
  return buildReport(snapshot, CHECKS, { ...SETTINGS, startedAt: snapshot.collectedAt });
}

describe("the advice's az commands quote every name from a snapshot as one bash word", () => {
  const box = mkdtempSync(join(tmpdir(), "preflight-advice-"));
  let bases: Bases;
  let runWithStub: ReturnType<typeof stubAz>;
  beforeAll(async () => {
    runWithStub = stubAz(box);
    bases = await collectBases();
    const { scenario, options } = elsewhere();
    bases.elsewhere = (await auditScenario(scenario, options)).snapshot;
  }, 120_000);
  afterAll(() => rmSync(box, { recursive: true, force: true }));

  /** The commands, one a line, run by bash with the stub `az`. */
  const run = (commands: string[]): StubAzRun => runWithStub(`${commands.join("\n")}\n`, "advice.sh");

  /** Each command's first words, `az` left out (`network nsg rule create`): what kinds of advice were run. */
  const KINDS = [
    "acr update",
    "lock list",
    "ml compute delete",
    "ml compute detach",
    "ml compute show",
    "ml compute update",
    "ml workspace outbound-rule set",
    "ml workspace provision-network",
    "ml workspace sync-keys",
    "ml workspace update",
    "network firewall policy update",
    "network nat gateway create",
    "network nsg rule create",
    "network private-dns link vnet",
    "network private-dns zone create",
    "network private-endpoint dns-zone-group create",
    "network private-endpoint dns-zone-group delete",
    "network private-endpoint-connection approve",
    "network private-endpoint-connection delete",
    "network public-ip create",
    "network route-table route create",
    "network route-table route delete",
    "network route-table route update",
    "network vnet subnet update",
    "network vnet update",
    "resource update",
    "role assignment create",
    "storage account network-rule add",
    "storage account update",
  ];

  test("bash accepts every command, runs nothing planted, and az gets the clean run's arguments with each name whole", () => {
    const kinds = new Set<string>();
    for (const [name, base] of Object.entries(bases)) {
      const clean = commandsByFinding(audit(base));
      for (const insert of INSERTS) {
        const planted = commandsByFinding(audit(plantNames(base, insert) as Snapshot));
        // Names decide no verdict: the same findings give advice, with the same number of commands.
        expect([...planted].map(([key, commands]) => [key, commands.length])).toEqual(
          [...clean].map(([key, commands]) => [key, commands.length]),
        );
        const commands = [...planted.values()].flat();
        const what = `${name}, names holding ${JSON.stringify(insert)}:\n${commands.join("\n")}`;
        const before = run([...clean.values()].flat());
        const after = run(commands);
        expect(after.syntax, `bash -n accepts each command of ${what}`).toBe(0);
        expect(after.status, `every command ran: ${what}`).toBe(0);
        expect(after.left, `nothing planted ran: ${what}`).toEqual([]);
        // Each argument is the clean run's with the names planted: no name was split, cut or run.
        expect(
          after.calls.map((call) => call.map((arg) => arg.replaceAll(insert, ""))),
          what,
        ).toEqual(before.calls);
        if (commands.length > 0)
          expect(
            after.calls.flat().some((arg) => arg.includes(insert)),
            what,
          ).toBe(true);
        for (const call of before.calls) kinds.add(call.filter((arg) => /^[a-z-]+$/.test(arg)).join(" "));
      }
    }
    for (const kind of KINDS)
      expect(
        [...kinds].some((seen) => seen.startsWith(kind)),
        kind,
      ).toBe(true);
  });
});
