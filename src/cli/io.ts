// What the CLI gets from the process, handed in by bin.ts (the only file that touches process).

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** stdout is a terminal (colour allowed unless NO_COLOR). */
  stdoutIsTTY: boolean;
  /** stderr is a terminal: progress lines are drawn only then. */
  stderrIsTTY?: boolean;
  /** The terminal's width, when stdout is one. */
  stdoutColumns?: number;
  /** Everything on standard input as bytes (`build-log -`, `env -`), decoded as a file's are. */
  readStdin?: () => Promise<Uint8Array>;
  /** The run's clock (waivers expire by its day in UTC); the system's when absent. Tests set it. */
  now?: () => Date;
}
