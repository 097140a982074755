// The layering is enforced by ESLint (eslint.config.js, `npm run lint`); this proves the rules refuse
// what they must and allow what they must, so a loosened pattern cannot pass unnoticed.

import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, test } from "vitest";
import { ROOT } from "../harness.js";

// The probes are not in any tsconfig, so they are linted without type information: the import rules need none.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [
    tseslint.configs.disableTypeChecked,
    { languageOptions: { parserOptions: { project: false, projectService: false } } },
  ],
});

/** A file that would sit in `file`, importing `specifier`, and whether the layering allows it. */
const CASES: Array<[file: string, specifier: string, allowed: boolean]> = [
  ["src/core/probe.ts", "../snapshot/types.js", false],
  ["src/core/probe.ts", "./errors.js", true],
  ["src/snapshot/probe.ts", "../engine/types.js", false],
  ["src/snapshot/probe.ts", "../engine/fleet.js", false],
  ["src/snapshot/probe.ts", "../net/cidr.js", false],
  ["src/snapshot/probe.ts", "@azure/arm-network", false],
  ["src/snapshot/probe.ts", "../core/errors.js", true],
  ["src/net/probe.ts", "../engine/types.js", false],
  ["src/net/probe.ts", "../collect/arm.js", false],
  ["src/net/probe.ts", "node:fs", false],
  ["src/net/probe.ts", "../snapshot/model.js", true],
  ["src/net/probe.ts", "../core/remediation.js", true],
  ["src/collect/probe.ts", "../engine/errors.js", false],
  ["src/collect/parts/probe.ts", "../../engine/parts.js", false],
  ["src/collect/parts/probe.ts", "../../cli/main.js", false],
  ["src/collect/parts/probe.ts", "../../snapshot/model.js", true],
  ["src/collect/probe.ts", "@azure/arm-network", true],
  ["src/doctor/probe.ts", "../engine/types.js", false],
  ["src/doctor/env/probe.ts", "../../engine/errors.js", false],
  ["src/doctor/env/probe.ts", "../../collect/retry.js", false],
  ["src/doctor/env/probe.ts", "../../core/redact.js", true],
  ["src/engine/probe.ts", "../cli/main.js", false],
  ["src/engine/probe.ts", "../../checks/index.js", false],
  ["src/engine/probe.ts", "../net/index.js", true],
  ["checks/probe.ts", "../src/collect/arm.js", false],
  ["checks/probe.ts", "../src/cli/main.js", false],
  ["checks/probe.ts", "../reports/text.js", false],
  ["checks/probe.ts", "@azure/identity", false],
  ["checks/probe.ts", "node:fs", false],
  ["checks/probe.ts", "yaml", false],
  ["checks/probe.ts", "../src/engine/types.js", true],
  ["checks/probe.ts", "../src/net/index.js", true],
  ["checks/probe.ts", "./shared.js", true],
  ["reports/probe.ts", "node:util", false],
  ["reports/probe.ts", "../src/collect/arm.js", false],
  ["reports/probe.ts", "markdown-table", true],
  ["reports/text.ts", "node:util", true],
  ["reports/fleet/probe.ts", "../../src/collect/fleet.js", false],
  ["reports/fleet/probe.ts", "../../checks/index.js", false],
  ["reports/fleet/probe.ts", "node:fs", false],
  ["reports/fleet/probe.ts", "../../src/engine/fleet.js", true],
  ["reports/doctor/probe.ts", "../../src/doctor/types.js", true],
];

/** The ways a module can name another: a static import, a re-export, a lazy import and an import type. */
const FORMS: Array<[form: string, source: (specifier: string) => string]> = [
  ["import", (specifier) => `import * as probe from "${specifier}";\nexport { probe };\n`],
  ["re-export", (specifier) => `export * from "${specifier}";\n`],
  ["dynamic import", (specifier) => `export const probe = () => import("${specifier}");\n`],
  ["import type", (specifier) => `export type Probe = typeof import("${specifier}");\n`],
];
const RULES = new Set(["no-restricted-imports", "layering/no-dynamic-import"]);

describe("the layering rules of eslint.config.js", () => {
  const cases = CASES.flatMap(([file, specifier, allowed]) =>
    FORMS.map(([form, source]) => [file, form, specifier, allowed, source(specifier)] as const),
  );
  test.each(cases)("%s, %s of %s: allowed %s", async (file, _form, _specifier, allowed, source) => {
    const [result] = await eslint.lintText(source, { filePath: `${ROOT}/${file}` });
    const refusals = (result?.messages ?? []).filter((message) => RULES.has(message.ruleId ?? ""));
    expect(result?.messages.filter((message) => message.fatal)).toEqual([]);
    expect(refusals.length > 0).toBe(!allowed);
  });
});
