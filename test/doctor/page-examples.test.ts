// docs/doctor.md shows `build-log` and `env` with real output: each block between <!-- doctor:NAME -->
// markers is the command and what the built CLI prints for it, run here again and compared.
// `UPDATE_GOLDEN=1 npx vitest run test/doctor/page-examples` rewrites the blocks after a deliberate change.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, ROOT } from "../e2e/run-cli.js";
import { startFakeIndex } from "../fake-index/server.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const PAGE = join(ROOT, "docs/doctor.md");
const INDEX_SCENARIO = join(ROOT, "examples", "env", "index-scenario.json");

interface Example {
  name: string;
  /** The command as the page shows it (`<port>` for the fake index's port). */
  shown: string;
  args: (port: string) => string[];
}

const EXAMPLES: Example[] = [
  {
    name: "build-log",
    shown: "npx preflight build-log examples/build-logs/20_image_build_log.txt",
    args: () => ["build-log", "examples/build-logs/20_image_build_log.txt"],
  },
  {
    name: "build-log-registry",
    shown:
      "npx preflight build-log test/fixtures/build-logs/registry-host-unresolved-no-such-host.log --workspace ml-prod",
    args: () => [
      "build-log",
      "test/fixtures/build-logs/registry-host-unresolved-no-such-host.log",
      "--workspace",
      "ml-prod",
    ],
  },
  {
    name: "env",
    shown: "npx preflight env examples/env/environment.yml",
    args: () => ["env", "examples/env/environment.yml"],
  },
  {
    name: "env-dockerfile",
    shown: "npx preflight env examples/env/Dockerfile",
    args: () => ["env", "examples/env/Dockerfile"],
  },
  {
    name: "env-check-index",
    shown:
      "npm run fake-index -- --scenario examples/env/index-scenario.json   # another terminal; prints its URL and CA file\n" +
      "NODE_EXTRA_CA_CERTS=<caFile> npx preflight env examples/env/requirements.txt --check-index --python 3.10 \\\n" +
      "    --index-url https://127.0.0.1:<port>/simple --extra-index-url https://127.0.0.1:<port>/contoso/simple",
    args: (port) => [
      "env",
      "examples/env/requirements.txt",
      "--check-index",
      "--python",
      "3.10",
      "--index-url",
      `https://127.0.0.1:${port}/simple`,
      "--extra-index-url",
      `https://127.0.0.1:${port}/contoso/simple`,
    ],
  },
];

const outputs = new Map<string, { code: number | null; text: string }>();
let index: Awaited<ReturnType<typeof startFakeIndex>>;

beforeAll(async () => {
  index = await startFakeIndex(JSON.parse(await readFile(INDEX_SCENARIO, "utf8")));
  const port = new URL(index.url).port;
  for (const example of EXAMPLES) {
    const result = await runCli(example.args(port), { cwd: ROOT, caFile: index.caFile });
    expect(result.stderr).toBe("");
    outputs.set(example.name, {
      code: result.code,
      text: result.stdout.replaceAll(`127.0.0.1:${port}`, "127.0.0.1:<port>"),
    });
  }
  if (UPDATE) {
    let page = await readFile(PAGE, "utf8");
    for (const example of EXAMPLES) page = page.replace(markerPattern(example.name), () => block(example));
    await writeFile(PAGE, page);
  }
});

afterAll(async () => {
  await index?.close();
});

function markerPattern(name: string): RegExp {
  return new RegExp(`<!-- doctor:${name} -->[\\s\\S]*?<!-- /doctor:${name} -->`);
}

function block(example: Example): string {
  const output = outputs.get(example.name);
  const prompt = example.shown
    .split("\n")
    .map((line, at) => (at === 0 || !line.startsWith("    ") ? `$ ${line}` : line))
    .join("\n");
  return `<!-- doctor:${example.name} -->\n\`\`\`text\n${prompt}\n${output?.text.trimEnd() ?? ""}\n\`\`\`\n<!-- /doctor:${example.name} -->`;
}

describe("docs/doctor.md shows build-log and env with their real output", () => {
  test.each(EXAMPLES.map((example) => example.name))("%s", async (name) => {
    const example = EXAMPLES.find((candidate) => candidate.name === name);
    if (!example) throw new Error(name);
    const page = await readFile(PAGE, "utf8");
    const shown = markerPattern(name).exec(page)?.[0];
    expect(shown, `docs/doctor.md has no <!-- doctor:${name} --> block`).toBeDefined();
    expect(shown).toBe(block(example));
    // Every example shows a problem: the exit code is 1.
    expect(outputs.get(name)?.code).toBe(1);
  });
});
