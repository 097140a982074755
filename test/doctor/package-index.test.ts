// The --check-index client against the fake index over real HTTPS: what pip and conda would find, what
// they would refuse, and what cannot be told, with every request counted and no credential shown.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PackageIndex } from "../../src/doctor/package-index/client.js";
import { compareCondaVersions, condaVersionMatches } from "../../src/doctor/package-index/conda-version.js";
import type {
  CondaPin,
  IndexTarget,
  IndexVerdict,
  PackageIndexOptions,
  PipPin,
} from "../../src/doctor/package-index/types.js";
import { parseFakeIndexArgs, startFromCli } from "../fake-index/cli.js";
import type { FakeIndexScenario, FakePypiFile } from "../fake-index/scenario.js";
import { startFakeIndex, type FakeIndex } from "../fake-index/server.js";

const PY310: IndexTarget = { python: "3.10", condaSubdir: "linux-64", platform: "linux_x86_64", glibc: "2.31" };
const ALICE_TOKEN = "t0ps3cret-token";
const BOB_PASSWORD = "hunter2-secret";
const CONDA_TOKEN = "tk-9f8e7d6c5b4a";

function pip(name: string, version: string, extra: Partial<PipPin> = {}): PipPin {
  return { name, version, line: 3, file: "requirements.txt", ...extra };
}

function conda(spec: string, line = 5): CondaPin {
  // `channel::name=version=build` / `name==version`
  const match = /^(?:(.+)::)?([^=]+)(==|=)([^=]+)(?:=(.+))?$/.exec(spec);
  if (!match) throw new Error(`bad test spec ${spec}`);
  return {
    name: match[2] ?? "",
    version: match[4] ?? "",
    exact: match[3] === "==",
    line,
    file: "conda.yml",
    ...(match[1] ? { channel: match[1] } : {}),
    ...(match[5] ? { build: match[5] } : {}),
  };
}

function wheels(...filenames: string[]): { files: FakePypiFile[] } {
  return { files: filenames.map((filename) => ({ filename })) };
}

