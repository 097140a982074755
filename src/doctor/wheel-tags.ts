// What pip would accept on the image: which distribution files of a PyPI project install on a Linux
// glibc machine with a given CPython, and whether a requirement's marker applies there at all.
// Pure functions, no I/O: the package-index client feeds them filenames from the index.

import { explain, satisfies, valid, validRange } from "@renovatebot/pep440";

/** The machine the image runs on. */
export interface WheelTarget {
  /** CPython version, "3.10" or "3.10.12"; undefined when the environment does not say. */
  python?: string;
  platform: "linux_x86_64" | "linux_aarch64";
  /** glibc of the base image, "2.31". */
  glibc: string;
}

/** A wheel filename, split into its PEP 427 fields; the tag fields are compressed tag sets split on ".". */
export interface WheelName {
  name: string;
  version: string;
  build?: string;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

/** PEP 503 normalisation: project names compare case-insensitively with runs of `-_.` as one `-`. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** `name-ver(-build)?-py-abi-plat.whl`, or undefined when the name is not a wheel's. */
export function parseWheelFilename(filename: string): WheelName | undefined {
  if (!filename.toLowerCase().endsWith(".whl")) return undefined;
  const parts = filename.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts;
  const [pythonTag, abiTag, platformTag] = parts.slice(-3);
  if (!name || !version || !pythonTag || !abiTag || !platformTag) return undefined;
  return {
    name,
    version,
    ...(parts.length === 6 && parts[2] ? { build: parts[2] } : {}),
    pythonTags: pythonTag.toLowerCase().split("."),
    abiTags: abiTag.toLowerCase().split("."),
    platformTags: platformTag.toLowerCase().split("."),
  };
}

/** Archive suffixes pip builds from, longest first so `.tar.gz` wins over `.gz`-less matches. */
const SDIST_SUFFIXES = [".tar.gz", ".tar.bz2", ".tar.xz", ".tar", ".tgz", ".tbz", ".txz", ".zip"];

/**
 * The version of a source distribution of `project` (`name-ver.tar.gz`, `.zip`, ...), or undefined when
 * the file is not an sdist of that project. Legacy sdist names keep hyphens in the name (`my-pkg-1.0.tar.gz`),
 * so the name is the prefix that normalises to the project's name, as pip decides.
 */
export function parseSdistFilename(filename: string, project: string): string | undefined {
  const lower = filename.toLowerCase();
  const suffix = SDIST_SUFFIXES.find((candidate) => lower.endsWith(candidate));
  if (suffix === undefined) return undefined;
  const stem = filename.slice(0, -suffix.length);
  const wanted = normalizeProjectName(project);
  for (let dash = stem.indexOf("-"); dash !== -1; dash = stem.indexOf("-", dash + 1)) {
    if (normalizeProjectName(stem.slice(0, dash)) === wanted) {
      const version = stem.slice(dash + 1);
      return version === "" ? undefined : version;
    }
  }
  return undefined;
}

/** Does an index version satisfy `==pin` (PEP 440: `1.0` is `1.0.0`; a public pin ignores `+local`) or `===pin`? */
export function versionMatches(candidate: string, pin: string, operator: "==" | "===" = "=="): boolean {
  if (operator === "===") return candidate.trim().toLowerCase() === pin.trim().toLowerCase();
  const have = explain(candidate);
  const want = explain(pin);
  if (!have || !want) return false;
  // A local pin (`+cu118`) must match the local label too; the library ignores it on the pin's side.
  if (want.local !== null && want.local !== have.local) return false;
  try {
    return (
      satisfies(have.public, `==${want.public}`, { prereleases: true }) ||
      (want.local === null && satisfies(candidate, `==${pin}`, { prereleases: true }))
    );
  } catch {
    return false;
  }
}

/** `[major, minor]` of a Python version string, or undefined. */
function pythonMajorMinor(python: string | undefined): [number, number] | undefined {
  const match = python === undefined ? null : /^\s*(\d+)\.(\d+)/.exec(python);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function glibcOf(glibc: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(glibc.trim());
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

function atMost(version: [number, number], limit: [number, number]): boolean {
  return version[0] < limit[0] || (version[0] === limit[0] && version[1] <= limit[1]);
}

/** The glibc each legacy manylinux alias stands for (PEP 600), and the architectures it was defined for. */
const LEGACY_MANYLINUX: Record<string, { glibc: [number, number]; arches: string[] }> = {
  manylinux1: { glibc: [2, 5], arches: ["x86_64", "i686"] },
  manylinux2010: { glibc: [2, 12], arches: ["x86_64", "i686"] },
  manylinux2014: { glibc: [2, 17], arches: ["x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"] },
};

/** Does the platform tag install on Linux/glibc `target`? musllinux, win, macosx never do. */
export function platformTagSupported(tag: string, target: WheelTarget): boolean {
  const arch = target.platform === "linux_aarch64" ? "aarch64" : "x86_64";
  if (tag === "any" || tag === `linux_${arch}`) return true;
  const glibc = glibcOf(target.glibc);
  const perennial = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (perennial) return perennial[3] === arch && atMost([Number(perennial[1]), Number(perennial[2])], glibc);
  const legacy = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
  const alias = legacy ? LEGACY_MANYLINUX[legacy[1] ?? ""] : undefined;
  if (legacy && alias) return legacy[2] === arch && alias.arches.includes(arch) && atMost(alias.glibc, glibc);
  return false;
}

/**
 * Does the python/abi pair install on CPython `python` ([major, minor]), following `packaging.tags`:
 * `cpXY-cpXY` (and `cpXYm` before 3.8), `cpXY-none`, `cpXW-abi3` for W <= Y, `pyX-none`, `pyXW-none` for W <= Y.
 * Free-threaded (`cp313t`) and debug ABIs are not the standard interpreter's.
 */
export function pythonTagSupported(pythonTag: string, abiTag: string, python: [number, number]): boolean {
  const [major, minor] = python;
  const tag = /^(cp|py)(\d)(\d*)$/.exec(pythonTag);
  if (!tag) return false;
  const tagMajor = Number(tag[2]);
  const tagMinor = tag[3] === "" ? undefined : Number(tag[3]);
  if (tagMajor !== major) return false;
  if (tag[1] === "py") return abiTag === "none" && (tagMinor === undefined || tagMinor <= minor);
  if (tagMinor === undefined) return false;
  if (abiTag === "abi3") return major === 3 && tagMinor >= 2 && tagMinor <= minor;
  if (tagMinor !== minor) return false;
  const ownAbi = `cp${major}${minor}`;
  return abiTag === "none" || abiTag === ownAbi || (major === 3 && minor < 8 && abiTag === `${ownAbi}m`);
}

/** Is any tag of the wheel's compressed tag set installable on the target? */
export function wheelSupported(wheel: WheelName, target: WheelTarget): boolean {
  if (!wheel.platformTags.some((tag) => platformTagSupported(tag, target))) return false;
  const python = pythonMajorMinor(target.python);
  // Python not known: the platform alone decides (the caller says so in the evidence).
  if (python === undefined) return true;
  return wheel.pythonTags.some((pythonTag) =>
    wheel.abiTags.some((abiTag) => pythonTagSupported(pythonTag, abiTag, python)),
  );
}

/** `py-abi-platform` as written in the filename, for messages. */
export function wheelTagText(wheel: WheelName): string {
  return `${wheel.pythonTags.join(".")}-${wheel.abiTags.join(".")}-${wheel.platformTags.join(".")}`;
}

/**
 * Does a file's `requires-python` admit the target? Absent, empty or unparseable specifiers admit it (pip
 * ignores an invalid one). A "3.10" target stands for whichever 3.10.z the image has, so it is admitted when
 * 3.10.0 or a late 3.10 patch release is.
 */
export function requiresPythonAdmits(requiresPython: string | undefined, python: string | undefined): boolean {
  const specifier = requiresPython?.trim();
  if (!specifier || python === undefined) return true;
  if (!validRange(specifier)) return true;
  const release = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(python);
  if (!release) return true;
  const candidates =
    release[3] !== undefined
      ? [`${release[1]}.${release[2]}.${release[3]}`]
      : [`${release[1]}.${release[2]}.0`, `${release[1]}.${release[2]}.99`];
  return candidates.some((candidate) => {
    try {
      return satisfies(candidate, specifier, { prereleases: true });
    } catch {
      return true;
    }
  });
}

/** Human form of the target: "CPython 3.10 on Linux x86_64 (glibc 2.31)". */
export function describeWheelTarget(target: WheelTarget): string {
  const arch = target.platform === "linux_aarch64" ? "aarch64" : "x86_64";
  const python = target.python === undefined ? "any Python (not known)" : `CPython ${target.python}`;
  return `${python} on Linux ${arch} (glibc ${target.glibc})`;
}

// ---- PEP 508 environment markers ----------------------------------------------------------------

type MarkerToken =
  | { kind: "(" | ")" }
  | { kind: "string"; value: string }
  | { kind: "op"; value: string }
  | { kind: "name"; value: string };

const MARKER_TOKEN = /\s*(?:(\()|(\))|'([^']*)'|"([^"]*)"|(===|==|!=|<=|>=|~=|<|>)|([A-Za-z_][A-Za-z0-9_.]*))/y;

function tokenizeMarker(marker: string): MarkerToken[] | undefined {
  const tokens: MarkerToken[] = [];
  MARKER_TOKEN.lastIndex = 0;
  while (MARKER_TOKEN.lastIndex < marker.length) {
    if (/^\s*$/.test(marker.slice(MARKER_TOKEN.lastIndex))) break;
    const match = MARKER_TOKEN.exec(marker);
    if (!match) return undefined;
    if (match[1] !== undefined) tokens.push({ kind: "(" });
    else if (match[2] !== undefined) tokens.push({ kind: ")" });
    else if (match[3] !== undefined || match[4] !== undefined)
      tokens.push({ kind: "string", value: match[3] ?? match[4] ?? "" });
    else if (match[5] !== undefined) tokens.push({ kind: "op", value: match[5] });
    else if (match[6] !== undefined) tokens.push({ kind: "name", value: match[6] });
  }
  return tokens;
}

/** Three-valued: undefined is "cannot tell here" (a variable the target does not fix, or a parse problem). */
type Truth = boolean | undefined;

const VERSION_VARIABLES = new Set([
  "python_version",
  "python_full_version",
  "implementation_version",
  "platform_release",
]);

function markerEnvironment(target: WheelTarget): Map<string, string> {
  const environment = new Map<string, string>([
    ["os_name", "posix"],
    ["sys_platform", "linux"],
    ["platform_system", "Linux"],
    ["platform_machine", target.platform === "linux_aarch64" ? "aarch64" : "x86_64"],
    ["platform_python_implementation", "CPython"],
    ["implementation_name", "cpython"],
  ]);
  const python = pythonMajorMinor(target.python);
  if (python) environment.set("python_version", `${python[0]}.${python[1]}`);
  const full = target.python === undefined ? null : /^\s*(\d+\.\d+\.\d+)/.exec(target.python);
  if (full?.[1]) {
    environment.set("python_full_version", full[1]);
    environment.set("implementation_version", full[1]);
  }
  return environment;
}

function compareMarker(left: string, operator: string, right: string, versionLike: boolean): Truth {
  if (operator === "in") return right.includes(left);
  if (operator === "not in") return !right.includes(left);
  if (versionLike && valid(left) !== null && validRange(`${operator}${right}`)) {
    try {
      return satisfies(left, `${operator}${right}`, { prereleases: true });
    } catch {
      return undefined;
    }
  }
  if (operator === "==" || operator === "===") return left === right;
  if (operator === "!=") return left !== right;
  return undefined;
}

class MarkerParser {
  private position = 0;

  constructor(
    private readonly tokens: MarkerToken[],
    private readonly environment: Map<string, string>,
  ) {}

  parse(): Truth {
    const result = this.or();
    if (this.position !== this.tokens.length) throw new Error("trailing tokens");
    return result;
  }

  private peekName(value: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === "name" && token.value === value;
  }

  private or(): Truth {
    let result = this.and();
    while (this.peekName("or")) {
      this.position += 1;
      const right = this.and();
      result = result === true || right === true ? true : result === false && right === false ? false : undefined;
    }
    return result;
  }

  private and(): Truth {
    let result = this.atom();
    while (this.peekName("and")) {
      this.position += 1;
      const right = this.atom();
      result = result === false || right === false ? false : result === true && right === true ? true : undefined;
    }
    return result;
  }

  private atom(): Truth {
    const token = this.tokens[this.position];
    if (token?.kind === "(") {
      this.position += 1;
      const result = this.or();
      if (this.tokens[this.position]?.kind !== ")") throw new Error("unbalanced parenthesis");
      this.position += 1;
      return result;
    }
    const left = this.value();
    const operator = this.operator();
    const right = this.value();
    if (left.value === undefined || right.value === undefined) return undefined;
    return compareMarker(left.value, operator, right.value, left.versionLike || right.versionLike);
  }

  private value(): { value: string | undefined; versionLike: boolean } {
    const token = this.tokens[this.position];
    this.position += 1;
    if (token?.kind === "string") return { value: token.value, versionLike: false };
    if (token?.kind === "name")
      return { value: this.environment.get(token.value), versionLike: VERSION_VARIABLES.has(token.value) };
    throw new Error("expected a value");
  }

  private operator(): string {
    const token = this.tokens[this.position];
    this.position += 1;
    if (token?.kind === "op") return token.value;
    if (token?.kind === "name" && token.value === "in") return "in";
    if (token?.kind === "name" && token.value === "not" && this.peekName("in")) {
      this.position += 1;
      return "not in";
    }
    throw new Error("expected an operator");
  }
}

/**
 * Does a PEP 508 marker (`python_version < "3.8" and sys_platform == "win32"`) hold on the target?
 * undefined when it cannot be told (a variable the target does not fix, like `extra`, or a marker that does
 * not parse): the caller then checks the requirement anyway.
 */
export function evaluateMarker(marker: string, target: WheelTarget): boolean | undefined {
  const tokens = tokenizeMarker(marker);
  if (!tokens || tokens.length === 0) return undefined;
  try {
    return new MarkerParser(tokens, markerEnvironment(target)).parse();
  } catch {
    return undefined;
  }
}
