// Which workspace --workspace means: a resource ID, or a name in a subscription given by id, by the
// name `az account list` shows (resolved from the Azure CLI's profile, as `az` does), or by default.

import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { resolveWorkspace, subscriptionIdOf } from "../../src/collect/target.js";

const PROD = "11111111-2222-3333-4444-555555555555";
const DEV = "66666666-7777-8888-9999-000000000000";
let env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "preflight-profile-"));
  // The CLI writes its profile with a byte-order mark.
  const profile = {
    subscriptions: [
      { id: PROD, name: "ML Production", isDefault: true },
      { id: DEV, name: "ML Dev" },
      { id: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", name: "Twin" },
      { id: "ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee", name: "twin" },
    ],
  };
  await writeFile(join(dir, "azureProfile.json"), `\uFEFF${JSON.stringify(profile)}`);
  env = { AZURE_CONFIG_DIR: dir };
});

describe("--subscription", () => {
  test("an id is taken as it is", async () => {
    expect(await subscriptionIdOf(DEV, env)).toBe(DEV);
  });

  test("a name the Azure CLI knows, in any case, is its id", async () => {
    expect(await subscriptionIdOf("ml dev", env)).toBe(DEV);
    expect(await resolveWorkspace({ workspace: "ml-research", subscription: "ML Production" }, env)).toEqual({
      subscriptionId: PROD,
      name: "ml-research",
    });
  });

  test("a name two subscriptions share, or none has, is refused in one line naming what is known", async () => {
    await expect(subscriptionIdOf("TWIN", env)).rejects.toThrow(/names 2 subscriptions .* give its id/);
    await expect(subscriptionIdOf("Prod", env)).rejects.toThrow(
      /"Prod" is neither a subscription id nor the name of one the Azure CLI knows \("ML Production", "ML Dev"/,
    );
  });

  test("without --subscription, the CLI's default", async () => {
    expect((await resolveWorkspace({ workspace: "ml-research" }, env)).subscriptionId).toBe(PROD);
  });
});
