/** API-call counters of a run (runs.api_calls JSON): totals per service plus per-method detail. */
import { z } from 'zod'

export const ApiCallsSchema = z.object({
  retailcrm: z.number().int().default(0),
  unisender: z.number().int().default(0),
  /** `service:method` -> calls (includes export file downloads as `unisender:download`). */
  detail: z.record(z.string(), z.number().int()).default({}),
})
export type ApiCalls = z.infer<typeof ApiCallsSchema>

/** Parses stored counters, tolerating '{}'. */
export function parseApiCalls(json: string): ApiCalls {
  try {
    return ApiCallsSchema.parse(JSON.parse(json || '{}'))
  } catch {
    return ApiCallsSchema.parse({})
  }
}

/**
 * Counts one call. File downloads are counted in `detail` only: they are not API method calls
 * (and not subject to the 1,200 calls/min limit as far as documented).
 */
export function countCall(calls: ApiCalls, service: 'retailcrm' | 'unisender', method: string) {
  if (method !== 'download') calls[service]++
  const key = `${service}:${method}`
  calls.detail[key] = (calls.detail[key] ?? 0) + 1
}
