// The build-log doctor against logs it was not written from (test/fixtures/build-logs-heldout/): how each
// builder ends a build (Docker 28's `failed to build: failed to solve`, the legacy builder's daemon error
// with no ACR task around it, BuildKit's `#11 naming to ... done`), and the last error lines a person
// needs when no cause is known. A failed build is never exit 0; a clean one always is.

import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { analyzeBuildLog } from "../../src/doctor/build-log/analyze.js";
import { looksLikeBuildLog } from "../../src/doctor/build-log/log.js";
import { doctorExitCode } from "../../src/doctor/report.js";
import { checkText, decodeSource } from "../../src/doctor/source-text.js";
import { PreflightError } from "../../src/core/errors.js";
import { ROOT } from "../e2e/run-cli.js";

const CORPUS = join(ROOT, "test", "fixtures", "build-logs-heldout");

interface Expected {
  description: string;
  outcome: "failed" | "succeeded";
  findings: string[];
  /** Text the last of the last error lines holds (no-known-cause only). */
  lastError?: string;
}

const expected = JSON.parse(await readFile(join(CORPUS, "expected.json"), "utf8")) as Record<string, Expected>;
const logs = (await readdir(CORPUS)).filter((name) => name.endsWith(".log")).sort();

function analyse(name: string, text: string) {
  return analyzeBuildLog(text, { path: name, toolVersion: "test" });
}

describe("held-out logs", () => {
  test("every log has expectations and every expectation a log", () => {
    expect(Object.keys(expected).sort()).toEqual(logs);
  });

  test.each(logs)("%s", async (name) => {
    const want = expected[name];
    if (!want) throw new Error(`${name} has no entry in expected.json`);
    const text = await readFile(join(CORPUS, name), "utf8");
    const report = analyse(name, text);
    expect(report.outcome).toBe(want.outcome);
    expect(report.findings.map((finding) => finding.id)).toEqual(want.findings);
    expect(doctorExitCode(report, "fail")).toBe(want.outcome === "failed" ? 1 : 0);
    // Whatever the builder, `env` would send it here.
    expect(looksLikeBuildLog(text)).toBe(true);
    if (want.lastError !== undefined) {
      const unknown = report.findings.find((finding) => finding.id === "no-known-cause");
      expect(unknown?.status).toBe("unknown");
      expect(unknown?.excerpt.at(-1)?.text).toContain(want.lastError);
      expect(report.lastErrorLines?.at(-1)?.line).toBe(unknown?.line);
    }
  });

  test.each(logs)("%s with CRLF line endings says the same", async (name) => {
    const text = await readFile(join(CORPUS, name), "utf8");
    const plain = analyse(name, text);
    const crlf = analyse(name, text.replaceAll("\n", "\r\n"));
    expect(crlf.outcome).toBe(plain.outcome);
    expect(crlf.findings.map(({ id, line }) => ({ id, line }))).toEqual(
      plain.findings.map(({ id, line }) => ({ id, line })),
    );
  });
});

describe("reading the bytes of a log", () => {
  const log =
    "Step 2/5 : RUN pip install -r requirements.txt\nImportError: libGL.so.1: cannot open shared object file\n";

  test.each([
    ["UTF-8", Buffer.from(log)],
    ["UTF-8 with a byte-order mark", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(log)])],
    [
      "UTF-16LE with a byte-order mark (PowerShell's >)",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(log, "utf16le")]),
    ],
    [
      "UTF-16BE with a byte-order mark",
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(log, "utf16le").swap16()]),
    ],
    ["gzip", gzipSync(Buffer.from(log))],
    ["gzip of UTF-16LE", gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(log, "utf16le")]))],
  ])("%s reads as its text", (_, bytes) => {
    expect(decodeSource(bytes, "log")).toBe(log);
  });

  const png = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108020000009077", "hex");
  const zip = Buffer.concat([Buffer.from("504b0304140000000800", "hex"), Buffer.alloc(40)]);
  test.each([
    ["empty", Buffer.alloc(0), /^log is empty: nothing to read$/],
    ["whitespace only", Buffer.from(" \n\t\r\n"), /^log is empty: nothing to read$/],
    ["a byte-order mark alone", Buffer.from([0xff, 0xfe]), /^log is empty: nothing to read$/],
    ["a PNG", png, /^log is not a text file \(it holds binary data\); give the text file itself$/],
    ["a zip", zip, /^log is not a text file \(it holds binary data\); give the text file itself$/],
    ["a gzip of a PNG", gzipSync(png), /^log is not a text file/],
    [
      "a truncated gzip",
      gzipSync(Buffer.from(log)).subarray(0, 12),
      /^log is gzip-compressed but does not unpack \(\w+\)/,
    ],
  ])("%s is refused with one line", (_, bytes, message) => {
    let error: unknown;
    try {
      decodeSource(bytes, "log");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).message).toMatch(message);
    expect((error as PreflightError).message).not.toContain("\n");
  });

  test("standard input's text loses its byte-order mark and is held to the same rules", () => {
    expect(checkText(`\uFEFF${log}`, "standard input")).toBe(log);
    expect(() => checkText("\uFEFF \n", "standard input")).toThrow("standard input is empty: nothing to read");
  });
});
