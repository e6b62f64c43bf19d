/**
 * In-memory state of one emulator instance: the clock, fault settings, rate-limit windows and the
 * per-method call counters. Everything durable lives in SANDBOX_DB instead.
 */
import { Faults } from './faults'
import { CALLS_PER_MINUTE, EXPORTS_PER_MINUTE, SlidingWindow } from './rate-limit'

export interface UnisenderSandboxOptions {
  /** Clock in ms; tests inject one. Default Date.now. */
  now?: () => number
  /** How injected latency waits; tests may record instead of sleeping. */
  sleep?: (ms: number) => Promise<void>
  /**
   * An export task is due this long after it was created (UNCONFIRMED: the real service's timing
   * is not documented; see README.md). It completes at the first poll that finds it due, once its
   * file is built (in the background right after exportContacts, or by that poll).
   */
  exportReadyAfterMs?: number
  /**
   * … or once getTaskResult was polled this many times, whichever comes first. A shortcut for
   * tests that do not move the clock; a client that polls seconds apart meets the time first.
   */
  exportReadyAfterPolls?: number
  /** Pages (2,000 contacts each) of the export file written per D1 batch while building it. */
  exportPagesPerPoll?: number
  /**
   * Runs the background build of an export file (by default the request's `ctx.waitUntil`, when
   * it has an execution context; without either, the first due poll builds the file). Tests
   * inject one to decide when the build runs.
   */
  background?: (work: () => Promise<unknown>) => void
  /** Multiplies the rate limits (default 1); `npm run bench` states the factor it used. */
  rateScale?: number
}

/** Mutable per-instance state shared by the routes. */
export class SandboxState {
  readonly now: () => number
  readonly sleep: (ms: number) => Promise<void>
  readonly exportReadyAfterMs: number
  readonly exportReadyAfterPolls: number
  readonly exportPagesPerPoll: number
  readonly background: ((work: () => Promise<unknown>) => void) | undefined
  /** Export files being built in the background by this instance: uuid → last progress (ms). */
  readonly building = new Map<string, number>()
  readonly faults = new Faults()
  readonly calls = new Map<string, number>()
  readonly perKey: SlidingWindow
  readonly exports: SlidingWindow

  constructor(opts: UnisenderSandboxOptions = {}) {
    this.now = opts.now ?? Date.now
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.exportReadyAfterMs = opts.exportReadyAfterMs ?? 3_000
    this.exportReadyAfterPolls = opts.exportReadyAfterPolls ?? 3
    this.exportPagesPerPoll = opts.exportPagesPerPoll ?? 100
    this.background = opts.background
    // Benchmark hook (rateScale, default 1): see scripts/bench.mjs --rate-scale.
    const scale = opts.rateScale ?? 1
    this.perKey = new SlidingWindow(Math.round(CALLS_PER_MINUTE * scale), 60_000)
    this.exports = new SlidingWindow(Math.round(EXPORTS_PER_MINUTE * scale), 60_000)
  }

  countCall(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }

  /** Calls per method since the instance started (or the last reset). */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.calls)
  }

  /** Forgets counters, windows and faults (not the database). */
  reset(): void {
    this.calls.clear()
    this.perKey.reset()
    this.exports.reset()
    this.faults.clear()
  }
}
