// One line on stderr, redrawn in place while a live audit reads ARM (and waits for Azure's diagnose):
// only when stderr is a terminal, never in a log or a pipe.

import type { CliIo } from "./io.js";

/** Starts drawing `line()` ten times a second; the returned function stops and clears it. */
export function progressOnTerminal(io: CliIo, line: () => string): () => void {
  if (!io.stderrIsTTY) return () => {};
  const started = Date.now();
  const draw = () => io.stderr(`\r\u001b[2K${line()} (${Math.floor((Date.now() - started) / 1000)} s)`);
  const timer = setInterval(draw, 100);
  // A run that ends while the line is up must not be kept alive by it.
  timer.unref();
  return () => {
    clearInterval(timer);
    io.stderr("\r\u001b[2K");
  };
}
