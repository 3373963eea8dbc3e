import type { Clock } from "../../lib/secrets";

/** A clock that moves only when told to. */
export class TestClock implements Clock {
  #now: number;
  constructor(start = Date.UTC(2026, 0, 5, 8, 0, 0)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
