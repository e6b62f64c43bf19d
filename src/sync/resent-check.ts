/**
 * Keeps the rejects of a re-sent import batch true. An import call can apply and still lose its
 * answer (a timeout, a killed process); the write step then sends the batch again, and the answer
 * to that call may refuse a row the first call already added — so "Unisender refused it" no longer
 * means "it is not in the list". Such refusals wait in the cursor (pendCheck) and are checked one by
 * one with getContact: an address in the list counts as added, any other stays a reject. The
 * additions of a call refused for the plan limit are checked the same way (it may have imported
 * some before refusing, UNCONFIRMED), so the run reports exactly what was written.
 */
import { ApiError } from '../clients/errors'
import type { ContactList, UnisenderClient } from '../clients/unisender'
import type { StepContext } from './context'

/**
 * The pendCheck message of an addition in a call refused for the plan limit: found in the list it
 * counts as added, otherwise it was simply not written (not a reject).
 */
export const PLAN_LIMIT_CHECK = 'plan_limit'

/** getContact calls per step (like the exclude fallback: well within 100 subrequests). */
export const CHECKS_PER_STEP = 40

/** Added to a reject's detail when the list could not be checked. */
export const UNCHECKED_NOTE =
  '(sent again after an unanswered call, which may have added it; the list could not be checked)'

/**
 * Whether a membership is one in the list: any entry for it unless its status says the contact
 * left it (membership statuses are UNCONFIRMED; some answers give none).
 */
export function isMember(lists: readonly ContactList[], listId: number): boolean {
  return lists.some((l) => l.id === listId && !/unsub|exclu|delet|block/i.test(l.status ?? ''))
}

/** In the list, not in it, or unknown (an answer without lists, or one the check refused). */
async function listed(
  uni: UnisenderClient,
  email: string,
  listId: number
): Promise<boolean | null> {
  try {
    const contact = await uni.getContactLists(email)
    if (!contact.found) return false
    return contact.lists === null ? null : isMember(contact.lists, listId)
  } catch (err) {
    // Retryable and auth errors behave as for any call; a refused check leaves the answer unknown.
    if (err instanceof ApiError && err.kind === 'fatal') return null
    throw err
  }
}

/** Checks refused additions of re-sent batches, a bounded number per step. */
export async function drainChecks(
  ctx: StepContext,
  uni: UnisenderClient,
  listId: number
): Promise<void> {
  const pend = ctx.cursor.pendCheck
  let n = 0
  while (pend.length > 0 && n < CHECKS_PER_STEP && !(n > 0 && ctx.pastTimeBudget())) {
    const [email, message] = pend[0]!
    n++
    const inList = await listed(uni, email, listId)
    if (inList) ctx.counts.added++
    else if (message !== PLAN_LIMIT_CHECK) {
      ctx.counts.invalid++
      const detail = inList === null ? `${message} ${UNCHECKED_NOTE}` : message
      ctx.reject(email, 'rejected_by_unisender', detail.slice(0, 300))
    }
    pend.shift()
  }
}
