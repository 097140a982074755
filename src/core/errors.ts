/** The audit could not run (exit code 2, docs/cli.md): one clear line for stderr. */
export class PreflightError extends Error {
  override readonly name = "PreflightError";
  constructor(
    message: string,
    readonly exitCode: 2 = 2,
  ) {
    super(message);
  }
}
