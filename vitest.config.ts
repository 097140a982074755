import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Loopback only: no test may let DefaultAzureCredential probe IMDS or Azure hosts.
    env: { AZURE_TOKEN_CREDENTIALS: "dev" },
  },
});
