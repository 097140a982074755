// Defensive readers of raw ARM JSON: each returns what the field holds when it has the expected
// type, and nothing otherwise (ARM sends null, omits, or mistypes fields; none of these throws).

export type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return undefined;
}
/**
 * "Enum equals", case-insensitive: the one comparison for ARM enum values, types and names (ARM returns
 * "Enabled" and "enabled", "Deny" and "deny", "AmlCompute" and "amlcompute" alike). False for a non-string.
 */
export function eqi(value: unknown, expected: string): boolean {
  return typeof value === "string" && value.toLowerCase() === expected.toLowerCase();
}
/** ARM sends null for a field it leaves unset: both read as absent. */
export function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}
export function props(raw: unknown): Json {
  return asObject(asObject(raw)?.properties) ?? {};
}
export function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return asArray(value).filter((item): item is string => typeof item === "string");
}
export function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}
export function isString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}
