/**
 * A segment deleted in the CRM reads as an empty segment: a full run must fail visibly instead of
 * emptying the list (exact mode would otherwise remove everyone).
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runs } from '../../src/db/schema'
import { SEGMENT_MISSING } from '../../src/sync'
import { makeWorld, smallShop } from '../support/world'

describe('a deleted segment', () => {
  it('fails the run with the reason and leaves the list untouched', async () => {
    const w = await makeWorld({ shop: smallShop(120, { size: 40 }, false), mode: 'exact' })
    const first = await w.start()
    await w.drain()
    const before = await w.listEmails()
    expect(before.length).toBe(40)
    expect(first.started).toBe(true)

    await env.SANDBOX_DB.prepare('DELETE FROM crm_segments WHERE shop = ? AND code = ?')
      .bind(w.crm.shopCode, 'seg')
      .run()
    const again = await w.start()
    await w.drain()
    const [run] = await w.db
      .select()
      .from(runs)
      .where(eq(runs.id, again.started ? again.runId : -1))
    expect([run?.status, run?.errorCode]).toEqual(['failed', SEGMENT_MISSING])
    expect(run?.errorMessage).toMatch(/no longer exists/)
    expect(await w.listEmails()).toEqual(before)
  })

  it('an existing but empty segment is not mistaken for a deleted one', async () => {
    const w = await makeWorld({ shop: smallShop(120, { size: 0 }, false), mode: 'exact' })
    const r = await w.start()
    await w.drain()
    const [run] = await w.db
      .select()
      .from(runs)
      .where(eq(runs.id, r.started ? r.runId : -1))
    expect(run?.status).toBe('done')
  })
})
