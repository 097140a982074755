// What `build-log` and `env` read: a file's bytes as the text they hold. Windows tools save logs as
// UTF-16 with a byte-order mark, and a log kept for a ticket is often gzip-compressed: both read as
// their text. Input that holds nothing, or that is not text (an image, a zip, a wheel), is refused
// with one line.

import { gunzipSync } from "node:zlib";
import { PreflightError } from "../core/errors.js";

/** Far above any build log; a gzip file that unpacks past it is refused rather than read into memory. */
const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

/** The text of a file's bytes; `name` is how the one-line errors name the input. */
export function decodeSource(bytes: Uint8Array, name: string): string {
  return checkText(decode(bytes, name), name);
}

/** The text of a file another one names (`-r`, `conda_file`): as `decodeSource`, but an empty file is no error. */
export function decodeNamedSource(bytes: Uint8Array, name: string): string {
  const text = decode(bytes, name);
  return text.trim() === "" ? "" : checkText(text, name);
}

/** Text refused when it holds nothing or binary data; a leading byte-order mark set aside. */
export function checkText(text: string, name: string): string {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body.trim() === "") throw new PreflightError(`${name} is empty: nothing to read`);
  // NUL never occurs in a log or an environment file; in a zip, an image or a wheel it does at once.
  if (body.slice(0, 65_536).includes("\u0000"))
    throw new PreflightError(`${name} is not a text file (it holds binary data); give the text file itself`);
  return body;
}

function decode(bytes: Uint8Array, name: string): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return decodeText(gunzip(bytes, name), name);
  return decodeText(bytes, name);
}

function gunzip(bytes: Uint8Array, name: string): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PreflightError(
      code === "ERR_BUFFER_TOO_LARGE"
        ? `${name} is gzip-compressed and unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB; give the build's log itself`
        : `${name} is gzip-compressed but does not unpack (${code ?? "error"}); give the build's log itself`,
    );
  }
}

/** UTF-16 by its byte-order mark (what PowerShell's `>` writes), else UTF-8 (its mark, if any, dropped). */
function decodeText(bytes: Uint8Array, name: string): string {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      const swapped = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16();
      return new TextDecoder("utf-16le").decode(swapped);
    }
    return new TextDecoder("utf-8").decode(bytes);
  } catch (error) {
    // Past V8's longest string (about 512 MB): no build log is that long.
    throw new PreflightError(`${name} is too large to read as text (${(error as Error).message})`);
  }
}
