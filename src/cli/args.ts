// Reading one flag's value out of what yargs parsed, checked, with one line naming the flag and
// what it accepts when it is wrong. Every command's typed options are built from these.

import { PreflightError } from "../core/errors.js";

/** What yargs parsed: flags by their dashed names. */
export type ParsedArgs = Record<string, unknown>;

/** A single-value flag given more than once: the last one wins, as `az` does. */
function last(value: unknown): unknown {
  return Array.isArray(value) ? value.at(-1) : value;
}

export function stringFlag(args: ParsedArgs, flag: string): string | undefined {
  const value = last(args[flag]);
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function booleanFlag(args: ParsedArgs, flag: string): boolean {
  return last(args[flag]) === true;
}

/** What was typed, for a message: the text itself, or "" when nothing was. */
function typed(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  return text === "" ? '""' : text;
}

/** The number a flag was given as (yargs hands strings for these flags, so the message can quote what was typed). */
function numberOf(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || value.trim() === "") return Number.NaN;
  return Number(value.trim());
}

/** A whole number from `min` to `max`. */
export function countFlag(args: ParsedArgs, flag: string, min: number, max: number): number {
  const value = last(args[flag]);
  const number = numberOf(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new PreflightError(`--${flag} must be a whole number from ${min} to ${max}, got ${typed(value)}`);
  return number;
}

/** Seconds above zero (or zero, where `zeroAllowed`). */
export function secondsFlag(args: ParsedArgs, flag: string, zeroAllowed = false): number {
  const value = last(args[flag]);
  const number = numberOf(value);
  if (!Number.isFinite(number) || number < 0 || (number === 0 && !zeroAllowed))
    throw new PreflightError(
      `--${flag} must be a ${zeroAllowed ? "non-negative" : "positive"} number of seconds, got ${typed(value)}`,
    );
  return number;
}

export function choiceFlag<T extends string>(args: ParsedArgs, flag: string, choices: readonly T[]): T {
  const value = String(last(args[flag]));
  if (!(choices as readonly string[]).includes(value))
    throw new PreflightError(`--${flag} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
  return value as T;
}

/**
 * A repeatable flag, its values trimmed; with `commas`, each value may also list several. Given with
 * nothing in it (`--only ""`) it is refused: an empty list would silently mean "everything".
 */
export function listFlag(args: ParsedArgs, flag: string, commas = true): string[] {
  const raw = args[flag];
  if (raw === undefined) return [];
  const values = (Array.isArray(raw) ? raw : [raw])
    .flatMap((value) => (commas ? String(value).split(",") : [String(value)]))
    .map((value) => value.trim())
    .filter(Boolean);
  if (values.length === 0) throw new PreflightError(`--${flag} was given without a value`);
  return values;
}
