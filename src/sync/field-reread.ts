/**
 * Contact-field values for the additions of an incremental run (#15). The history poller's records
 * carry addresses and segments, not field values, so a sync that maps fields re-reads the customers
 * it adds (filter[ids][], 100 a call, at most MAX_PAGES calls) and sends their values with the
 * additions, as a full run would. Additions past that cap, or whose address changed since the
 * record, go without values; the next full run fills them in (its diff sees the values missing).
 */
import type { StepContext } from './context'
import { mappedValues, packValues } from './field-values'
import { normaliseEmail } from './normalize'

/** CRM calls an incremental run may spend on field values (2,000 additions). */
export const MAX_PAGES = 20

/** email → packed values of the added customers (empty when the sync maps no field). */
export async function additionValues(
  ctx: StepContext,
  touched: readonly { id: number; email: string; kind: string; member: boolean }[],
  adds: readonly string[]
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const fields = ctx.cursor.fields
  if (fields.length === 0 || adds.length === 0) return out
  const wanted = new Set(adds)
  const ids = [
    ...new Set(
      touched.filter((t) => t.kind === 'valid' && t.member && wanted.has(t.email)).map((t) => t.id)
    ),
  ].slice(0, MAX_PAGES * 100)
  if (ids.length === 0) return out
  const crm = await ctx.crm()
  await ctx.reserveCrmCalls(Math.ceil(ids.length / 100))
  for (let i = 0; i < ids.length; i += 100) {
    const res = await crm.listCustomers({ ids: ids.slice(i, i + 100), limit: 100 })
    for (const c of res.customers) {
      const email = normaliseEmail(c.email)
      if (!wanted.has(email)) continue
      const packed = packValues(mappedValues(c, fields))
      if (packed !== '') out.set(email, packed)
    }
  }
  return out
}

/** An addition line with its values (`email<TAB>values`), as step-write.ts reads it. */
export function withValues(email: string, values: ReadonlyMap<string, string>): string {
  const v = values.get(email)
  return v ? `${email}\t${v}` : email
}
