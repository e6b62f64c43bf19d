/**
 * The one place the clients touch the network: a fetch with a timeout that turns transport
 * failures into retryable ApiErrors, plus a simple per-client pacing limiter.
 */
import type { z } from 'zod'
import { errorText } from '../lib/error-text'
import { ApiError, type ApiService } from './errors'

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/** What both API clients take besides their address: the key, transport, pacing and counting. */
export interface TransportOptions {
  apiKey: string
  fetch?: FetchLike
  limiter?: Limiter
  timeoutMs?: number
  /** Called once per HTTP request (endpoint or method name), for the run's API-call counters. */
  onCall?: (name: string) => void
  /** Retry a rate-limit answer in place a few times (budget shared by all calls of the client). */
  rateLimitRetry?: RateLimitRetry
}

/** Paces calls of one client: at most one call per `minIntervalMs` (e.g. 100 ms = 10 requests/s). */
export interface Limiter {
  acquire(): Promise<void>
}

/** A limiter that spaces calls by a minimum interval within one invocation. */
export function createIntervalLimiter(
  minIntervalMs: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  }
): Limiter {
  let next = 0
  return {
    async acquire() {
      const now = clock.now()
      const wait = next - now
      next = Math.max(now, next) + minIntervalMs
      if (wait > 0) await clock.sleep(wait)
    },
  }
}

/** fetch with a deadline; network errors and timeouts become retryable ApiErrors. */
export async function fetchWithTimeout(
  service: ApiService,
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number
): Promise<Response> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    return await fetchImpl(url, { ...init, signal })
  } catch (err) {
    if (signal.aborted) {
      throw new ApiError(
        service,
        'retryable',
        'timeout',
        `${service} did not answer within ${timeoutMs / 1000} s`
      )
    }
    throw new ApiError(
      service,
      'retryable',
      'network',
      `${service} is unreachable: ${errorText(err)}`
    )
  }
}

/** Checks a decoded answer against its schema; an unexpected shape is a fatal 'bad_response'. */
export function parseAnswer<T>(
  service: ApiService,
  schema: z.ZodType<T>,
  value: unknown,
  what: string
): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const name = service === 'retailcrm' ? 'RetailCRM' : 'Unisender'
    throw new ApiError(
      service,
      'fatal',
      'bad_response',
      `${name} answered ${what} in an unexpected shape`
    )
  }
  return parsed.data
}

/** Reads a JSON body, or throws a retryable error when the service answered something else. */
export async function readJson(service: ApiService, res: Response): Promise<unknown> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    const kind = res.status >= 500 || res.status === 429 ? 'retryable' : 'fatal'
    throw new ApiError(
      service,
      kind,
      String(res.status),
      `${service} answered HTTP ${res.status} with a non-JSON body`,
      res.status
    )
  }
}

/**
 * Bounded in-call retries for rate-limit answers. Pacing exactly at a service's limit still meets
 * the occasional "too many requests" (its window and ours never line up perfectly); retrying that
 * one call after a short pause is far cheaper than failing the whole queue step. `budget` caps the
 * retries per client so a step's subrequest count stays bounded.
 */
export interface RateLimitRetry {
  budget: number
  sleep: (ms: number) => Promise<void>
}

/** Runs `attempt`, retrying it while `isRateLimited(err)` and the shared budget lasts. */
export async function withRateLimitRetry<T>(
  retry: RateLimitRetry | undefined,
  isRateLimited: (err: unknown) => boolean,
  attempt: () => Promise<T>
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt()
    } catch (err) {
      if (!retry || retry.budget <= 0 || i >= 3 || !isRateLimited(err)) throw err
      retry.budget--
      await retry.sleep(250 * 2 ** i)
    }
  }
}
