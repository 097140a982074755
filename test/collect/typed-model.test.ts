// The SDK's typed models are never judged from, and must not make a whole read fail: a body ARM sent
// whole that the model cannot deserialise is still collected as the wire gave it.

import { expect, test } from "vitest";
import { ACR_ID, registry } from "../checks/mutations.js";
import { auditScenario, healthyScenario } from "../harness.js";

test("a registry body without `sku` (the SDK's deserialiser throws on it) is collected whole", async () => {
  const scenario = healthyScenario();
  delete registry(scenario).sku;
  const result = await auditScenario(scenario, { only: ["trusted-access"] });
  expect(result.snapshot.errors).toEqual([]);
  const collected = result.snapshot.resources.find(
    (resource) => String(resource.id).toLowerCase() === ACR_ID.toLowerCase(),
  );
  expect(collected).toMatchObject({ id: ACR_ID, properties: { loginServer: "mlresearchacr.azurecr.io" } });
  expect(collected).not.toHaveProperty("sku");
  // The registry has private endpoints and no SKU name: Premium cannot be confirmed, so not a pass.
  expect(
    result
      .check("trusted-access")
      .findings.filter((finding) => finding.messageId.startsWith("registry-") || finding.messageId === "undetermined")
      .map((finding) => finding.status),
  ).toContain("unknown");
});
