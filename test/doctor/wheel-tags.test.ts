// What pip accepts on a Linux glibc image: wheel tags, requires-python, PEP 440 pins and PEP 508 markers.

import { describe, expect, test } from "vitest";
import {
  evaluateMarker,
  parseSdistFilename,
  parseWheelFilename,
  platformTagSupported,
  pythonTagSupported,
  requiresPythonAdmits,
  versionMatches,
  type WheelTarget,
} from "../../src/doctor/wheel-tags.js";

const X86: WheelTarget = { python: "3.10", platform: "linux_x86_64", glibc: "2.31" };
const ARM: WheelTarget = { python: "3.10", platform: "linux_aarch64", glibc: "2.31" };

describe("wheel filenames", () => {
  test("splits name, version, build tag and compressed tag sets", () => {
    expect(parseWheelFilename("pkg-1.0-1-py2.py3-none-any.whl")).toEqual({
      name: "pkg",
      version: "1.0",
      build: "1",
      pythonTags: ["py2", "py3"],
      abiTags: ["none"],
      platformTags: ["any"],
    });
    expect(
      parseWheelFilename("numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")?.platformTags,
    ).toEqual(["manylinux_2_17_x86_64", "manylinux2014_x86_64"]);
    expect(parseWheelFilename("numpy-1.26.4.tar.gz")).toBeUndefined();
    expect(parseWheelFilename("bad-name.whl")).toBeUndefined();
  });

  test.each([
    ["my-pkg-1.0.tar.gz", "my_pkg", "1.0"],
    ["numpy-1.26.4.tar.gz", "numpy", "1.26.4"],
    ["Django-4.2.zip", "django", "4.2"],
    ["other-1.0.zip", "numpy", undefined],
    ["numpy-1.0-py2.7.egg", "numpy", undefined],
  ])("sdist %s of %s has version %s", (filename, project, version) => {
    expect(parseSdistFilename(filename, project)).toBe(version);
  });
});

describe("platform tags on Linux glibc 2.31", () => {
  test.each([
    ["any", X86, true],
    ["linux_x86_64", X86, true],
    ["manylinux1_x86_64", X86, true],
    ["manylinux2010_x86_64", X86, true],
    ["manylinux2014_x86_64", X86, true],
    ["manylinux_2_31_x86_64", X86, true],
    ["manylinux_2_32_x86_64", X86, false],
    ["manylinux_2_17_aarch64", X86, false],
    ["manylinux2014_aarch64", ARM, true],
    ["manylinux2010_aarch64", ARM, false],
    ["manylinux_2_28_aarch64", ARM, true],
    ["musllinux_1_2_x86_64", X86, false],
    ["win_amd64", X86, false],
    ["macosx_10_9_x86_64", X86, false],
  ] as const)("%s on %o: %s", (tag, target, expected) => {
    expect(platformTagSupported(tag, target)).toBe(expected);
  });
});

describe("python and abi tags", () => {
  test.each([
    ["cp310", "cp310", [3, 10], true],
    ["cp310", "cp310", [3, 11], false],
    ["cp38", "abi3", [3, 10], true],
    ["cp311", "abi3", [3, 10], false],
    ["cp310", "none", [3, 10], true],
    ["cp39", "none", [3, 10], false],
    ["py3", "none", [3, 10], true],
    ["py39", "none", [3, 10], true],
    ["py311", "none", [3, 10], false],
    ["py2", "none", [3, 10], false],
    ["cp313", "cp313t", [3, 13], false],
    ["cp37", "cp37m", [3, 7], true],
    ["pp39", "pypy39_pp73", [3, 9], false],
  ] as const)("%s-%s on %o: %s", (python, abi, version, expected) => {
    expect(pythonTagSupported(python, abi, [version[0], version[1]])).toBe(expected);
  });
});

describe("requires-python", () => {
  test.each([
    [">=3.9", "3.10", true],
    ["<3.10", "3.10", false],
    [">=3.6, <4", "3.10", true],
    [">=3.10.1", "3.10", true],
    [">=3.10.1", "3.10.0", false],
    ["!=3.10.*", "3.10", false],
    [">=3.6.*", "3.10", true],
    ["", "3.10", true],
    [undefined, "3.10", true],
    [">=3.11", undefined, true],
  ] as const)("%s admits %s: %s", (specifier, python, expected) => {
    expect(requiresPythonAdmits(specifier, python)).toBe(expected);
  });
});

describe("PEP 440 pins", () => {
  test.each([
    ["1.0.0", "1.0", "==", true],
    ["2.1.0+cu118", "2.1.0", "==", true],
    ["2.1.0+cu118", "2.1.0+cu121", "==", false],
    ["2.1.0+cu118", "2.1.0+CU118", "==", true],
    ["2.1.0", "2.1.0+cu118", "==", false],
    ["1.0.post1", "1.0", "==", false],
    ["2.0rc1", "2.0rc1", "==", true],
    ["not a version", "1.0", "==", false],
    ["1.0", "1.0", "===", true],
    ["1.0.0", "1.0", "===", false],
  ] as const)("%s matches %s%s: %s", (candidate, pin, operator, expected) => {
    expect(versionMatches(candidate, pin, operator)).toBe(expected);
  });
});

describe("PEP 508 markers on CPython 3.10, Linux x86_64", () => {
  const noPython: WheelTarget = { platform: "linux_x86_64", glibc: "2.31" };
  test.each([
    ['sys_platform == "win32"', X86, false],
    ['python_version < "3.11"', X86, true],
    ['python_version < "3.11"', noPython, undefined],
    ['platform_machine == "aarch64"', X86, false],
    ['platform_machine == "aarch64"', ARM, true],
    ['"linux" in sys_platform', X86, true],
    ['extra == "gpu"', X86, undefined],
    ['python_version >= "3.8" and sys_platform != "win32"', X86, true],
    ['(os_name == "nt" or python_version > "3.9")', X86, true],
    ['os_name == "nt" and extra == "gpu"', X86, false],
    ["platform_system == 'Linux'", X86, true],
    ["python_version <<", X86, undefined],
  ] as const)("%s: %s", (marker, target, expected) => {
    expect(evaluateMarker(marker, target)).toBe(expected);
  });
});
