/** Time as the engine sees it: virtual in tests (advanced explicitly), wall time when serving. */
export interface Clock {
  readonly kind: "virtual" | "wall";
  now(): number;
}

export class WallClock implements Clock {
  readonly kind = "wall" as const;
  now(): number {
    return Date.now();
  }
}

export class VirtualClock implements Clock {
  readonly kind = "virtual" as const;
  #now: number;
  constructor(start: number | Date = Date.UTC(2026, 0, 5, 8, 0, 0)) {
    this.#now = typeof start === "number" ? start : start.getTime();
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward; it never goes back. */
  set(time: number): void {
    if (time > this.#now) this.#now = time;
  }
}
