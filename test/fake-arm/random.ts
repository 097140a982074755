// Deterministic randomness for generated fixtures that must be reproducible: a small random number
// generator (mulberry32) that gives the same sequence on every platform from one seed, and seeds, GUIDs
// and choices derived from names, never from the clock.

export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a of a string: seeds and GUIDs from names, never from the clock. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A GUID-shaped string (version 4 layout) derived from `name` alone. */
export function deterministicGuid(name: string): string {
  const next = rng(hash32(name));
  const hex = Array.from({ length: 4 }, () =>
    Math.floor(next() * 4294967296)
      .toString(16)
      .padStart(8, "0"),
  ).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89ab"[parseInt(hex[16] ?? "0", 16) % 4]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Exactly `count` distinct indices of 0..n-1, chosen by `random` (partial Fisher–Yates), ascending. */
export function choose(n: number, count: number, random: () => number): number[] {
  const indices = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    [indices[i], indices[j]] = [indices[j] as number, indices[i] as number];
  }
  return indices.slice(0, count).sort((a, b) => a - b);
}
