/**
 * RetailCRM's date-times are `Y-m-d H:i:s` in the account's time zone; the sandbox accounts live in
 * Moscow time (UTC+3, no daylight saving), as most RetailCRM accounts do.
 */
const MSK = 3 * 3_600_000

/** Epoch ms → `Y-m-d H:i:s` (Moscow time). */
export function formatCrmDate(ms: number): string {
  return new Date(ms + MSK).toISOString().slice(0, 19).replace('T', ' ')
}

/** `Y-m-d H:i:s` or `Y-m-d` (Moscow time) → epoch ms, or null when malformed. */
export function parseCrmDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/.exec(s)
  if (!m) return null
  const [, y, mo, d, h = '0', mi = '0', se = '0'] = m
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +se) - MSK
  return Number.isNaN(ms) ? null : ms
}
