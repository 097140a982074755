/** The audit could not run (CONTRACTS.md exit code 2): one clear line for stderr. */
export class PreflightError extends Error {
  override readonly name = "PreflightError";
  constructor(message: string, readonly exitCode: 2 = 2) {
    super(message);
  }
}
