/**
 * One customer-history record computed from its block (see history.ts) in the real shape
 * (api-client-php CustomerHistory; field names as RetailCRM modules read them, e.g.
 * `email_marketing_unsubscribed_at`).
 */
import { formatCrmDate } from './dates'
import type { Block, BlockData } from './history'
import { candidateId } from './membership'

/** The customer a record is about. */
export function recordCustomerId(data: BlockData, t: number): number {
  switch (data.kind) {
    case 'created':
      return data.fromId + t
    case 'segment': {
      const w = data.window
      const j =
        t < data.removeCount
          ? (data.removeFrom + t) % w.cap
          : (data.addFrom + t - data.removeCount) % w.cap
      return candidateId(w, j)
    }
    default:
      return data.customerId
  }
}

/**
 * One history record in the real shape (api-client-php CustomerHistory): `customer` is the full
 * object for creations and a stub otherwise.
 */
export function recordJson(
  item: { block: Block; t: number; id: number },
  customer: object,
  stub: (id: number) => object
) {
  const { block, t, id } = item
  const d = block.data
  const base = { id, createdAt: formatCrmDate(block.createdAt) }
  const byUser = { source: 'user', user: { id: 1 } }
  switch (d.kind) {
    case 'created':
      return {
        ...base,
        created: true,
        source: 'api',
        apiKey: { current: false },
        field: 'id',
        oldValue: null,
        newValue: recordCustomerId(d, t),
        customer,
      }
    case 'segment': {
      const removal = t < d.removeCount
      const value = { code: d.code }
      return {
        ...base,
        source: 'code',
        field: 'segments',
        oldValue: removal ? value : null,
        newValue: removal ? null : value,
        customer,
      }
    }
    case 'email':
      return { ...base, ...byUser, field: 'email', oldValue: d.old, newValue: d.new, customer }
    case 'first_name':
      return { ...base, ...byUser, field: 'first_name', oldValue: d.old, newValue: d.new, customer }
    case 'unsubscribed':
      return {
        ...base,
        ...byUser,
        field: 'email_marketing_unsubscribed_at',
        oldValue: d.old === null ? null : formatCrmDate(d.old),
        newValue: d.new === null ? null : formatCrmDate(d.new),
        customer,
      }
    case 'subscription': {
      // UNCONFIRMED: no source shows how customerSubscriptions changes appear in history; this
      // field name and value shape are our choice. Modules should re-read the customer.
      const v = (subscribed: boolean) => ({
        channel: 'email',
        subscription: { code: 'default_marketing' },
        subscribed,
      })
      return {
        ...base,
        ...byUser,
        field: 'customer_subscriptions',
        oldValue: v(d.old),
        newValue: v(d.new),
        customer,
      }
    }
    case 'deleted':
    case 'merged':
      // A merge is the deletion of the merged customer, naming the one it went into.
      return {
        ...base,
        ...byUser,
        deleted: true,
        field: 'id',
        oldValue: d.customerId,
        newValue: null,
        ...(d.kind === 'merged' ? { combinedTo: stub(d.into) } : {}),
        customer,
      }
  }
}
