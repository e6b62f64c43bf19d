import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { changePages, tenants } from '../../src/db/schema'
import { forgetIdleCursors } from '../../src/schedule/queries'
import { makeAccount, makeSync, makeTenant, testDb } from '../support/fixtures'

async function pagesOf(tenantId: number) {
  const db = await testDb()
  const rows = await db.select().from(changePages).where(eq(changePages.tenantId, tenantId))
  return rows.map((r) => r.upTo)
}

describe('forgetIdleCursors', () => {
  it('forgets the cursor and the change pages of a tenant that is no longer live, keeps an idle live one', async () => {
    const db = await testDb()
    const gone = await makeTenant({ historySinceId: 50, frozen: true })
    const idle = await makeTenant({ historySinceId: 60 })
    await makeSync(idle.id, (await makeAccount(idle.id)).id, { segmentIsDynamic: false })
    for (const [tenantId, upTo] of [
      [gone.id, 50],
      [idle.id, 60],
    ] as const)
      await db
        .insert(changePages)
        .values({ tenantId, upTo, fromId: upTo - 10, itemCount: 1, data: '[]' })

    expect(await forgetIdleCursors(db)).toEqual([gone.id])
    const rows = await db
      .select()
      .from(tenants)
      .where(inArray(tenants.id, [gone.id, idle.id]))
    expect(rows.map((r) => [r.id, r.historySinceId])).toEqual([
      [gone.id, null],
      [idle.id, 60],
    ])
    expect(await pagesOf(gone.id)).toEqual([])
    expect(await pagesOf(idle.id)).toEqual([60])
  })

  it('writes nothing once the cursor is forgotten (a second tick finds no transition)', async () => {
    const db = await testDb()
    const gone = await makeTenant({ historySinceId: 70, active: false })
    expect(await forgetIdleCursors(db)).toContain(gone.id)
    expect(await forgetIdleCursors(db)).not.toContain(gone.id)
  })
})
