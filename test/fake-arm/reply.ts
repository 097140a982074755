// What the fake ARM answers a request with, before it is written: a JSON body, a raw body (faults,
// non-object action results) or a reset connection; and ARM's error shape.

export type JsonBody = Record<string, unknown>;

/** What to do with one request. */
export type JsonReply = { kind: "json"; status: number; body: JsonBody; headers?: Record<string, string> };
export type Reply =
  JsonReply | { kind: "raw"; status: number; body: string; headers?: Record<string, string> } | { kind: "reset" };

export function armError(status: number, code: string, message: string): JsonReply {
  return { kind: "json", status, body: { error: { code, message } } };
}

export function notFound(path: string): Reply {
  return armError(404, "ResourceNotFound", `The Resource '${path}' was not found.`);
}

/** 200 with `body`: as JSON when it is an object, otherwise its JSON text sent raw (`null` when absent). */
export function okReply(body: unknown): Reply {
  return isRecord(body)
    ? { kind: "json", status: 200, body }
    : { kind: "raw", status: 200, body: JSON.stringify(body ?? null) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
