import { expect, test } from "vitest";
import { auditScenario, demoScenario, healthyScenario } from "../harness.js";

test("healthy bundled workspace passes every seed check", async () => {
  const result = await auditScenario(healthyScenario());
  for (const check of result.report.checks) {
    expect({ id: check.id, status: check.status, findings: check.findings.filter((f) => f.status !== "pass").map((f) => f.message) }).toEqual({ id: check.id, status: "pass", findings: [] });
  }
  expect(result.snapshot.errors).toEqual([]);
});

test("demo workspace fails image build, NSG and key checks", async () => {
  const result = await auditScenario(demoScenario());
  expect(result.check("acr-vnet-image-build").status).toBe("fail");
  expect(result.check("service-tags-outbound").status).toBe("fail");
  expect(result.check("key-sync").status).toBe("fail");
  expect(result.check("subnet-colocation").status).toBe("pass");
});
