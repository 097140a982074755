import { expect, test } from "vitest";
import { auditScenario, demoScenario, healthyScenario } from "../harness.js";

/** Checks that do not apply to the healthy workspace: it uses its own VNet, and diagnose is opt-in. */
const NOT_APPLICABLE: Record<string, string> = {
  "managed-network": "not-managed",
  "workspace-diagnose": "not-requested",
};

test("healthy bundled workspace passes every check that applies to it; the others are skip", async () => {
  const result = await auditScenario(healthyScenario());
  for (const check of result.report.checks) {
    const skipped = NOT_APPLICABLE[check.id];
    const expected = skipped
      ? { id: check.id, status: "skip", findings: [`skip:${skipped}`] }
      : { id: check.id, status: "pass", findings: [] };
    const shown = skipped
      ? check.findings.map((f) => `${f.status}:${f.messageId}`)
      : check.findings.filter((f) => f.status !== "pass").map((f) => f.message);
    expect({ id: check.id, status: check.status, findings: shown }).toEqual(expected);
  }
  expect(result.snapshot.errors).toEqual([]);
});

test("healthy bundled workspace with --diagnose: Azure's diagnose finds nothing, workspace-diagnose passes", async () => {
  const result = await auditScenario(healthyScenario(), {
    only: ["workspace-diagnose"],
    diagnose: { timeoutMs: 10_000 },
  });
  expect(result.check("workspace-diagnose").findings.map((f) => `${f.status}:${f.messageId}`)).toEqual(["pass:clean"]);
});

test("demo workspace fails image build, NSG and key checks", async () => {
  const result = await auditScenario(demoScenario());
  expect(result.check("acr-vnet-image-build").status).toBe("fail");
  expect(result.check("service-tags-outbound").status).toBe("fail");
  expect(result.check("key-sync").status).toBe("fail");
  expect(result.check("subnet-colocation").status).toBe("pass");
});
