import { afterEach, describe, expect, test, vi } from "vitest";
import { progressOnTerminal } from "../../src/cli/progress.js";
import type { CliIo } from "../../src/cli/io.js";

function io(stderrIsTTY: boolean): CliIo & { written: string[] } {
  const written: string[] = [];
  return {
    stdout: () => {},
    stderr: (text) => void written.push(text),
    env: {},
    stdoutIsTTY: false,
    stderrIsTTY,
    written,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the progress line", () => {
  test("on a terminal it is redrawn in place and cleared when the work ends", () => {
    vi.useFakeTimers();
    const terminal = io(true);
    let requests = 3;
    const stop = progressOnTerminal(terminal, () => `preflight: reading ml-research (${requests} ARM requests)`);
    vi.advanceTimersByTime(250);
    requests = 9;
    vi.advanceTimersByTime(100);
    stop();
    expect(terminal.written[0]).toBe("\r\u001b[2Kpreflight: reading ml-research (3 ARM requests) (0 s)");
    expect(terminal.written.some((text) => text.includes("(9 ARM requests)"))).toBe(true);
    expect(terminal.written.at(-1)).toBe("\r\u001b[2K");
  });

  test("nothing at all when stderr is not a terminal (a log, a pipe)", () => {
    vi.useFakeTimers();
    const log = io(false);
    const stop = progressOnTerminal(log, () => "preflight: reading");
    vi.advanceTimersByTime(1000);
    stop();
    expect(log.written).toEqual([]);
  });
});
