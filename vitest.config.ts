import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Much of the suite waits on spawned CLIs and loopback servers, so Vitest's default (one worker
    // fewer than the cores: a single one on a 2-core machine) leaves the CPU idle. Measured on 2
    // cores: 1 worker 190 s, 3 workers 125 s, 4 workers 131 s.
    maxWorkers: Math.max(3, availableParallelism()),
    // Loopback only: no test may let DefaultAzureCredential probe IMDS or Azure hosts.
    env: { AZURE_TOKEN_CREDENTIALS: "dev" },
  },
});
