/**
 * A tenant's RetailCRM page sizes, per endpoint, kept in D1 (tenants.crm_customers_page,
 * crm_history_page). Which endpoints serve 250 customers a page is UNCONFIRMED (docs/retailcrm.md
 * §3): every tenant is asked for 250 until its CRM refuses it once, then 100 for good. Only the
 * refusal is written (one row, once), so a tenant whose CRM serves 250 costs no write at all.
 */
import {
  LARGE_PAGE,
  type PagedEndpoint,
  type PageSizeMemory,
  SAFE_PAGE,
} from '../clients/retailcrm'

/** The stored refusals of a tenant row (null: 250 not refused there). */
export interface StoredPageSizes {
  id: number
  crmCustomersPage?: number | null
  crmHistoryPage?: number | null
}

const COLUMN = { customers: 'crm_customers_page', history: 'crm_history_page' } as const

/** The size to ask for, from a stored value: 250 unless 100 (or less) was recorded. */
export function pageSizeOf(
  stored: number | null | undefined
): typeof LARGE_PAGE | typeof SAFE_PAGE {
  return stored != null && stored < LARGE_PAGE ? SAFE_PAGE : LARGE_PAGE
}

/** Records that the tenant's CRM does not serve 250 on `endpoint` (idempotent, unfenced). */
export async function rememberSafePages(
  d1: D1Database,
  tenantId: number,
  endpoint: PagedEndpoint
): Promise<void> {
  await d1
    .prepare(`UPDATE tenants SET ${COLUMN[endpoint]} = ?1 WHERE id = ?2`)
    .bind(SAFE_PAGE, tenantId)
    .run()
}

/** Reads the size to ask `endpoint` for (one D1 read; a run pins it at its first page). */
export async function storedPageSize(
  d1: D1Database,
  tenantId: number,
  endpoint: PagedEndpoint
): Promise<typeof LARGE_PAGE | typeof SAFE_PAGE> {
  const row = await d1
    .prepare(`SELECT ${COLUMN[endpoint]} AS size FROM tenants WHERE id = ?1`)
    .bind(tenantId)
    .first<{ size: number | null }>()
  return pageSizeOf(row?.size)
}

/**
 * The memory a tenant's client uses for `limit: 'auto'` reads, seeded from the tenant row it was
 * built from (no extra read) and written through on a refusal.
 */
export function tenantPageSizes(d1: D1Database, tenant: StoredPageSizes): PageSizeMemory {
  const sizes: Record<PagedEndpoint, typeof LARGE_PAGE | typeof SAFE_PAGE> = {
    customers: pageSizeOf(tenant.crmCustomersPage),
    history: pageSizeOf(tenant.crmHistoryPage),
  }
  return {
    limit: (endpoint) => sizes[endpoint],
    refused: async (endpoint) => {
      if (sizes[endpoint] === SAFE_PAGE) return
      sizes[endpoint] = SAFE_PAGE
      await rememberSafePages(d1, tenant.id, endpoint)
    },
  }
}
