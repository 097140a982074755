// ESLint: typescript-eslint's type-aware recommended rules, and the house's layering as lint rules.
// Layers, lowest first: src/core (shared vocabulary) → src/snapshot → src/net, src/collect, src/doctor
// → src/engine → checks → reports → src/cli. A file may import its own layer and those below it.

import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** Every folder of ours a layer could reach, as a relative import spells it from any depth. */
const OURS = {
  core: "src/core",
  snapshot: "src/snapshot",
  net: "src/net",
  collect: "src/collect",
  doctor: "src/doctor",
  engine: "src/engine",
  cli: "src/cli",
  checks: "checks",
  reports: "reports",
};

/** A pattern for `no-restricted-imports` that refuses relative imports into `folder` (e.g. `../../engine/x.js`). */
function into(folder, why) {
  const last = folder.split("/").pop();
  // From inside src/ a sibling is `../engine/…`; from checks/ or reports/ it is `../src/engine/…`.
  const regex = folder.startsWith("src/") ? `^(\\.\\./)+(src/)?${last}(/|$)` : `^(\\.\\./)+${last}(/|$)`;
  return { regex, message: `${why} (see docs/architecture.md).` };
}

/**
 * `no-restricted-imports` sees static imports and re-exports only: this refuses the same specifiers in
 * `import("…")` expressions and `import("…").Type` types, so a layer cannot reach above itself lazily.
 */
const layering = {
  rules: {
    "no-dynamic-import": {
      meta: {
        type: "problem",
        schema: [{ type: "object", properties: { patterns: { type: "array" } }, additionalProperties: false }],
      },
      create(context) {
        const patterns = context.options[0].patterns.map(({ regex, message }) => ({
          regex: new RegExp(regex),
          message,
        }));
        const check = (node, specifier) => {
          if (typeof specifier !== "string") return;
          const hit = patterns.find(({ regex }) => regex.test(specifier));
          if (hit)
            context.report({ node, message: `'${specifier}' import is restricted from being used: ${hit.message}` });
        };
        const literal = (source) =>
          source?.type === "Literal"
            ? source.value
            : source?.type === "TemplateLiteral" && source.expressions.length === 0
              ? source.quasis[0].value.cooked
              : undefined;
        return {
          ImportExpression: (node) => check(node, literal(node.source)),
          TSImportType: (node) => check(node, literal(node.source)),
        };
      },
    },
  },
};

/**
 * `max-lines-per-function` for test files, where a describe callback is a table of cases and may be long:
 * this holds each test's own callback (`test(...)`, `it(...)`, `test.each(...)(...)`) to `max` lines.
 */
const tests = {
  rules: {
    "max-lines-per-test": {
      meta: { type: "suggestion", schema: [{ type: "integer", minimum: 1 }] },
      create(context) {
        const max = context.options[0];
        const isTest = (callee) =>
          (callee.type === "Identifier" && (callee.name === "test" || callee.name === "it")) ||
          (callee.type === "MemberExpression" && isTest(callee.object)) ||
          (callee.type === "CallExpression" && isTest(callee.callee));
        return {
          CallExpression(node) {
            if (!isTest(node.callee)) return;
            const body = node.arguments.find((argument) => /FunctionExpression$/.test(argument.type));
            if (body === undefined) return;
            const lines = body.loc.end.line - body.loc.start.line + 1;
            if (lines > max)
              context.report({ node: body, message: `A test of ${lines} lines; at most ${max}: split it.` });
          },
        };
      },
    },
  },
};

/** `no-restricted-imports` for a layer: none of `folders`, no Azure SDK unless allowed, no Node built-ins unless allowed. */
function layer(files, { forbid, why, azure = true, node = true, packagesOnly }) {
  const patterns = forbid.map((name) => into(OURS[name], why));
  if (!azure) patterns.push({ regex: "^@azure/", message: `${why}: no Azure SDK here.` });
  if (!node) patterns.push({ regex: "^node:", message: `${why}: no Node built-in here, no I/O.` });
  if (packagesOnly) {
    // Anything not relative and not in the list is refused.
    const allowed = packagesOnly.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|");
    patterns.push({ regex: `^(?!\\.|${allowed}$)`, message: `${why}: only ${packagesOnly.join(", ")}.` });
  }
  return {
    files,
    rules: {
      "no-restricted-imports": ["error", { patterns }],
      "layering/no-dynamic-import": ["error", { patterns }],
    },
  };
}

