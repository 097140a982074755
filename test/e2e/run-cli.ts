// Spawns the built CLI as a user would: `node bin/preflight.js ...` with a minimal environment.
// Nothing from the test runner's environment leaks in, so no credential, proxy or Azure CLI
// profile of the machine can change what the CLI does, and it can only reach the fake ARM.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "preflight.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The bearer token this run was given (a secret: it must appear nowhere in the output). */
  token: string;
  /** The HOME the run used. */
  home: string;
}

export interface RunOptions {
  /** The fake ARM's CA file, passed as NODE_EXTRA_CA_CERTS. */
  caFile?: string;
  /** HOME for the run; default a fresh empty temp dir (so no ~/.azure profile); the caller removes it. */
  home?: string;
  /** Extra variables (AZURE_SUBSCRIPTION_ID, PREFLIGHT_ARM_ENDPOINT...); `undefined` removes one. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the CLI after this long (a hung run fails the test instead of the whole suite). */
  timeoutMs?: number;
  /** Written to the CLI's standard input (which is otherwise closed). */
  input?: string | Uint8Array;
}

/** A fresh, empty directory under `base` (default: the OS temp dir). */
export function tempDir(prefix = "preflight-e2e-", base = tmpdir()): Promise<string> {
  return mkdtemp(join(base, prefix));
}

export function randomSecret(): string {
  return randomBytes(24).toString("base64");
}

/** Runs `preflight <args>` and resolves with its exit code and output; never rejects on exit codes. */
export async function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const home = options.home ?? (await tempDir("preflight-home-"));
  const token = randomSecret();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    PREFLIGHT_ACCESS_TOKEN: token,
    // Should the token ever be ignored, DefaultAzureCredential stays on developer tools (no IMDS probe).
    AZURE_TOKEN_CREDENTIALS: "dev",
    NO_COLOR: "1",
    ...(options.caFile ? { NODE_EXTRA_CA_CERTS: options.caFile } : {}),
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? home,
      env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 30_000,
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    // stdio is piped above, so both streams exist.
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        token: env.PREFLIGHT_ACCESS_TOKEN ?? "",
        home,
      });
    });
  });
}
