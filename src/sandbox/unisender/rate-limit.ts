/**
 * Sliding-window call counters per API key: 1,200 calls/min for every method and 20 per 60 s for
 * async/exportContacts (docs/unisender.md §0, §5). In memory by design: they reset with the
 * isolate, as a real per-minute limit effectively does.
 */

/** A sliding window limiter; `hit` records a call and says whether it is within the limit. */
export class SlidingWindow {
  private readonly hits = new Map<string, number[]>()

  constructor(
    readonly limit: number,
    readonly windowMs: number
  ) {}

  /** Records a call at `now` unless the key already made `limit` calls in the window. */
  hit(key: string, now: number): boolean {
    let list = this.hits.get(key)
    if (!list) {
      list = []
      this.hits.set(key, list)
    }
    while (list.length > 0 && list[0]! <= now - this.windowMs) list.shift()
    if (list.length >= this.limit) return false
    list.push(now)
    return true
  }

  reset(): void {
    this.hits.clear()
  }
}

export const CALLS_PER_MINUTE = 1200
export const EXPORTS_PER_MINUTE = 20
