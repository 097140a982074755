// The only file that touches the process: argv, environment, streams and the exit code.

import { main } from "./main.js";

const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  ...(process.stdout.columns ? { stdoutColumns: process.stdout.columns } : {}),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
});
// Let stdout drain before exiting (a pipe may still hold the report).
process.stdout.write("", () => process.exit(code));