export default defineConfig(
  {
    ignores: [
      "dist/",
      "coverage/",
      "node_modules/",
      "**/generated/",
      "test/fixtures/",
      "docs/examples/",
      "bench/results/",
    ],
  },
  { plugins: { layering, tests } },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A function longer than a screen or two is several functions; test files' describe blocks are tables.
      "max-lines-per-function": ["error", { max: 120, skipBlankLines: true, skipComments: true }],
      // A leading underscore says "deliberately unused" (an interface's parameter, a field left out of a copy).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      // An `async` method that satisfies a Promise-returning interface (TokenCredential.getToken, a
      // test stub) reads better than `Promise.resolve(...)`; the rule would force the latter.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // A source file past 600 lines holds several modules; generated validators live under generated/ (ignored above).
    files: [
      "src/**/*.ts",
      "checks/**/*.ts",
      "reports/**/*.ts",
      "bin/**/*.js",
      "scripts/**/*.{js,mjs,ts}",
      "bench/**/*.{js,mjs,ts}",
    ],
    rules: { "max-lines": ["error", { max: 600, skipBlankLines: false, skipComments: false }] },
  },
  {
    // The collector is one part reader per file and a scheduler: a long file here is a reader that wants its own file.
    files: ["src/collect/**/*.ts"],
    rules: { "max-lines": ["error", { max: 400, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ["src/collect/collector.ts"],
    rules: { "max-lines": ["error", { max: 200, skipBlankLines: false, skipComments: false }] },
  },
  {
    // A test file is one describe callback after another; its length is its table of cases.
    files: ["test/**/*.test.ts"],
    rules: { "max-lines-per-function": "off", "tests/max-lines-per-test": ["error", 120] },
  },
  {
    // Tests build and mutate raw ARM wire JSON (`Json = Record<string, any>`) on purpose: the
    // scenarios are the service's own shapes, not our types, and a mutation may break any of them.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // Plain JavaScript (scripts, bench, the launcher, this file) has no tsconfig of its own.
    files: ["**/*.js", "**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly" } },
  },
  layer(["src/core/**/*.ts"], {
    forbid: ["snapshot", "net", "collect", "doctor", "engine", "cli", "checks", "reports"],
    why: "src/core is shared vocabulary below every layer and imports none of ours",
  }),
  layer(["src/snapshot/**/*.ts"], {
    forbid: ["net", "collect", "doctor", "engine", "cli", "checks", "reports"],
    why: "src/snapshot imports nothing of ours above it",
    azure: false,
  }),
  layer(["src/net/**/*.ts"], {
    forbid: ["collect", "doctor", "engine", "cli", "checks", "reports"],
    why: "src/net is pure network logic: it imports neither the engine nor the collector",
    azure: false,
    node: false,
  }),
  layer(["src/collect/**/*.ts"], {
    forbid: ["doctor", "engine", "cli", "checks", "reports"],
    why: "src/collect imports neither the engine nor the CLI",
  }),
  layer(["src/doctor/**/*.ts"], {
    forbid: ["snapshot", "net", "collect", "engine", "cli", "checks", "reports"],
    why: "src/doctor imports neither the engine nor the collector",
  }),
  layer(["src/engine/**/*.ts"], {
    forbid: ["collect", "doctor", "cli", "checks", "reports"],
    why: "src/engine judges a snapshot: it neither collects nor renders",
    azure: false,
  }),
  layer(["checks/**/*.ts"], {
    forbid: ["collect", "doctor", "cli", "reports"],
    why: "checks are pure functions of the snapshot",
    azure: false,
    node: false,
    packagesOnly: [],
  }),
  layer(["reports/**/*.ts"], {
    forbid: ["collect", "cli", "checks"],
    why: "reports render a report: no I/O, no SDK",
    azure: false,
    node: false,
    packagesOnly: ["junit-report-builder", "markdown-table", "sarif"],
  }),
  // The text renderers colour with node:util's styleText and wrap with wrap-ansi: no I/O.
  layer(["reports/text.ts", "reports/*/text.ts"], {
    forbid: ["collect", "cli", "checks"],
    why: "reports render a report: no I/O, no SDK",
    azure: false,
    packagesOnly: ["junit-report-builder", "markdown-table", "sarif", "node:util", "wrap-ansi"],
  }),
);
