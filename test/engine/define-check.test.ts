// defineCheck takes a check's parts from `requires` and its message ids from `messages`, each written
// once, and refuses at compile time a part it did not declare or an id it has no template for (the
// `@ts-expect-error` lines below fail `npm run typecheck` the day they compile).

import { describe, expect, test } from "vitest";
import { defineCheck } from "../../src/engine/types.js";

const probe = defineCheck({
  id: "probe",
  title: "A probe",
  severity: "low",
  requires: ["workspace", "computes"],
  messages: { seen: "Saw {count} computes.", none: "No computes." },
  remediation: "Nothing to do.",
  run(parts, report) {
    // @ts-expect-error storage is not in `requires`
    void parts.storage;
    // @ts-expect-error "unheard-of" has no template in `messages`
    report.pass("unheard-of", parts.workspace.id, undefined, {});
    if (parts.computes.length === 0) report.skip("none", parts.workspace.id, undefined, { computes: [] });
    else report.add("warn", "seen", parts.workspace.id, { count: parts.computes.length }, {}, "az ml compute list");
  },
});

describe("defineCheck", () => {
  test("keeps what it was given and names the check's page", () => {
    expect(probe).toMatchObject({ id: "probe", requires: ["workspace", "computes"], docs: "docs/checks/probe.md" });
    expect(Object.keys(probe.messages)).toEqual(["seen", "none"]);
  });

  test("report calls become findings in order, with data and remediation only when given", () => {
    const workspace = {
      id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w",
    };
    const target = { workspaceId: workspace.id, subscriptionId: "s", resourceGroup: "g", workspace: "w" };
    const context = { target, audited: target, collectedAt: "" };
    const findings = probe.run({ workspace, computes: [{}, {}] } as never, context);
    expect(findings).toEqual([
      { status: "pass", messageId: "unheard-of", resourceId: workspace.id, evidence: {} },
      {
        status: "warn",
        messageId: "seen",
        resourceId: workspace.id,
        evidence: {},
        data: { count: 2 },
        remediation: "az ml compute list",
      },
    ]);
  });
});
