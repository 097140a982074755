import { describe, expect, it } from "vitest";
import { cidrContains, cidrOverlaps, cidrPrivacy, isCidr, isPrivateCidr, parseCidr } from "../../src/net/index.js";

describe("parseCidr", () => {
  it.each([
    { text: "10.0.1.0/24", family: "ipv4", cidr: "10.0.1.0/24", prefixLength: 24 },
    { text: "10.0.1.7/24", family: "ipv4", cidr: "10.0.1.0/24", prefixLength: 24 },
    { text: "10.0.0.5", family: "ipv4", cidr: "10.0.0.5/32", prefixLength: 32 },
    { text: " 0.0.0.0/0 ", family: "ipv4", cidr: "0.0.0.0/0", prefixLength: 0 },
    { text: "2001:db8::1/32", family: "ipv6", cidr: "2001:db8::/32", prefixLength: 32 },
    { text: "::/0", family: "ipv6", cidr: "::/0", prefixLength: 0 },
    { text: "2001:db8::5", family: "ipv6", cidr: "2001:db8::5/128", prefixLength: 128 },
  ])("parses $text as $cidr", ({ text, family, cidr, prefixLength }) => {
    const parsed = parseCidr(text);
    expect(parsed).toBeDefined();
    expect(parsed?.family).toBe(family);
    expect(parsed?.cidr).toBe(cidr);
    expect(parsed?.prefixLength).toBe(prefixLength);
  });

  it.each([
    "",
    "   ",
    "*",
    "Internet",
    "VirtualNetwork",
    "10",
    "10.0.0",
    "0xa.0.0.1/8",
    "256.0.0.1",
    "10.0.0.0/33",
    "10.0.0.0/",
    "10.0.0.0/-1",
    "10.0.0.0/24/8",
    "10.0.0.0/ 24",
    "2001:db8::/129",
    "fe80::1%eth0/64",
    "1:2",
    "10.0.0.1-10.0.0.5",
  ])("rejects %j", (text) => {
    expect(parseCidr(text)).toBeUndefined();
    expect(isCidr(text)).toBe(false);
  });
});

describe("cidrContains", () => {
  it.each([
    { outer: "10.0.0.0/16", inner: "10.0.1.0/24", expected: true },
    { outer: "10.0.0.0/16", inner: "10.0.0.0/16", expected: true },
    { outer: "10.0.1.0/24", inner: "10.0.0.0/16", expected: false },
    { outer: "10.0.0.0/16", inner: "10.1.0.0/24", expected: false },
    { outer: "10.0.0.0/16", inner: "10.0.255.255", expected: true },
    { outer: "10.0.1.7/24", inner: "10.0.1.200", expected: true },
    { outer: "0.0.0.0/0", inner: "203.0.113.0/24", expected: true },
    { outer: "2001:db8::/32", inner: "2001:db8:1::/48", expected: true },
    { outer: "2001:db8:1::/48", inner: "2001:db8::/32", expected: false },
    { outer: "::/0", inner: "2001:db8::1", expected: true },
    { outer: "::/0", inner: "10.0.0.0/8", expected: false },
    { outer: "0.0.0.0/0", inner: "2001:db8::/32", expected: false },
    { outer: "::ffff:0:0/96", inner: "10.0.0.1", expected: false },
  ])("$outer contains $inner: $expected", ({ outer, inner, expected }) => {
    expect(cidrContains(outer, inner)).toBe(expected);
  });

  it.each([
    { outer: "Internet", inner: "10.0.0.0/8" },
    { outer: "10.0.0.0/8", inner: "bogus" },
    { outer: "", inner: "" },
  ])("is undefined for non-CIDR input ($outer, $inner)", ({ outer, inner }) => {
    expect(cidrContains(outer, inner)).toBeUndefined();
  });
});

describe("cidrOverlaps", () => {
  it.each([
    { a: "10.0.0.0/16", b: "10.0.1.0/24", expected: true },
    { a: "10.0.1.0/24", b: "10.0.0.0/16", expected: true },
    { a: "10.0.0.0/24", b: "10.0.1.0/24", expected: false },
    { a: "20.0.0.0/8", b: "0.0.0.0/0", expected: true },
    { a: "2001:db8::/32", b: "2001:db8:ffff::/48", expected: true },
    { a: "2001:db8::/32", b: "2001:db9::/32", expected: false },
    { a: "10.0.0.0/8", b: "::/0", expected: false },
  ])("$a overlaps $b: $expected", ({ a, b, expected }) => {
    expect(cidrOverlaps(a, b)).toBe(expected);
  });

  it("is undefined for invalid input", () => {
    expect(cidrOverlaps("10.0.0.0/8", "AzureCloud")).toBeUndefined();
    expect(cidrOverlaps("nope", "10.0.0.0/8")).toBeUndefined();
  });
});

describe("cidrPrivacy", () => {
  it.each([
    { text: "10.0.1.0/24", expected: "private" },
    { text: "172.20.0.0/16", expected: "private" },
    { text: "192.168.5.5", expected: "private" },
    { text: "100.64.1.0/24", expected: "private" },
    { text: "fd00::/8", expected: "private" },
    { text: "20.0.0.0/8", expected: "public" },
    { text: "172.32.0.0/16", expected: "public" },
    { text: "2001:db8::/32", expected: "public" },
    { text: "0.0.0.0/0", expected: "mixed" },
    { text: "8.0.0.0/5", expected: "mixed" },
  ])("$text is $expected", ({ text, expected }) => {
    expect(cidrPrivacy(text)).toBe(expected);
    expect(isPrivateCidr(text)).toBe(expected === "private");
  });

  it("is undefined for non-CIDR input", () => {
    expect(cidrPrivacy("Internet")).toBeUndefined();
  });
});
