// The command lines the checks' advice prints (sh): each value one shell word, the template's own text
// and fragments as they are, placeholders left for the reader to fill in.

import { describe, expect, test } from "vitest";
import { placeholder, sh, shWords } from "../../src/core/visible.js";

describe("sh", () => {
  test("a plain name is written bare, so the advice for ordinary names reads as before", () => {
    expect(sh`az network nsg rule update -g ${"ml-rg"} --nsg-name ${"training-nsg"} --priority ${100}`).toBe(
      "az network nsg rule update -g ml-rg --nsg-name training-nsg --priority 100",
    );
  });

  test("a name that could run code or end its word is one quoted word", () => {
    expect(sh`az acr show -n ${"a$(touch x)"} -g ${"it's"} --query ${"sku name"}`).toBe(
      `az acr show -n 'a$(touch x)' -g 'it'\\''s' --query 'sku name'`,
    );
    expect(sh`az acr show -n ${"a\u001b[2Jb"}`).toBe("az acr show -n $'a\\x1b[2Jb'");
  });

  test("a list is a word per item; fragments, placeholders and undefined go in as they are", () => {
    const where = shWords`-g ${"r g"}${undefined}`;
    expect(sh`az x update ${where} --bypass ${["Logging", "a b"]} --ip ${placeholder("<firewall-private-ip>")}`).toBe(
      "az x update -g 'r g' --bypass Logging 'a b' --ip <firewall-private-ip>",
    );
  });

  test("an empty name is an empty word, not nothing", () => {
    expect(sh`az acr show -n ${""} -g rg`).toBe("az acr show -n '' -g rg");
  });
});
