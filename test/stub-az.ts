// A stub `az` for tests that run printed commands: it records each call's arguments (each ended by a
// NUL, a call ended by "\n\0") and runs nothing, so a test sees exactly what bash would pass to az.

import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What one script did under the stub: `bash -n`'s status, bash's, az's calls and the files it left. */
export interface StubAzRun {
  syntax: number | null;
  status: number | null;
  calls: string[][];
  /** Files the run left in its directory besides the script and the call record: what planted text ran. */
  left: string[];
}

/** Installs the stub under `box` and returns a runner: each script runs in a fresh directory of its own. */
export function stubAz(box: string): (script: string, fileName: string) => StubAzRun {
  const bin = join(box, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, "az"),
    '#!/usr/bin/env bash\nprintf \'%s\\0\' "$@" >> "$ARGV_FILE"\nprintf \'\\n\\0\' >> "$ARGV_FILE"\n',
  );
  chmodSync(join(bin, "az"), 0o755);
  let runs = 0;
  return (script, fileName) => {
    const dir = mkdtempSync(join(box, `run-${runs++}-`));
    const file = join(dir, fileName);
    writeFileSync(file, script);
    const argvFile = join(dir, "argv");
    writeFileSync(argvFile, "");
    const syntax = spawnSync("bash", ["-n", file]).status;
    const result = spawnSync("bash", [file], { cwd: dir, env: { PATH: `${bin}:/usr/bin:/bin`, ARGV_FILE: argvFile } });
    const calls = readFileSync(argvFile, "utf8")
      .split("\n\0")
      .filter(Boolean)
      .map((call) => call.split("\0").filter((arg, index, all) => index < all.length - 1 || arg !== ""));
    const left = readdirSync(dir).filter((name) => ![fileName, "argv"].includes(name));
    return { syntax, status: result.status, calls, left };
  };
}
