/** The removal guard and the plan-limit arithmetic. Pure. */

/**
 * Whether a run that would remove `removals` contacts from a list of `listSize` must wait for
 * confirmation: more than `percent`% of the list AND at least `minCount` contacts.
 */
export function guardTrips(
  removals: number,
  listSize: number,
  percent: number,
  minCount: number
): boolean {
  if (removals <= 0 || removals < minCount) return false
  return removals * 100 > listSize * percent
}

/**
 * How many contacts are missing on the plan for `additions` new contacts, or 0 if they fit.
 * Free = subscribers_total − subscribers_used (meaning UNCONFIRMED: we treat them as the plan's
 * contact limit and current usage). Unknown values mean "cannot check": 0 (the import's own
 * limit error is still reported as a plan-limit failure).
 *
 * Conservative: every addition is assumed to be a new contact of the account, although some may
 * already be in the account through other lists (they would not use the plan).
 */
export function planShortfall(
  additions: number,
  info: { subscribers_total?: number; subscribers_used?: number }
): number {
  const { subscribers_total: total, subscribers_used: used } = info
  if (additions <= 0 || total === undefined || used === undefined || total <= 0) return 0
  const free = Math.max(0, total - used)
  return Math.max(0, additions - free)
}

/** Whether an error message of Unisender talks about the plan's contact limit. */
export function mentionsPlanLimit(message: string): boolean {
  return /limit|тариф|tariff|лимит/i.test(message) && !/api_call_limit|calls/i.test(message)
}
