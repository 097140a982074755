// End to end through the bundle (dist/bundle/, scripts/bundle.mjs) that bin/preflight.js runs:
// which files each run loads (recorded by a module resolve hook given through NODE_OPTIONS), that
// the Azure SDK stays in chunks loaded only by commands that talk to ARM, that the bundle prints
// what the unbundled build (dist/src/) prints, and that the npm package works with the bundle alone.
// Build first: `npm run build` (tsc, then the bundle; `npm test` does it in pretest).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { healthyScenario } from "../harness.js";
import { ROOT } from "./run-cli.js";
import { TARGET, WORKSPACE_ID, e2eSession, parseReport, type ReportJson } from "./support.js";

const BUNDLE_ENTRY = join(ROOT, "dist/bundle/preflight.js");
const META_FILE = join(ROOT, "dist/bundle.meta.json");
const UNBUNDLED = join(ROOT, "dist/src/cli/bin.js");

interface BundleMeta {
  outputs: Record<string, { inputs: Record<string, unknown>; entryPoint?: string }>;
}

const session = e2eSession("preflight-bundle-");
let registerHook = "";
let loadCount = 0;
/** Output files (repository-relative) holding any of the Azure SDK. */
let sdkChunks: string[] = [];
let meta: BundleMeta = { outputs: {} };
let snapshot = "";
/** What `collect` loaded in beforeAll. */
let collectLoads: string[] = [];

beforeAll(async () => {
  if (!existsSync(BUNDLE_ENTRY) || !existsSync(META_FILE)) {
    throw new Error("dist/bundle/ is missing: build first with `npm run build` (npm test does it in pretest)");
  }
  meta = JSON.parse(await readFile(META_FILE, "utf8")) as BundleMeta;
  sdkChunks = Object.entries(meta.outputs)
    .filter(([, output]) => Object.keys(output.inputs).some((input) => input.includes("node_modules/@azure/")))
    .map(([file]) => file);
  // The resolve hook runs in a hooks thread and appends every URL it resolves to the run's log.
  const hooks = join(session.work, "record-loads.mjs");
  await writeFile(
    hooks,
    `import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + "\\n");
  return result;
}
`,
  );
  registerHook = join(session.work, "register-record-loads.mjs");
  await writeFile(
    registerHook,
    `import { register } from "node:module";
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: process.env.PREFLIGHT_TEST_LOAD_LOG } });
`,
  );
  // One offline snapshot of the healthy workspace, collected through the bundle.
  const fake = await session.fakeArm(healthyScenario());
  snapshot = join(session.work, "healthy.snapshot.json");
  const collected = await run(["collect", ...TARGET, "--out", snapshot, "--arm-endpoint", fake.url], fake.caFile);
  expect(collected.result.code, collected.result.stderr).toBe(0);
  collectLoads = collected.loaded;
});

/** `preflight <args>` through bin/preflight.js, with the repository files it loaded (relative paths). */
async function run(args: readonly string[], caFile?: string) {
  loadCount += 1;
  const log = join(session.work, `loads-${loadCount}.txt`);
  await writeFile(log, "");
  const result = await session.cli(args, {
    ...(caFile ? { caFile } : {}),
    env: { NODE_OPTIONS: `--import=${registerHook}`, PREFLIGHT_TEST_LOAD_LOG: log },
  });
  const rootUrl = `${pathToFileURL(ROOT).href}/`;
  const loaded = (await readFile(log, "utf8"))
    .split("\n")
    .filter((url) => url.startsWith(rootUrl))
    .map((url) => url.slice(rootUrl.length));
  return { result, loaded: [...new Set(loaded)] };
}

/** What a run loads from the repository: the launcher and the bundle, nothing unbundled, no node_modules. */
function expectBundleOnly(loaded: readonly string[]): void {
  expect(loaded).toContain("bin/preflight.js");
  expect(loaded).toContain("dist/bundle/preflight.js");
  expect(loaded.filter((file) => file !== "bin/preflight.js" && !file.startsWith("dist/bundle/"))).toEqual([]);
}

function unbundled(args: readonly string[]) {
  return spawnSync(process.execPath, [UNBUNDLED, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    cwd: session.work,
  });
}

