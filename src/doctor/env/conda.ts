// A conda environment file: channels, dependencies and the `- pip:` list, each with the line it is on
// (the `yaml` library's line counter), judged for pip and pins.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { PreflightError } from "../../core/errors.js";
import type { DoctorFinding } from "../types.js";
import { lintPipEntry, type PipSink } from "./requirements.js";
import {
  emptyHints,
  envFinding,
  fillPlaceholders,
  placeholderFinding,
  placeholdersIn,
  type LintResult,
  type PlaceholderSeen,
  type SourceFile,
} from "./shared.js";

/** A conda match spec, as far as pinning goes. */
interface CondaSpec {
  channel?: string;
  name: string;
  /** The version constraint as written (`=1.2`, `==1.2.3`, `>=1`, `1.2.3`). */
  constraint?: string;
  version?: string;
  build?: string;
  /** One version (`==1.2.3`, `1.2.3`) or one release series (`=1.2`): what --check-index can look up. */
  pinned: boolean;
  exact: boolean;
}

function parseCondaSpec(text: string): CondaSpec | undefined {
  let rest = text.trim();
  let channel: string | undefined;
  if (rest.includes("::")) {
    channel = rest.slice(0, rest.lastIndexOf("::"));
    rest = rest.slice(rest.lastIndexOf("::") + 2);
  }
  // name[version='>=1.2',build=py*]
  const bracket = /^([A-Za-z0-9_][A-Za-z0-9._-]*)\s*\[(.*)\]$/.exec(rest);
  if (bracket?.[1]) {
    const version = /version\s*=\s*['"]?([^'",\]]+)/.exec(bracket[2] ?? "")?.[1];
    return {
      ...(channel ? { channel } : {}),
      name: bracket[1],
      ...(version ? { constraint: version } : {}),
      pinned: version !== undefined && isExactVersion(version.replace(/^==/, "")),
      exact: version?.startsWith("==") ?? false,
      ...(version ? { version: version.replace(/^==?/, "") } : {}),
    };
  }
  const match = /^([A-Za-z0-9_][A-Za-z0-9._-]*)\s*(.*)$/.exec(rest);
  if (!match?.[1]) return undefined;
  const name = match[1];
  const constraint = (match[2] ?? "").trim();
  const base = { ...(channel ? { channel } : {}), name };
  if (constraint === "") return { ...base, pinned: false, exact: false };
  // name==1.2.3[=build] / name=1.2[=build]
  const equals = /^(==?)\s*([^=\s]+)(?:=(\S+))?$/.exec(constraint);
  if (equals?.[2]) {
    const exact = equals[1] === "==";
    const version = equals[2];
    // `=1.2` is conda's fuzzy pin (1.2.*): one release series. `=1` spans a whole major version.
    const pinned = exact
      ? isExactVersion(version)
      : isExactVersion(version.replace(/\.\*$/, "")) && version.replace(/\.\*$/, "").includes(".");
    return {
      ...base,
      constraint,
      version: version.replace(/\.\*$/, ""),
      ...(equals[3] ? { build: equals[3] } : {}),
      pinned,
      exact,
    };
  }
  // MatchSpec's space form: "numpy 1.26.4 py310h5f9d8c6_0".
  const spaced = /^([0-9][^\s]*)(?:\s+(\S+))?$/.exec(constraint);
  if (spaced?.[1] && isExactVersion(spaced[1])) {
    return {
      ...base,
      constraint,
      version: spaced[1],
      ...(spaced[2] ? { build: spaced[2] } : {}),
      pinned: true,
      exact: true,
    };
  }
  return { ...base, constraint, pinned: false, exact: false };
}

/** One version, not a range, glob or alternative. */
function isExactVersion(version: string): boolean {
  return /^[0-9][A-Za-z0-9._+!-]*$/.test(version) && !version.includes("*");
}

export function lintCondaFile(file: SourceFile): LintResult {
  const counter = new LineCounter();
  const document = parseDocument(file.text, { lineCounter: counter });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    throw new PreflightError(`${file.path} is not valid YAML: ${error?.message.split("\n")[0] ?? "parse error"}`);
  }
  const lineOf = (node: Node | null | undefined): number => (node?.range ? counter.linePos(node.range[0]).line : 1);
  const findings: DoctorFinding[] = [];
  const hints = emptyHints();
  const follow: LintResult["follow"] = [];

  const channelsNode = document.get("channels", true);
  const channels = isSeq(channelsNode)
    ? channelsNode.items.flatMap((item) => (isScalar(item) ? [{ name: String(item.value), line: lineOf(item) }] : []))
    : [];
  hints.channels = channels.map((channel) => channel.name);

  const dependencies = document.get("dependencies", true);
  // `template`: the spec holds a placeholder, so its version is not one --check-index can look up.
  const specs: { spec: CondaSpec; line: number; text: string; template: boolean }[] = [];
  const placeholders: PlaceholderSeen[] = [];
  const pipLists: { line: number; entries: unknown[] }[] = [];
  if (isSeq(dependencies)) {
    for (const item of dependencies.items) {
      if (isScalar(item)) {
        const text = String(item.value);
        const line = lineOf(item);
        const found = placeholdersIn(text);
        placeholders.push(...found.map((placeholder) => ({ line, placeholder })));
        // A spec with a placeholder is judged as if filled: its version is the template's to give.
        const spec = parseCondaSpec(found.length > 0 ? fillPlaceholders(text) : text);
        if (spec) specs.push({ spec, line, text, template: found.length > 0 });
        continue;
      }
      if (!isMap(item)) continue;
      const pipPair = item.items.find((pair) => isScalar(pair.key) && pair.key.value === "pip");
      if (!pipPair) continue;
      pipLists.push({ line: lineOf(pipPair.key as Node), entries: isSeq(pipPair.value) ? pipPair.value.items : [] });
    }
  }

  const pip = specs.find(({ spec }) => spec.name.toLowerCase() === "pip");
  // pip below 24.1 still took non-PEP 440 specifiers as legacy ones.
  const legacyPip =
    pip?.spec.pinned && !pip.template && pip.spec.version && olderThan(pip.spec.version, "24.1")
      ? pip.spec.version
      : undefined;
  const sink: PipSink = { hints, findings, follow, placeholders };
  let pipEntries = 0;
  for (const list of pipLists) {
    for (const entry of list.entries) {
      if (!isScalar(entry)) continue;
      const text = String(entry.value).trim();
      const line = lineOf(entry);
      if (!text.startsWith("-")) pipEntries += 1;
      lintPipEntry(
        { line, end: line, text: text.replace(/(^|\s)#.*$/, "").trim() },
        file,
        sink,
        legacyPip ? { legacyPip } : {},
      );
    }
  }
  const pipSection = pipLists.at(-1);
  if (pipSection && pipEntries > 0 && !pip) {
    findings.push(
      envFinding("pip-not-listed", file, pipSection.line, {
        message: `The file lists ${pipEntries} pip package${pipEntries === 1 ? "" : "s"} but not pip itself as a conda dependency: conda will warn and add a pip of its own choosing.`,
      }),
    );
  }
  if (pip && !pip.spec.pinned) {
    findings.push(
      envFinding("pip-unpinned", file, pip.line, {
        message: `pip is a conda dependency without a version${pip.spec.constraint ? ` (${pip.spec.constraint})` : ""}.`,
        packages: ["pip"],
        evidence: { spec: pip.text },
      }),
    );
  }
  for (const { spec, line, text, template } of specs) {
    if (spec.name.toLowerCase() === "pip") continue;
    if (!spec.pinned) {
      findings.push(
        envFinding("package-unpinned", file, line, {
          message: `${spec.name} is not pinned to a version${spec.constraint ? ` (${spec.constraint})` : ""}.`,
          packages: [spec.name],
          evidence: { spec: text },
        }),
      );
      continue;
    }
    if (template) continue;
    if (spec.version) {
      hints.conda.push({
        name: spec.name,
        version: spec.version,
        exact: spec.exact,
        ...(spec.build ? { build: spec.build } : {}),
        ...(spec.channel ? { channel: spec.channel } : {}),
        file: file.path,
        line,
      });
    }
    if (spec.name.toLowerCase() === "python" && spec.version)
      hints.python = spec.version.split(".").slice(0, 2).join(".");
  }
  if (pip?.spec.pinned && !pip.template && pip.spec.version) {
    hints.conda.push({
      name: "pip",
      version: pip.spec.version,
      exact: pip.spec.exact,
      file: file.path,
      line: pip.line,
    });
  }
  const placeholder = placeholderFinding(file, placeholders);
  if (placeholder) findings.unshift(placeholder);
  findings.sort((left, right) => left.line - right.line);
  return { findings, hints, follow };
}

/** Whether a version (`23.2`, `23.2.1`) is older than `than`, by release numbers. */
function olderThan(version: string, than: string): boolean {
  const left = version.split(".").map((part) => Number.parseInt(part, 10));
  const right = than.split(".").map((part) => Number.parseInt(part, 10));
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (Number.isNaN(difference)) return false;
    if (difference !== 0) return difference < 0;
  }
  return false;
}
