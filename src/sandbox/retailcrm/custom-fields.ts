/**
 * `GET /api/v5/custom-fields`: the shop's dictionary of custom fields (every sandbox shop has the
 * customer field `loyalty_level`, whose values customers.ts derives from the id). Only
 * `filter[entity]=customer` is answered with it; other entities have none here.
 */
import type { Context } from 'hono'

/** The custom customer fields of every sandbox shop. */
export const SANDBOX_CUSTOMER_FIELDS = [
  { code: 'loyalty_level', name: 'Уровень лояльности', type: 'string', entity: 'customer' },
]

export function customFieldsRoute(c: Context) {
  const entity = c.req.query('filter[entity]')
  const fields = entity === undefined || entity === 'customer' ? SANDBOX_CUSTOMER_FIELDS : []
  return c.json({
    success: true,
    pagination: { limit: 100, totalCount: fields.length, currentPage: 1, totalPageCount: 1 },
    customFields: fields,
  })
}
