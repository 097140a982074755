// Time for the fake's tests without reading a clock: a clock that moves only when told, and a
// sleep that records each wait the fake asks for and returns at once.

/** A millisecond clock that moves only when `advance` is called. */
export function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** A `sleep` for the fake's options: each wait (in ms, zero-length ones left out) lands in `waits`. */
export function recordedSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms: number) => {
      if (ms > 0) waits.push(ms);
      return Promise.resolve();
    },
  };
}
