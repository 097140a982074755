// `preflight env --check-index`, conda's side: conda's version order, and whether a package build in a
// channel matches a pin's version and build string.

import type { CondaPin } from "./types.js";

type VersionToken = number | string;

/** conda's VersionOrder, enough to compare and sort: epoch, then `.`/`_` components of number and letter runs. */
interface CondaVersion {
  epoch: number;
  release: VersionToken[][];
  local: VersionToken[][];
}

function condaComponents(text: string): VersionToken[][] {
  if (text === "") return [];
  return text.split(/[._-]/).map((part) => {
    const tokens: VersionToken[] = (part.match(/\d+|\D+/g) ?? []).map((token) =>
      /^\d/.test(token) ? Number(token) : token,
    );
    // conda puts a 0 before a component that starts with letters, so 1.a sorts like 1.0a.
    if (typeof tokens[0] === "string") tokens.unshift(0);
    return tokens;
  });
}

function parseCondaVersion(text: string): CondaVersion {
  let rest = text.trim().toLowerCase();
  let epoch = 0;
  const epochMatch = /^(\d+)!/.exec(rest);
  if (epochMatch) {
    epoch = Number(epochMatch[1]);
    rest = rest.slice(epochMatch[0].length);
  }
  const plus = rest.indexOf("+");
  const local = plus === -1 ? "" : rest.slice(plus + 1);
  if (plus !== -1) rest = rest.slice(0, plus);
  return { epoch, release: condaComponents(rest), local: condaComponents(local) };
}

/** conda: `dev` sorts before everything, `post` after everything, other letters before numbers. */
function compareToken(a: VersionToken, b: VersionToken): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") {
    if (a === b) return 0;
    if (a === "dev" || b === "post") return -1;
    if (b === "dev" || a === "post") return 1;
    return a < b ? -1 : 1;
  }
  const text = typeof a === "string" ? a : (b as string);
  const stringFirst = typeof a === "string";
  const stringIsLess = text !== "post";
  return stringFirst === stringIsLess ? -1 : 1;
}

function compareComponent(a: readonly VersionToken[], b: readonly VersionToken[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const order = compareToken(a[index] ?? 0, b[index] ?? 0);
    if (order !== 0) return order;
  }
  return 0;
}

function compareComponents(a: readonly VersionToken[][], b: readonly VersionToken[][]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const order = compareComponent(a[index] ?? [], b[index] ?? []);
    if (order !== 0) return order;
  }
  return 0;
}

export function compareCondaVersions(a: string, b: string): number {
  const left = parseCondaVersion(a);
  const right = parseCondaVersion(b);
  return (
    left.epoch - right.epoch ||
    compareComponents(left.release, right.release) ||
    compareComponents(left.local, right.local)
  );
}

/** The pin's version as written in the spec, without operators or a trailing `.*`. */
export function condaPinVersion(pin: CondaPin): string {
  return pin.version
    .trim()
    .replace(/^==?/, "")
    .replace(/\.?\*$/, "");
}

/**
 * Does `candidate` match the pin? Exact: equal as conda versions (1.2 == 1.2.0). Fuzzy (`=1.2`, conda's
 * `1.2.*`): the candidate's leading components are the pin's, so 1.2 and 1.2.5 match but 1.20 does not.
 */
export function condaVersionMatches(candidate: string, pinVersion: string, exact: boolean): boolean {
  if (exact) return compareCondaVersions(candidate, pinVersion) === 0;
  const have = parseCondaVersion(candidate);
  const want = parseCondaVersion(pinVersion);
  if (have.epoch !== want.epoch) return false;
  const last = want.release.length - 1;
  for (let index = 0; index < last; index += 1) {
    if (compareComponent(have.release[index] ?? [], want.release[index] ?? []) !== 0) return false;
  }
  const wantLast = want.release[last] ?? [];
  const haveLast = have.release[last] ?? [];
  return wantLast.every((token, index) => compareToken(haveLast[index] ?? 0, token) === 0);
}

/** A conda build string pattern: `*` is any run of characters; otherwise the whole string. */
export function buildMatches(build: string, pattern: string | undefined): boolean {
  if (pattern === undefined || pattern === "" || pattern === "*") return true;
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(build);
}
