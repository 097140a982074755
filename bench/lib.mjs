// Shared by the demo and the benchmarks: start the fake ARM CLI, run the built preflight CLI.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Starts `npm run fake-arm` (its compiled entry) and resolves with its ready line. */
export function startFakeArm(args) {
  const child = spawn(process.execPath, [join(ROOT, "dist/test/fake-arm/cli.js"), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once("exit", (code) => reject(new Error(`fake ARM exited early (${code})`)));
    lines.once("line", (line) => {
      const ready = JSON.parse(line);
      resolve({
        ...ready,
        stop: () =>
          new Promise((done) => {
            child.once("exit", done);
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

/** Runs the built CLI against the fake; loopback only (static token, no credential probing). */
/** `env` adds variables or, set to undefined, removes them (e.g. the token, to run without credentials). */
export function runPreflight(fake, args, { stdio = "pipe", env: overrides = {} } = {}) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: fake.caFile,
    PREFLIGHT_ACCESS_TOKEN: "demo-token-not-a-secret",
    AZURE_TOKEN_CREDENTIALS: "dev",
    ...(process.env.NO_COLOR ? { NO_COLOR: process.env.NO_COLOR } : {}),
    ...(process.env.FORCE_COLOR ? { FORCE_COLOR: process.env.FORCE_COLOR } : {}),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, [join(ROOT, "bin/preflight.js"), ...args, "--arm-endpoint", fake.url], {
    env,
    stdio: stdio === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += chunk));
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

export const DEMO_TARGET = [
  "--workspace",
  "ml-research",
  "--resource-group",
  "ml-platform-rg",
  "--subscription",
  "6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7",
];
