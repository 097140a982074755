import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { REDACTED, Redactor, scrubFreeText } from "../../src/core/redact.js";

/** Deterministic key-shaped strings: base64 of a hash, as long as a test secret or a real key. */
function keyLike(seed: number, length: number): string {
  let out = "";
  for (let round = 0; out.length < length; round += 1)
    out += createHash("sha512").update(`${seed}:${round}`).digest("base64").replace(/=+$/, "");
  return out.slice(0, length);
}

describe("scrubFreeText", () => {
  test("keeps ARM's own words: actions, scopes, codes, resource names", () => {
    const messages = [
      "The client 'ci@contoso.com' with object id '0b1f2e3d-1111-2222-3333-444455556666' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/read' over scope '/subscriptions/6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7/resourceGroups/ml-platform-rg/providers/Microsoft.Network/networkSecurityGroups/training-nsg'.",
      "The Resource 'Microsoft.Storage/storageAccounts/mlresearchstore2024' under resource group 'ml-platform-rg' was not found.",
      "Number of 'read' requests for subscription exceeded: SubscriptionRequestsThrottled InvalidAuthenticationTokenTenant",
    ];
    for (const message of messages) expect(scrubFreeText(message)).toBe(message);
  });

  test("replaces the password of a URL, keeping its scheme, host and path", () => {
    const scrubbed = scrubFreeText(
      "Looking in indexes: https://builder:pa55-w0rd@pkgs.contoso.example/pypi/simple, git+https://ci:ghp_x1@github.com/c/r.git",
    );
    expect(scrubbed).toBe(
      `Looking in indexes: https://${REDACTED}@pkgs.contoso.example/pypi/simple, git+https://${REDACTED}@github.com/c/r.git`,
    );
  });

  test("replaces connection-string keys, SAS signatures and JSON secret fields", () => {
    const text =
      'AccountName=st;AccountKey=abc/def+ghi==;EndpointSuffix=core.windows.net ?sv=2022&sig=AbC%2Fd {"keyName":"key1","value":"plain"} {"password": "hunter2"}';
    const scrubbed = scrubFreeText(text);
    for (const secret of ["abc/def+ghi==", "AbC%2Fd", "plain", "hunter2"]) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain(`AccountKey=${REDACTED}`);
    expect(scrubbed).toContain('"keyName":"key1"');
  });

  test.each([32, 52, 88])("replaces every one of 2,000 random-looking %i-character keys quoted in prose", (length) => {
    for (let seed = 0; seed < 2000; seed += 1) {
      const key = keyLike(seed, length);
      expect(scrubFreeText(`upstream said: ${key}.`), key).not.toContain(key);
    }
  });
});

describe("Redactor", () => {
  test("redactMessage removes remembered secrets of any length over 8 and key-shaped text", () => {
    const redactor = new Redactor();
    redactor.rememberFieldsOf({ keys: [{ keyName: "key1", value: "shortish-secret" }] });
    const message = redactor.redactMessage(`failed near shortish-secret and ${keyLike(7, 44)}`);
    expect(message).not.toContain("shortish-secret");
    expect(message).not.toContain(keyLike(7, 44));
    expect(message).toContain("failed near");
  });
});