const SCENARIO: FakeIndexScenario = {
  pypi: {
    simple: {
      projects: {
        numpy: wheels(
          "numpy-1.26.3-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "numpy-1.26.4.tar.gz",
          "numpy-2.0.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        ),
        torch: wheels("torch-2.1.0+cu118-cp310-cp310-linux_x86_64.whl"),
        "only-elsewhere": wheels(
          "only_elsewhere-1.0-cp310-cp310-win_amd64.whl",
          "only_elsewhere-1.0-cp310-cp310-macosx_11_0_arm64.whl",
          "only_elsewhere-1.0-cp310-cp310-musllinux_1_1_x86_64.whl",
          "only_elsewhere-1.0-cp310-cp310-manylinux_2_35_x86_64.whl",
        ),
        newpy: wheels("newpy-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        "stable-abi": wheels("stable_abi-1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        "source-only": wheels("source-only-0.5.tar.gz"),
        six: wheels("six-1.16.0-py2.py3-none-any.whl"),
        "yanked-pkg": {
          files: [
            { filename: "yanked_pkg-1.0-py3-none-any.whl", yanked: "broken metadata" },
            { filename: "yanked_pkg-1.1-py3-none-any.whl", yanked: false },
          ],
        },
        modern: { files: [{ filename: "modern-2.0-py3-none-any.whl", "requires-python": ">=3.11" }] },
        pywin32: wheels("pywin32-306-cp310-cp310-win_amd64.whl"),
      },
    },
    "private/simple": { projects: { "internal-lib": wheels("internal_lib-2.0-py3-none-any.whl") } },
    "secure/simple": { projects: { "secret-lib": wheels("secret_lib-1.0-py3-none-any.whl") } },
    "legacy/simple": {
      format: "html",
      projects: {
        oldpkg: {
          files: [
            { filename: "oldpkg-1.0-py3-none-any.whl", "requires-python": ">=3.11" },
            { filename: "oldpkg-1.1-py3-none-any.whl", "requires-python": ">=3.8, <4" },
            { filename: "oldpkg-1.2-py3-none-any.whl", yanked: "security hole" },
          ],
        },
      },
    },
  },
  conda: {
    "conda-forge": {
      "linux-64": {
        "numpy-1.26.4-py310h5f9d8c6_0.conda": {
          name: "numpy",
          version: "1.26.4",
          build: "py310h5f9d8c6_0",
          depends: ["python >=3.10,<3.11.0a0", "libblas >=3.9.0"],
        },
        "numpy-1.26.4-py311h64a7726_0.tar.bz2": { name: "numpy", version: "1.26.4", build: "py311h64a7726_0" },
        "numpy-1.25.2-py310ha4c1d20_0.conda": { name: "numpy", version: "1.25.2", build: "py310ha4c1d20_0" },
        "libfoo-1.20.0-h1_0.conda": { name: "libfoo", version: "1.20.0", build: "h1_0" },
      },
      noarch: {
        "tqdm-4.66.1-pyhd8ed1ab_0.conda": { name: "tqdm", version: "4.66.1", build: "pyhd8ed1ab_0" },
      },
    },
    "pkgs/main": {
      "linux-64": {
        "libfoo-1.2.5-h2_0.tar.bz2": { name: "libfoo", version: "1.2.5", build: "h2_0" },
        "python-3.10.13-h955ad1f_0.conda": { name: "python", version: "3.10.13", build: "h955ad1f_0" },
      },
    },
    "pkgs/r": { "linux-64": { "r-base-4.3.1-h1_0.conda": { name: "r-base", version: "4.3.1", build: "h1_0" } } },
    "private-channel": { "linux-64": { "inhouse-1.0-h0_0.conda": { name: "inhouse", version: "1.0", build: "h0_0" } } },
    [`t/${CONDA_TOKEN}/tokened`]: {
      "linux-64": { "tokpkg-3.1-h0_0.conda": { name: "tokpkg", version: "3.1", build: "h0_0" } },
    },
  },
  auth: { secure: `alice:${ALICE_TOKEN}`, "private-channel": `bob:${BOB_PASSWORD}` },
};

let fake: FakeIndex;

beforeAll(async () => {
  fake = await startFakeIndex(SCENARIO);
});

afterAll(async () => {
  await fake.close();
});

function options(server: FakeIndex, overrides: Partial<PackageIndexOptions> = {}): PackageIndexOptions {
  return {
    pipIndexUrls: [`${server.url}/simple`],
    condaChannels: ["conda-forge"],
    condaChannelAlias: server.url,
    condaDefaultChannels: [`${server.url}/pkgs/main`, `${server.url}/pkgs/r`],
    ca: server.ca,
    requestTimeoutMs: 5_000,
    retries: 2,
    retryDelayMs: 5,
    ...overrides,
  };
}

async function checkPip(
  pin: PipPin,
  overrides: Partial<PackageIndexOptions> = {},
  target: IndexTarget = PY310,
): Promise<IndexVerdict> {
  const [verdict] = await new PackageIndex(options(fake, overrides)).checkPip([pin], target);
  if (!verdict) throw new Error("no verdict");
  return verdict;
}

async function checkConda(
  spec: string,
  overrides: Partial<PackageIndexOptions> = {},
  target: IndexTarget = PY310,
): Promise<IndexVerdict> {
  const [verdict] = await new PackageIndex(options(fake, overrides)).checkConda([conda(spec)], target);
  if (!verdict) throw new Error("no verdict");
  return verdict;
}

/** Requests the fake logged from `from` on, for paths matching `pattern`. */
function logged(server: FakeIndex, pattern: RegExp, from = 0) {
  return server.requests.slice(from).filter((entry) => pattern.test(entry.path));
}

describe("pip pins", () => {
  test("a pinned version with a wheel for the target passes, asked for PEP 691 JSON", async () => {
    const before = fake.requests.length;
    const verdict = await checkPip(pip("NumPy", "1.26.4"));
    expect(verdict).toMatchObject({ kind: "pip", id: "package-on-index", status: "pass" });
    expect(verdict.evidence.index).toBe(`${fake.url}/simple`);
    expect(verdict.evidence.files).toEqual(["numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]);
    // PEP 503 normalised name, JSON asked for first.
    const [request] = logged(fake, /^\/simple\//, before);
    expect(request?.path).toBe("/simple/numpy/");
    expect(request?.accept).toMatch(/^application\/vnd\.pypi\.simple\.v1\+json/);
  });

  test("versions compare by PEP 440: 1.26.4.0 is 1.26.4, and a public pin matches a +local build", async () => {
    expect((await checkPip(pip("numpy", "1.26.4.0"))).status).toBe("pass");
    const torch = await checkPip(pip("torch", "2.1.0"));
    expect(torch).toMatchObject({ id: "package-on-index", status: "pass" });
    expect(torch.evidence.version).toBe("2.1.0+cu118");
    expect((await checkPip(pip("torch", "2.1.0+cu121"))).id).toBe("package-missing-from-index");
  });

  test("a version the index lacks fails with the nearest versions", async () => {
    const verdict = await checkPip(pip("numpy", "1.26.99"));
    expect(verdict).toMatchObject({ id: "package-missing-from-index", status: "fail" });
    expect(verdict.evidence.projectFound).toBe(true);
    expect(verdict.evidence.nearestVersions).toEqual(["1.26.3", "1.26.4", "2.0.0"]);
    expect(verdict.message).toContain("1.26.4");
  });

  test("a project the index lacks fails", async () => {
    const verdict = await checkPip(pip("does-not-exist", "1.0"));
    expect(verdict).toMatchObject({ id: "package-missing-from-index", status: "fail" });
    expect(verdict.evidence.projectFound).toBe(false);
  });

  test("only Windows, macOS, musl and too-new-glibc wheels: no compatible file", async () => {
    const verdict = await checkPip(pip("only-elsewhere", "1.0"));
    expect(verdict).toMatchObject({ id: "package-no-compatible-file", status: "fail" });
    expect(verdict.evidence.tagsSeen).toEqual([
      "cp310-cp310-win_amd64",
      "cp310-cp310-macosx_11_0_arm64",
      "cp310-cp310-musllinux_1_1_x86_64",
      "cp310-cp310-manylinux_2_35_x86_64",
    ]);
    expect(verdict.message).toContain("glibc 2.31");
    // The same files on a glibc 2.35 image: the manylinux_2_35 wheel installs.
    expect((await checkPip(pip("only-elsewhere", "1.0"), {}, { ...PY310, glibc: "2.35" })).status).toBe("pass");
  });

  test("a cp311 wheel does not install on 3.10; a cp38-abi3 wheel does, but not on 3.7", async () => {
    expect(await checkPip(pip("newpy", "1.0"))).toMatchObject({ id: "package-no-compatible-file", status: "fail" });
    expect((await checkPip(pip("newpy", "1.0"), {}, { ...PY310, python: "3.11" })).status).toBe("pass");
    expect(await checkPip(pip("stable-abi", "1.0"))).toMatchObject({ id: "package-on-index", status: "pass" });
    expect((await checkPip(pip("stable-abi", "1.0"), {}, { ...PY310, python: "3.7" })).id).toBe(
      "package-no-compatible-file",
    );
  });

  test("a compressed tag set (py2.py3-none-any) installs", async () => {
    expect((await checkPip(pip("six", "1.16.0"))).status).toBe("pass");
  });

  test("an sdist alone installs but warns that it builds from source", async () => {
    const verdict = await checkPip(pip("source-only", "0.5"));
    expect(verdict).toMatchObject({ id: "package-on-index", status: "warn" });
    expect(verdict.evidence.sourceOnly).toBe(true);
    expect(verdict.message).toContain("from source");
  });

  test("a yanked release still installs for an == pin, with a warning and the reason", async () => {
    const yanked = await checkPip(pip("yanked-pkg", "1.0"));
    expect(yanked).toMatchObject({ id: "package-on-index", status: "warn" });
    expect(yanked.evidence).toMatchObject({ yanked: true, yankedReason: "broken metadata" });
    expect(await checkPip(pip("yanked-pkg", "1.1"))).toMatchObject({ status: "pass" });
  });

  test("requires-python that excludes the target: no compatible file; unknown Python accepts it and says so", async () => {
    const verdict = await checkPip(pip("modern", "2.0"));
    expect(verdict).toMatchObject({ id: "package-no-compatible-file", status: "fail" });
    expect(verdict.evidence.requiresPython).toEqual([">=3.11"]);
    const { python: _python, ...withoutPython } = PY310;
    const unknown = await checkPip(pip("modern", "2.0"), {}, withoutPython);
    expect(unknown).toMatchObject({ status: "pass" });
    expect(unknown.evidence).toMatchObject({ pythonKnown: false, python: "unknown" });
  });

  test("a pin whose marker is false on Linux is skipped without a request", async () => {
    const before = fake.requests.length;
    const verdict = await checkPip(pip("pywin32", "306", { marker: 'sys_platform == "win32"' }));
    expect(verdict).toMatchObject({ id: "package-on-index", status: "skip" });
    expect(logged(fake, /pywin32/, before)).toHaveLength(0);
    // A marker that holds is checked as usual: the only wheel is for Windows.
    expect((await checkPip(pip("pywin32", "306", { marker: 'python_version >= "3.8"' }))).id).toBe(
      "package-no-compatible-file",
    );
  });

  test("found only on the extra index: pass, naming that index; without it: missing", async () => {
    const both = await checkPip(pip("internal-lib", "2.0"), {
      pipIndexUrls: [`${fake.url}/simple`, `${fake.url}/private/simple`],
    });
    expect(both).toMatchObject({ id: "package-on-index", status: "pass" });
    expect(both.evidence.index).toBe(`${fake.url}/private/simple`);
    expect(both.evidence.indexes).toEqual([`${fake.url}/simple`, `${fake.url}/private/simple`]);
    expect((await checkPip(pip("internal-lib", "2.0"))).id).toBe("package-missing-from-index");
  });

  test("an index without PEP 691 is read as PEP 503 HTML (requires-python and yanked from attributes)", async () => {
    const legacy = { pipIndexUrls: [`${fake.url}/legacy/simple`] };
    expect((await checkPip(pip("oldpkg", "1.0"), legacy)).id).toBe("package-no-compatible-file");
    expect((await checkPip(pip("oldpkg", "1.1"), legacy)).status).toBe("pass");
    expect((await checkPip(pip("oldpkg", "1.2"), legacy)).evidence).toMatchObject({
      yanked: true,
      yankedReason: "security hole",
    });
  });

  test("credentials in the index URL are sent as Basic auth and never shown", async () => {
    const before = fake.requests.length;
    const secureUrl = `${fake.url.replace("https://", `https://alice:${ALICE_TOKEN}@`)}/secure/simple`;
    const index = new PackageIndex(options(fake, { pipIndexUrls: [secureUrl] }));
    const verdicts = await index.checkPip(
      [pip("secret-lib", "1.0"), pip("not-there", "1.0"), pip("secret-lib", "9.9")],
      PY310,
    );
    expect(verdicts.map((verdict) => verdict.status)).toEqual(["pass", "fail", "fail"]);
    expect(verdicts[0]?.evidence.index).toBe(`${fake.url}/secure/simple`);
    expect(JSON.stringify(verdicts)).not.toContain(ALICE_TOKEN);
    expect(JSON.stringify(verdicts)).not.toContain("alice");
    const sent = logged(fake, /^\/secure\//, before);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent)
      expect(request.authorization).toBe(`Basic ${Buffer.from(`alice:${ALICE_TOKEN}`).toString("base64")}`);
  });

  test.each([
    ["127.0.0.1", "pass", true],
    ["localhost", "unknown", false],
  ] as const)(
    "a redirect to %s: credentials follow only on the same host; every hop counts",
    async (host, status, authorizedAgain) => {
      const server = await startFakeIndex({
        pypi: SCENARIO.pypi ?? {},
        auth: SCENARIO.auth ?? {},
        faults: [
          {
            path: "^/secure/simple/secret-lib/$",
            status: 302,
            times: 1,
            headers: { location: `https://${host}:{port}/secure/simple/secret-lib/` },
          },
        ],
      });
      try {
        const basic = `Basic ${Buffer.from(`alice:${ALICE_TOKEN}`).toString("base64")}`;
        const index = new PackageIndex(
          options(server, {
            pipIndexUrls: [`${server.url.replace("https://", `https://alice:${ALICE_TOKEN}@`)}/secure/simple`],
          }),
        );
        const [verdict] = await index.checkPip([pip("secret-lib", "1.0")], PY310);
        expect(verdict?.status).toBe(status);
        expect(server.requests.map((request) => request.status)).toEqual([302, authorizedAgain ? 200 : 401]);
        expect(server.requests.map((request) => request.authorization)).toEqual([
          basic,
          authorizedAgain ? basic : undefined,
        ]);
        expect(index.requests).toBe(2);
      } finally {
        await server.close();
      }
    },
  );

  test("wrong credentials: unknown, with the status and without the password", async () => {
    const wrong = `${fake.url.replace("https://", "https://alice:wr0ng-password@")}/secure/simple`;
    const verdict = await checkPip(pip("secret-lib", "1.0"), { pipIndexUrls: [wrong] });
    expect(verdict).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
    expect(verdict.message).toContain("HTTP 401");
    expect(JSON.stringify(verdict)).not.toContain("wr0ng-password");
  });

  test("one project looked up once, whatever the number of pins naming it", async () => {
    const before = fake.requests.length;
    const index = new PackageIndex(options(fake));
    await index.checkPip([pip("numpy", "1.26.3"), pip("numpy", "1.26.4"), pip("Numpy", "2.0.0")], PY310);
    expect(logged(fake, /^\/simple\/numpy\/$/, before)).toHaveLength(1);
    expect(index.requests).toBe(1);
  });
});

describe("pip faults", () => {
  async function withFake(scenario: FakeIndexScenario, run: (server: FakeIndex) => Promise<void>): Promise<void> {
    const server = await startFakeIndex(scenario);
    try {
      await run(server);
    } finally {
      await server.close();
    }
  }

  const numpyOnly: FakeIndexScenario = {
    pypi: { simple: { projects: { numpy: wheels("numpy-1.26.4-py3-none-any.whl") } } },
  };

  test("a 503 then success: retried, pass", async () => {
    await withFake({ ...numpyOnly, faults: [{ path: "^/simple/numpy/$", status: 503, times: 1 }] }, async (server) => {
      const index = new PackageIndex(options(server));
      const [verdict] = await index.checkPip([pip("numpy", "1.26.4")], PY310);
      expect(verdict?.status).toBe("pass");
      expect(server.requests.map((request) => request.status)).toEqual([503, 200]);
      expect(index.requests).toBe(2);
    });
  });

  test("503 on every attempt: unknown after the retries, no stack", async () => {
    await withFake({ ...numpyOnly, faults: [{ path: "^/simple/", status: 503 }] }, async (server) => {
      const index = new PackageIndex(options(server, { retries: 2 }));
      const [verdict] = await index.checkPip([pip("numpy", "1.26.4")], PY310);
      expect(verdict).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
      expect(verdict?.message).toContain("HTTP 503 after 3 attempts");
      expect(verdict?.message).not.toMatch(/\n\s+at /);
      expect(server.requests).toHaveLength(3);
      expect(index.requests).toBe(3);
    });
  });

  test("a Retry-After longer than the cap is not waited for", async () => {
    await withFake({ ...numpyOnly, faults: [{ path: "^/simple/", status: 429, retryAfter: 60 }] }, async (server) => {
      const [verdict] = await new PackageIndex(options(server)).checkPip([pip("numpy", "1.26.4")], PY310);
      expect(verdict?.status).toBe("unknown");
      expect(verdict?.message).toContain("HTTP 429");
      // Asked once, never again: the policy's waits themselves are in test/core/retry.test.ts.
      expect(server.requests).toHaveLength(1);
    });
  });

  test("a short Retry-After is waited for", async () => {
    await withFake(
      { ...numpyOnly, faults: [{ path: "^/simple/", status: 429, retryAfter: 1, times: 1 }] },
      async (server) => {
        const [verdict] = await new PackageIndex(options(server)).checkPip([pip("numpy", "1.26.4")], PY310);
        expect(verdict?.status).toBe("pass");
        expect(server.requests.map((entry) => entry.status)).toEqual([429, 200]);
      },
    );
  });

  test("no answer within the timeout: unknown, saying so", async () => {
    await withFake({ ...numpyOnly, faults: [{ path: "^/simple/", delayMs: 3_000 }] }, async (server) => {
      const [verdict] = await new PackageIndex(options(server, { requestTimeoutMs: 300 })).checkPip(
        [pip("numpy", "1.26.4")],
        PY310,
      );
      expect(verdict).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
      expect(verdict?.message).toContain("no answer within 300 ms");
    });
  });

  test("missing on the main index while the extra index fails: unknown, naming both", async () => {
    await withFake(
      { pypi: { simple: { projects: {} }, extra: { projects: {} } }, faults: [{ path: "^/extra/", status: 500 }] },
      async (server) => {
        const [verdict] = await new PackageIndex(
          options(server, { pipIndexUrls: [`${server.url}/simple`, `${server.url}/extra`] }),
        ).checkPip([pip("numpy", "1.26.4")], PY310);
        expect(verdict).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
        expect(verdict?.evidence.unreachable).toEqual([`${server.url}/extra`]);
        expect(verdict?.message).toContain(`no such project on ${server.url}/simple`);
      },
    );
  });

  test("found on one index while another fails: pass", async () => {
    await withFake(
      {
        ...numpyOnly,
        pypi: { ...numpyOnly.pypi, extra: { projects: {} } },
        faults: [{ path: "^/extra/", status: 500 }],
      },
      async (server) => {
        const [verdict] = await new PackageIndex(
          options(server, { pipIndexUrls: [`${server.url}/extra`, `${server.url}/simple`] }),
        ).checkPip([pip("numpy", "1.26.4")], PY310);
        expect(verdict).toMatchObject({ status: "pass" });
        expect(verdict?.evidence.index).toBe(`${server.url}/simple`);
      },
    );
  });

  test("a refused connection: unknown with the error", async () => {
    const [verdict] = await new PackageIndex(
      options(fake, { pipIndexUrls: ["https://127.0.0.1:1/simple"], retries: 0 }),
    ).checkPip([pip("numpy", "1.26.4")], PY310);
    expect(verdict).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
    expect(verdict?.message).toContain("ECONNREFUSED");
  });

  test("an index URL that does not parse: unknown, its userinfo hidden", async () => {
    const [verdict] = await new PackageIndex(
      options(fake, { pipIndexUrls: ["https://bob:s3cr/et-pass@127.0.0.1:1/simple"] }),
    ).checkPip([pip("numpy", "1.26.4")], PY310);
    expect(verdict).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
    expect(verdict?.message).toContain("https://127.0.0.1:1/simple: not a valid URL");
    expect(JSON.stringify(verdict)).not.toMatch(/s3cr|et-pass/);
  });

  test("a certificate the client does not trust: unknown", async () => {
    const [verdict] = await new PackageIndex({ ...options(fake, { retries: 0 }), ca: undefined }).checkPip(
      [pip("numpy", "1.26.4")],
      PY310,
    );
    expect(verdict).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
    expect(verdict?.message).toMatch(/certificate/i);
  });
});

describe("conda pins", () => {
  test("fuzzy =1.26 matches 1.26.4; exact ==1.26 does not", async () => {
    const fuzzy = await checkConda("numpy=1.26");
    expect(fuzzy).toMatchObject({ kind: "conda", id: "package-on-index", status: "pass" });
    expect(fuzzy.evidence).toMatchObject({ channel: `${fake.url}/conda-forge`, subdir: "linux-64" });
    expect(fuzzy.evidence.matched).toEqual(["1.26.4=py310h5f9d8c6_0", "1.26.4=py311h64a7726_0"]);
    const exact = await checkConda("numpy==1.26");
    expect(exact).toMatchObject({ id: "package-missing-from-index", status: "fail" });
    expect(exact.evidence.nearestVersions).toEqual(["1.25.2", "1.26.4"]);
    expect((await checkConda("numpy==1.26.4")).status).toBe("pass");
  });

  test("a build string must match, * as a glob", async () => {
    expect((await checkConda("numpy=1.26.4=py310h5f9d8c6_0")).status).toBe("pass");
    expect((await checkConda("numpy==1.26.4=py311*")).evidence.matched).toEqual(["1.26.4=py311h64a7726_0"]);
    const wrongBuild = await checkConda("numpy=1.26.4=py312*");
    expect(wrongBuild).toMatchObject({ id: "package-missing-from-index", status: "fail" });
    expect(wrongBuild.evidence.buildsSeen).toEqual(["py310h5f9d8c6_0", "py311h64a7726_0"]);
  });

  test("=1.2 does not match 1.20; defaults (pkgs/main) has 1.2.5", async () => {
    const forgeOnly = await checkConda("libfoo=1.2");
    expect(forgeOnly).toMatchObject({ id: "package-missing-from-index", status: "fail" });
    expect(forgeOnly.evidence.nearestVersions).toEqual(["1.20.0"]);
    const withDefaults = await checkConda("libfoo=1.2", { condaChannels: ["conda-forge", "defaults"] });
    expect(withDefaults).toMatchObject({ status: "pass" });
    expect(withDefaults.evidence.channel).toBe(`${fake.url}/pkgs/main`);
    expect(withDefaults.evidence.channels).toEqual([
      `${fake.url}/conda-forge`,
      `${fake.url}/pkgs/main`,
      `${fake.url}/pkgs/r`,
    ]);
  });

  test("noarch packages count", async () => {
    const verdict = await checkConda("tqdm=4.66");
    expect(verdict).toMatchObject({ status: "pass" });
    expect(verdict.evidence.subdir).toBe("noarch");
  });

  test("channel::name looks only in that channel", async () => {
    const channels = { condaChannels: ["conda-forge", "defaults"] };
    expect((await checkConda("defaults::numpy=1.26", channels)).id).toBe("package-missing-from-index");
    expect((await checkConda("conda-forge::libfoo=1.2", channels)).id).toBe("package-missing-from-index");
    expect((await checkConda("pkgs/main::libfoo=1.2", channels)).status).toBe("pass");
    expect((await checkConda("conda-forge::numpy=1.26", { condaChannels: ["defaults"] })).status).toBe("pass");
  });

  test("a channel that does not exist fails, naming the missing repodata", async () => {
    const verdict = await checkConda("numpy=1.26", { condaChannels: ["no-such-channel"] });
    expect(verdict).toMatchObject({ id: "package-missing-from-index", status: "fail" });
    expect(verdict.message).toContain(`${fake.url}/no-such-channel has no linux-64/repodata.json`);
    expect(verdict.evidence.missingChannels).toEqual([`${fake.url}/no-such-channel`]);
  });

  test("a package no channel has", async () => {
    const verdict = await checkConda("nothing-like-it=1.0");
    expect(verdict).toMatchObject({ id: "package-missing-from-index", status: "fail" });
    expect(verdict.evidence.packageFound).toBe(false);
  });

  test("repodata is asked for gzip and decoded", async () => {
    const before = fake.requests.length;
    expect((await checkConda("numpy=1.26")).status).toBe("pass");
    const fetched = logged(fake, /\/repodata\.json$/, before);
    expect(fetched.length).toBe(2);
    for (const request of fetched.filter((entry) => entry.status === 200)) {
      expect(request.acceptEncoding).toMatch(/gzip/);
      expect(request.contentEncoding).toBe("gzip");
    }
  });

  test("each channel's subdir and noarch repodata are fetched once, however many pins", async () => {
    const before = fake.requests.length;
    const index = new PackageIndex(options(fake, { condaChannels: ["conda-forge", "defaults"] }));
    const specs = [
      "numpy=1.26",
      "numpy==1.26.4",
      "libfoo=1.2",
      "tqdm=4.66",
      "python=3.10",
      "r-base=4.3",
      "absent=1.0",
      "numpy=1.25",
    ];
    const verdicts = await index.checkConda(
      specs.map((spec) => conda(spec)),
      PY310,
    );
    expect(verdicts.map((verdict) => verdict.status)).toEqual([
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "fail",
      "pass",
    ]);
    const fetched = logged(fake, /\/repodata\.json$/, before)
      .map((entry) => entry.path)
      .sort();
    expect(fetched).toEqual([
      "/conda-forge/linux-64/repodata.json",
      "/conda-forge/noarch/repodata.json",
      "/pkgs/main/linux-64/repodata.json",
      "/pkgs/main/noarch/repodata.json",
      "/pkgs/r/linux-64/repodata.json",
      "/pkgs/r/noarch/repodata.json",
    ]);
    expect(index.requests).toBe(6);
    // Asking again costs nothing.
    await index.checkConda([conda("numpy=1.26")], PY310);
    expect(index.requests).toBe(6);
  });

  test("channel credentials and /t/<token>/ are used but never shown", async () => {
    const before = fake.requests.length;
    const privateUrl = `${fake.url.replace("https://", `https://bob:${BOB_PASSWORD}@`)}/private-channel`;
    const tokenUrl = `${fake.url}/t/${CONDA_TOKEN}/tokened`;
    const index = new PackageIndex(options(fake, { condaChannels: [privateUrl, tokenUrl] }));
    const verdicts = await index.checkConda([conda("inhouse=1.0"), conda("tokpkg=3.1"), conda("gone=1.0")], PY310);
    expect(verdicts.map((verdict) => verdict.status)).toEqual(["pass", "pass", "fail"]);
    expect(verdicts[1]?.evidence.channel).toBe(`${fake.url}/t/***/tokened`);
    const shown = JSON.stringify(verdicts);
    expect(shown).not.toContain(BOB_PASSWORD);
    expect(shown).not.toContain(CONDA_TOKEN);
    const privateRequests = logged(fake, /^\/private-channel\//, before);
    expect(
      privateRequests.some(
        (request) => request.authorization === `Basic ${Buffer.from(`bob:${BOB_PASSWORD}`).toString("base64")}`,
      ),
    ).toBe(true);
    // Credentials go only to their own channel.
    expect(logged(fake, /^\/t\//, before).every((request) => request.authorization === undefined)).toBe(true);
  });

  test("a channel that keeps failing: unknown, unless the pin is found in a higher-priority channel", async () => {
    const server = await startFakeIndex({
      conda: SCENARIO.conda ?? {},
      faults: [{ path: "^/pkgs/main/", status: 503 }],
    });
    try {
      const base = options(server, { condaChannels: ["conda-forge", "defaults"], retries: 1 });
      const [missing, found] = await new PackageIndex(base).checkConda(
        [conda("libfoo=1.2"), conda("numpy=1.26")],
        PY310,
      );
      expect(missing).toMatchObject({ id: "package-index-unreachable", status: "unknown" });
      expect(missing?.message).toContain("HTTP 503");
      expect(found?.status).toBe("pass");
    } finally {
      await server.close();
    }
  });

  test("a big repodata streams through: escapes, nested values and chunk boundaries", async () => {
    const packages: Record<string, { name: string; version: string; build: string; [field: string]: unknown }> = {};
    for (let index = 0; index < 4_000; index += 1) {
      packages[`pkg${index}-1.${index}-h${index}_0.conda`] = {
        name: `pkg${index}`,
        version: `1.${index}`,
        build: `h${index}_0`,
        depends: [`python >=3.${index % 12}`, { odd: ["nested", { deeper: true }] }],
        license: `MIT "quoted" \\ back\u0001slash ünïcode ${"x".repeat(index % 50)}`,
        summary: null,
        constrains: [],
      };
    }
    packages["quirky-0.1-h_0.conda"] = { name: "quirky", version: "0.1", build: 'weird"build\\name' };
    const server = await startFakeIndex({ conda: { big: { "linux-64": packages } } });
    try {
      const index = new PackageIndex(options(server, { condaChannels: ["big"] }));
      const verdicts = await index.checkConda(
        [
          conda("pkg0==1.0"),
          conda("pkg3999==1.3999"),
          conda("pkg2048=1.2048"),
          conda('quirky=0.1=weird"build\\name'),
          conda("pkg10==1.11"),
        ],
        PY310,
      );
      expect(verdicts.map((verdict) => verdict.status)).toEqual(["pass", "pass", "pass", "pass", "fail"]);
      expect(verdicts[4]?.evidence.nearestVersions).toEqual(["1.10"]);
    } finally {
      await server.close();
    }
  });
});

describe("conda versions", () => {
  test.each([
    ["1.2.5", "1.2", false, true],
    ["1.2", "1.2", false, true],
    ["1.20", "1.2", false, false],
    ["1.20.0", "1.2", false, false],
    ["1.3", "1.2", false, false],
    ["1.2.0", "1.2", true, true],
    ["1.2.1", "1.2", true, false],
    ["1!1.2", "1.2", false, false],
  ] as const)("%s matches %s (exact: %s): %s", (candidate, pin, exact, expected) => {
    expect(condaVersionMatches(candidate, pin, exact)).toBe(expected);
  });

  test("sort in conda's order: dev < alpha < release < post, numbers numerically", () => {
    expect(["1.10", "1.9", "1.9.1", "1.1a1", "1.1", "1.1.post1", "1.1dev1"].sort(compareCondaVersions)).toEqual([
      "1.1dev1",
      "1.1a1",
      "1.1",
      "1.1.post1",
      "1.9",
      "1.9.1",
      "1.10",
    ]);
  });
});

describe("fake-index command line", () => {
  test("rejects bad arguments with the usage", () => {
    expect(() => parseFakeIndexArgs([])).toThrow(/--scenario is required\nusage: fake-index/);
    expect(() => parseFakeIndexArgs(["--scenario", "s.json", "--latency-ms", "1.5"])).toThrow(
      /--latency-ms must be an integer >= 0/,
    );
    expect(() => parseFakeIndexArgs(["--scenario", "s.json", "--bogus"])).toThrow(/usage: fake-index/);
  });

  test("serves a scenario file and prints one line with its URL and CA file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-index-cli-"));
    try {
      const scenarioFile = join(dir, "scenario.json");
      await writeFile(
        scenarioFile,
        JSON.stringify({ pypi: { simple: { projects: { six: wheels("six-1.16.0-py2.py3-none-any.whl") } } } }),
      );
      const { fakeIndex, readyLine } = await startFromCli(
        parseFakeIndexArgs(["--scenario", scenarioFile, "--latency-ms", "5"]),
      );
      try {
        expect(JSON.parse(readyLine)).toEqual({ url: fakeIndex.url, caFile: fakeIndex.caFile });
        expect(readyLine).toMatch(/^\{"url":"https:\/\/127\.0\.0\.1:\d+","caFile":"[^"]+"\}$/);
        const [verdict] = await new PackageIndex(options(fakeIndex)).checkPip([pip("six", "1.16.0")], PY310);
        expect(verdict?.status).toBe("pass");
      } finally {
        await fakeIndex.close();
      }
      await writeFile(scenarioFile, JSON.stringify({ pypi: { simple: { projects: { six: { files: "nope" } } } } }));
      await expect(startFromCli(parseFakeIndexArgs(["--scenario", scenarioFile]))).rejects.toThrow(
        /files must be an array/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