describe.concurrent("the launcher runs the bundle", () => {
  test("the Azure SDK is bundled into chunks of its own (what the start-up checks below rely on)", () => {
    expect(sdkChunks.length).toBeGreaterThan(0);
    expect(sdkChunks).not.toContain("dist/bundle/preflight.js");
  });

  test("--help: the bundle alone, no Azure SDK chunk, the same text as the unbundled build", async () => {
    const { result, loaded } = await run(["--help"]);
    expect(result.code, result.stderr).toBe(0);
    for (const flag of ["--workspace", "--format", "--only", "--arm-endpoint"]) expect(result.stdout).toContain(flag);
    expectBundleOnly(loaded);
    expect(loaded.filter((file) => sdkChunks.includes(file))).toEqual([]);
    expect(result.stdout).toBe(unbundled(["--help"]).stdout);
  });

  test("--version prints the package version", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    const { result, loaded } = await run(["--version"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
    expectBundleOnly(loaded);
  });

  test("checks lists every check; checks <id> prints its page, found from the bundle's place under dist/", async () => {
    const list = await run(["checks"]);
    expect(list.result.code, list.result.stderr).toBe(0);
    for (const check of CHECKS) expect(list.result.stdout).toContain(check.id);
    expectBundleOnly(list.loaded);
    const page = await run(["checks", "key-sync"]);
    expect(page.result.code, page.result.stderr).toBe(0);
    expect(page.result.stdout).toBe(await readFile(join(ROOT, "docs/checks/key-sync.md"), "utf8"));
  });

  test("offline audit of a snapshot: no Azure SDK chunk, the same report as the unbundled build", async () => {
    const args = ["audit", "--snapshot", snapshot, "--format", "json"];
    const { result, loaded } = await run(args);
    expect(result.code, result.stderr).toBe(0);
    const report: ReportJson = parseReport(result.stdout);
    expect(report.target.workspaceId).toBe(WORKSPACE_ID);
    expect(report.summary.fail + report.summary.unknown).toBe(0);
    expect(report.checks.map((check) => check.id).sort()).toEqual(CHECKS.map((check) => check.id).sort());
    expectBundleOnly(loaded);
    expect(loaded.filter((file) => sdkChunks.includes(file))).toEqual([]);
    const reference = unbundled(args);
    expect(reference.status, reference.stderr).toBe(0);
    expect(result.stdout).toBe(reference.stdout);
  });

  test("collect (talks to ARM) loads the Azure SDK chunks on demand, still from the bundle only", () => {
    expectBundleOnly(collectLoads);
    expect(collectLoads.filter((file) => sdkChunks.includes(file)).length).toBeGreaterThan(0);
  });
});

describe("the npm package", () => {
  let tarball = "";
  let packed: string[] = [];

  beforeAll(async () => {
    const destination = await session.scratch("pack-");
    // --ignore-scripts: no prepare (rebuilding dist/ under the other test files running meanwhile).
    const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destination], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(pack.status, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!info) throw new Error(`npm pack printed no package: ${pack.stdout}`);
    tarball = join(destination, info.filename);
    packed = info.files.map((file) => file.path);
  });

  test("holds the launcher, every bundle file, the check pages and the schemas, and no unbundled code", () => {
    const bundleFiles = Object.keys(meta.outputs);
    expect(bundleFiles.length).toBeGreaterThan(1);
    for (const file of [
      "bin/preflight.js",
      "package.json",
      ...bundleFiles,
      "dist/reports/report.schema.json",
      "dist/src/snapshot/snapshot.schema.json",
      "dist/src/cli/config.schema.json",
    ]) {
      expect(packed).toContain(file);
    }
    for (const check of CHECKS) expect(packed).toContain(`docs/checks/${check.id}.md`);
    expect(
      packed.filter(
        (file) => file.startsWith("dist/") && !file.startsWith("dist/bundle/") && !file.endsWith(".schema.json"),
      ),
    ).toEqual([]);
    expect(packed.filter((file) => file.endsWith(".map"))).toEqual([]);
  });

  test("unpacked with no node_modules at all, the launcher runs: the bundle is self-contained", async () => {
    const dir = await session.scratch("unpacked-");
    const untar = spawnSync("tar", ["-xzf", tarball, "-C", dir], { encoding: "utf8" });
    expect(untar.status, untar.stderr).toBe(0);
    const bin = join(dir, "package", "bin", "preflight.js");
    expect(existsSync(join(dir, "package", "node_modules"))).toBe(false);
    const env = { PATH: process.env.PATH ?? "", NO_COLOR: "1" };
    const audit = spawnSync(process.execPath, [bin, "audit", "--snapshot", snapshot, "--format", "json"], {
      encoding: "utf8",
      env,
      cwd: dir,
    });
    expect(audit.status, audit.stderr).toBe(0);
    expect(parseReport(audit.stdout).target.workspaceId).toBe(WORKSPACE_ID);
    const page = spawnSync(process.execPath, [bin, "checks", "key-sync"], { encoding: "utf8", env, cwd: dir });
    expect(page.status, page.stderr).toBe(0);
    expect(page.stdout).toBe(await readFile(join(ROOT, "docs/checks/key-sync.md"), "utf8"));
  });

  test("installed from the tarball (npm install --prefer-offline), `preflight` on the install's bin path runs", async (context) => {
    const dir = await session.scratch("installed-");
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "preflight-install-check", private: true }));
    const install = spawnSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball],
      { cwd: dir, encoding: "utf8" },
    );
    // The dependencies come from the local npm cache, else the registry; a machine with neither cannot run this.
    if (install.status !== 0 && /ENOTCACHED|EAI_AGAIN|ENOTFOUND|ECONNREFUSED/.test(install.stderr))
      context.skip("neither the npm cache nor the registry has the dependencies");
    expect(install.status, install.stderr).toBe(0);
    const bin = join(dir, "node_modules", ".bin", "preflight");
    const env = { PATH: process.env.PATH ?? "", NO_COLOR: "1" };
    const version = spawnSync(bin, ["--version"], { encoding: "utf8", env, cwd: dir });
    expect(version.status, version.stderr).toBe(0);
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
    const audit = spawnSync(bin, ["audit", "--snapshot", snapshot, "--format", "json"], {
      encoding: "utf8",
      env,
      cwd: dir,
    });
    expect(audit.status, audit.stderr).toBe(0);
    expect(parseReport(audit.stdout).target.workspaceId).toBe(WORKSPACE_ID);
  });
});