describe("Redactor with many secrets (a fleet's thousands of keys, found in one pass)", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-";
  const secretArb = fc.string({ unit: fc.constantFrom(...alphabet), minLength: 8, maxLength: 90 });

  test("no remembered secret survives, whatever surrounds or overlaps it", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(secretArb, { minLength: 9, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 12 })), { maxLength: 30 }),
        (secrets, layout) => {
          const redactor = new Redactor();
          for (const secret of secrets) redactor.remember(secret);
          const text = layout.map(([pick, noise]) => `${noise}${secrets[pick % secrets.length]}`).join("");
          const out = redactor.redact(text);
          // Redacting again finds nothing more: every occurrence went in the first pass.
          expect(redactor.redact(out)).toBe(out);
          for (const [pick] of layout) expect(out).not.toContain(secrets[pick % secrets.length]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("the same answer as one search per secret when no secret overlaps another", () => {
    const secrets = Array.from(
      { length: 50 },
      (_, index) =>
        `Key${String(index).padStart(3, "0")}-${createHash("sha256").update(String(index)).digest("base64").slice(0, 40)}`,
    );
    const redactor = new Redactor();
    for (const secret of secrets) redactor.remember(secret);
    const text = `{"a":"${secrets[3]}","b":"x ${secrets[49]}${secrets[0]} y","c":"short","d":"${secrets[3]}"}`;
    let naive = text;
    for (const secret of secrets) naive = naive.split(secret).join(REDACTED);
    expect(redactor.redact(text)).toBe(naive);
    expect(redactor.redact("no secrets here at all")).toBe("no secrets here at all");
  });
});

describe("Redactor options (the --check-index client's: 3-character secrets shown as ***)", () => {
  const naive = (text: string, secrets: readonly string[], placeholder: string) =>
    secrets.reduce((out, secret) => out.split(secret).join(placeholder), text);

  test("remembers a 3-character secret and replaces it with the placeholder; 2 characters are not remembered", () => {
    const redactor = new Redactor({ minSecretLength: 3, placeholder: "***" });
    redactor.remember("t0k");
    redactor.remember("ab");
    expect(redactor.redact("https://pkgs.example/t/t0k/ch ab Bearer abc.def")).toBe(
      "https://pkgs.example/t/***/ch ab Bearer ***",
    );
  });

  test("the one-pass search with more than 8 secrets uses the instance's window and placeholder", () => {
    const secrets = ["k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11", "pw-long-one"];
    const redactor = new Redactor({ minSecretLength: 3, placeholder: "***" });
    for (const secret of secrets) redactor.remember(secret);
    const text = "k01 xk05y k1 k11k10 pw-long-one, pw, k0 k09";
    expect(redactor.redact(text)).toBe("*** x***y k1 ****** ***, pw, k0 ***");
    expect(redactor.redact(text)).toBe(naive(text, secrets, "***"));
  });

  test("the default instance is unchanged: 8 characters at least, [redacted], one pass over more than 8 secrets", () => {
    const redactor = new Redactor();
    redactor.remember("seven77");
    expect(redactor.redact("seven77 stays")).toBe("seven77 stays");
    const secrets = Array.from({ length: 12 }, (_, index) => `secret-${String(index).padStart(2, "0")}`);
    for (const secret of secrets) redactor.remember(secret);
    const text = `a secret-00 b secret-11secret-05 c seven77 secret-1 Bearer abc`;
    expect(redactor.redact(text)).toBe(`a ${REDACTED} b ${REDACTED}${REDACTED} c seven77 secret-1 Bearer ${REDACTED}`);
    expect(redactor.redact(text)).toBe(naive(text, secrets, REDACTED).replace("Bearer abc", `Bearer ${REDACTED}`));
  });

  test("no remembered 3-character-or-longer secret survives the one pass, whatever surrounds it", () => {
    const secretArb = fc.string({ unit: fc.constantFrom(..."abcxyz0189-"), minLength: 3, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.uniqueArray(secretArb, { minLength: 9, maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 6 })), { maxLength: 20 }),
        (secrets, layout) => {
          const redactor = new Redactor({ minSecretLength: 3, placeholder: "***" });
          for (const secret of secrets) redactor.remember(secret);
          const out = redactor.redact(
            layout.map(([pick, noise]) => `${noise}${secrets[pick % secrets.length]}`).join(""),
          );
          for (const [pick] of layout) expect(out).not.toContain(secrets[pick % secrets.length]);
        },
      ),
      { numRuns: 200 },
    );
  });

  test.each([0, -1, 2.5])("refuses a minimum length of %s", (minSecretLength) => {
    expect(() => new Redactor({ minSecretLength })).toThrow(RangeError);
  });
});
