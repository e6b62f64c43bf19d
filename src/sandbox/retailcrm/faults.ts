/**
 * Fault injection and the per-key rate limit of the sandbox CRM, both in memory (per emulator
 * instance): latency, bursts of 5xx answers, hanging responses and forced rate-limit answers, so
 * tests and the benchmark can prove the module's retries. Time comes from an injected clock.
 */
import { z } from 'zod'
import { LARGE_PAGE_MODES } from './params'

export const faultSettingsSchema = z.object({
  /** Added to every API answer. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** The next N API calls answer `errorStatus` (a 5xx burst). */
  errors: z.number().int().min(0).default(0),
  errorStatus: z.number().int().min(500).max(599).default(502),
  /** The next N API calls hang until the caller aborts or `hangMs` passes (then 504). */
  hangs: z.number().int().min(0).default(0),
  hangMs: z.number().int().min(0).max(600_000).default(30_000),
  /** The next N API calls answer the rate-limit error whatever the real rate. */
  rateLimited: z.number().int().min(0).default(0),
  /**
   * What `limit=250` gets on /customers and on /customers/history (UNCONFIRMED on the real API,
   * docs/retailcrm.md §3): 'refuse' (400 Validation error, the default), 'accept' (pages of 250),
   * or 'clamp' (served at 100, `pagination.limit` 100). Not a fault: a model of an unknown.
   */
  customers250: z.enum(LARGE_PAGE_MODES).default('refuse'),
  history250: z.enum(LARGE_PAGE_MODES).default('refuse'),
})

export type FaultSettings = z.infer<typeof faultSettingsSchema>
export type FaultInput = z.input<typeof faultSettingsSchema>

/** Mutable fault settings per shop. */
export class FaultStore {
  private readonly byShop = new Map<string, FaultSettings>()

  get(shop: string): FaultSettings {
    return this.byShop.get(shop) ?? faultSettingsSchema.parse({})
  }

  set(shop: string, input: FaultInput): FaultSettings {
    const s = faultSettingsSchema.parse(input)
    this.byShop.set(shop, s)
    return s
  }

  clear(shop: string): void {
    this.byShop.delete(shop)
  }

  /** Takes one pending fault for this call, if any (errors first, then hangs, then rate limit). */
  take(shop: string): 'error' | 'hang' | 'rate' | null {
    const s = this.byShop.get(shop)
    if (!s) return null
    if (s.errors > 0) {
      s.errors--
      return 'error'
    }
    if (s.hangs > 0) {
      s.hangs--
      return 'hang'
    }
    if (s.rateLimited > 0) {
      s.rateLimited--
      return 'rate'
    }
    return null
  }
}

/** Requests allowed per key per second (the official Go SDK's limiter; docs/retailcrm.md §4). */
export const RATE_LIMIT_PER_SECOND = 10

/**
 * Sliding one-second window per API key: the 11th call within any 1,000 ms is refused. Stricter
 * than a fixed window, so a module that passes here also passes a fixed-window server.
 */
export class RateLimiter {
  private readonly calls = new Map<string, number[]>()

  constructor(private readonly limit = RATE_LIMIT_PER_SECOND) {}

  /** Records a call at `now` and says whether it is within the limit. */
  allow(key: string, now: number): boolean {
    const recent = (this.calls.get(key) ?? []).filter((t) => t > now - 1000)
    if (recent.length >= this.limit) {
      this.calls.set(key, recent)
      return false
    }
    recent.push(now)
    this.calls.set(key, recent)
    return true
  }
}

/** Waits `ms`, or rejects when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })
}
