/**
 * The page size of a full run's /customers read (#17). Which endpoints serve 250 customers a page
 * is UNCONFIRMED (docs/retailcrm.md §3), so a run asks 250 unless the tenant's CRM refused it
 * before, and pins that size in its cursor at its first page: every later step, retry or
 * redelivery reads at the same size, so page numbers keep meaning the same customers. If the CRM
 * refuses 250 mid-run (a 400, or an answer that does not line up), the run steps down to 100 once:
 * its position is kept as "customers read" — (page − 1) × size + skip — and the first `crmSkip`
 * customers of the next 100-page are dropped, so no customer is skipped or read twice. An answer
 * that does not line up at 100 makes the read incomplete (additions only), as a changing total does.
 */
import { ApiError } from '../clients/errors'
import {
  type Customer,
  LARGE_PAGE,
  type Pagination,
  pagesLineUp,
  type RetailCrmClient,
  SAFE_PAGE,
} from '../clients/retailcrm'
import { rememberSafePages, storedPageSize } from '../credentials/page-sizes'
import type { StepContext } from './context'
import type { Cursor } from './state'

export const INCOMPLETE_PAGES =
  "RetailCRM's pages did not line up while the customers were read, so removals were skipped in this run; the next run will catch up."

/**
 * The run's page size: pinned at its first page from the tenant's memory; a run whose read began
 * before sizes were pinned (no crmLimit, a total already read) read at 100 and goes on at 100.
 */
async function pinnedLimit(ctx: StepContext): Promise<number> {
  const c = ctx.cursor
  if (c.crmLimit === null)
    c.crmLimit =
      c.crmTotal === null
        ? await storedPageSize(ctx.deps.d1, ctx.run.tenantId, 'customers')
        : SAFE_PAGE
  return c.crmLimit
}

/** Moves the read position from the run's size to 100 without losing or repeating a customer. */
export function stepDownToSafe(c: Cursor): void {
  const read = (c.page - 1) * (c.crmLimit ?? SAFE_PAGE) + c.crmSkip
  c.crmLimit = SAFE_PAGE
  c.page = Math.floor(read / SAFE_PAGE) + 1
  c.crmSkip = read % SAFE_PAGE
  // Pages were counted at the old size: the next answer sets the count at 100.
  c.crmPages = 0
}

/**
 * Reads the run's next page (cursor.page at its pinned size) and returns its customers not read
 * before (after a step-down, the first `crmSkip` are dropped) with the answer's pagination.
 */
export async function readCustomersPage(
  ctx: StepContext,
  crm: RetailCrmClient,
  segment: string | undefined
): Promise<{ customers: Customer[]; pagination: Pagination }> {
  const c = ctx.cursor
  const limit = await pinnedLimit(ctx)
  const ask = (l: number) =>
    crm.listCustomers({ page: c.page, limit: l === LARGE_PAGE ? LARGE_PAGE : SAFE_PAGE, segment })
  const first =
    limit === LARGE_PAGE ? await ask(LARGE_PAGE).catch(sizeRefused) : await ask(SAFE_PAGE)
  const res =
    first && (limit !== LARGE_PAGE || lineUp(first, c.page, limit))
      ? first
      : await stepDown(ctx, () => ask(SAFE_PAGE))
  if (!lineUp(res, c.page, c.crmLimit ?? SAFE_PAGE) && !c.incomplete)
    c.incomplete = INCOMPLETE_PAGES
  const customers = c.crmSkip > 0 ? res.customers.slice(c.crmSkip) : res.customers
  c.crmSkip = 0
  return { customers, pagination: res.pagination }
}

/** A 400 to 250 may be the size refused: null, to ask again at 100; anything else stands. */
function sizeRefused(err: unknown): null {
  if (err instanceof ApiError && err.status === 400) return null
  throw err
}

/**
 * 250 refused or served at another size: go on at 100 from the same customer, and remember 100
 * for the tenant once 100 answers. A 400 that 100 repeats was not about the size: that error
 * stands (thrown by `ask`) and nothing is stored.
 */
async function stepDown<T>(ctx: StepContext, ask: () => Promise<T>): Promise<T> {
  stepDownToSafe(ctx.cursor)
  const res = await ask()
  await rememberSafePages(ctx.deps.d1, ctx.run.tenantId, 'customers')
  return res
}

function lineUp(
  res: { customers: unknown[]; pagination: Pagination },
  page: number,
  limit: number
) {
  return pagesLineUp(res.pagination, page, limit, res.customers.length)
}
