// Bundles the CLI (entry src/cli/bin.ts) into dist/bundle/ for a fast start: one ES module for
// what every command needs, plus chunks that main.ts's dynamic import() calls load on demand (the
// Azure SDK, the doctor's parsers), so `--help` and an offline audit never parse them.
// bin/preflight.js runs dist/bundle/preflight.js; `npm run build` runs tsc first (dist/test/ for the
// fake ARM, type errors), then this. The bundle must stay under dist/: main.ts finds docs/checks/
// from the "/dist/" in its own path.
//
//   node scripts/bundle.mjs    writes dist/bundle/ and dist/bundle.meta.json

import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUNDLE_DIR = join(ROOT, "dist", "bundle");
/** esbuild's metafile: which sources went into which output file (read by test/e2e/bundle.test.ts). */
const META_FILE = join(ROOT, "dist", "bundle.meta.json");

// Bundled CommonJS packages call require() for node builtins; an ES module has no require of its own.
const REQUIRE_SHIM =
  'import { createRequire as __preflightCreateRequire } from "node:module";\nconst require = __preflightCreateRequire(import.meta.url);';

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { preflight: "src/cli/bin.ts" },
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  banner: { js: REQUIRE_SHIM },
  // Measured: minifying saves 55% of the bytes but no start-up time; readable stack traces win.
  minify: false,
  sourcemap: false,
  metafile: true,
  write: false,
  logLevel: "warning",
});

// A CLI may be starting from dist/bundle/ while this runs (tests, another terminal): each file is
// replaced atomically, chunks before the entry that imports them, and no file is ever half written.
async function replaceFile(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}
await mkdir(BUNDLE_DIR, { recursive: true });
const isEntry = (file) => file.path === join(BUNDLE_DIR, "preflight.js");
for (const file of result.outputFiles.filter((file) => !isEntry(file))) await replaceFile(file.path, file.contents);
for (const file of result.outputFiles.filter(isEntry)) await replaceFile(file.path, file.contents);
// Chunk names carry a content hash: chunks of an earlier build would otherwise ship in the package.
// (A .tmp file may be a concurrent build's, about to be renamed.)
const written = new Set(result.outputFiles.map((file) => file.path));
for (const name of await readdir(BUNDLE_DIR)) {
  if (!written.has(join(BUNDLE_DIR, name)) && !name.endsWith(".tmp"))
    await rm(join(BUNDLE_DIR, name), { recursive: true, force: true });
}
await replaceFile(META_FILE, `${JSON.stringify(result.metafile)}\n`);

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, output]) => output.entryPoint === "src/cli/bin.ts");
const total = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
const kb = (bytes) => `${Math.round(bytes / 1024)} kB`;
process.stdout.write(
  `bundle: ${entry ? `${relative(ROOT, join(ROOT, entry[0]))} ${kb(entry[1].bytes)}` : "no entry?"}, ${outputs.length - 1} lazy or shared chunks, ${kb(total)} in all\n`,
);
