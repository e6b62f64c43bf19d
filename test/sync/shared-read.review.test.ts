/**
 * Review of the shared read (docs/shared-read.md): cases an adversarial reader looks for, end to
 * end on the emulators.
 */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runs, syncs } from '../../src/db/schema'
import type { SegmentDefinition } from '../../src/sandbox/retailcrm/shops'
import { parseCursor } from '../../src/sync/state'
import { dispatch, expected, groupRuns, groupWorld } from '../support/shared-read'

/** Two segments of the same size (so a switch from one to the other keeps the total). */
const TWINS: SegmentDefinition[] = [
  { code: 'a', name: 'A', dynamic: true, offset: 1, stride: 1, size: 1200 },
  { code: 'b', name: 'B', dynamic: true, offset: 501, stride: 1, size: 1200 },
]

describe('shared read review', { timeout: 120_000 }, () => {
  it('the leader’s sync edited to another segment mid-read does not change what its members get', async () => {
    const g = await groupWorld(TWINS, ['a', 'a', 'a'])
    // Members' lists already hold all of segment a: a wrong picture would remove some of them.
    const want = await expected(g.w, 'a')
    for (const s of g.syncs.slice(1))
      await g.w.uni.seedContacts(
        g.w.account,
        want.map((email) => ({ email, lists: [s.listId!] }))
      )
    await dispatch(g)
    const leaderId = (await groupRuns(g))[0]!.id
    let edited = false
    await g.w.drain({
      extra: { pagesPerStep: 1 },
      onStep: async () => {
        const [l] = await g.w.db.select().from(runs).where(eq(runs.id, leaderId))
        if (!edited && l?.phase === 'read_crm' && parseCursor(l.cursor).page > 2) {
          edited = true
          // The user saves the leader's sync on segment b while its run reads (the route lets the
          // active run go on).
          await g.w.db.update(syncs).set({ segmentCode: 'b' }).where(eq(syncs.id, g.syncs[0]!.id))
        }
      },
    })
    expect(edited).toBe(true)
    const rs = await groupRuns(g)
    for (const [i, s] of g.syncs.entries()) {
      if (i === 0) continue
      expect(rs[i]!.status).toBe('done')
      // The member's sync is still on segment a: its list is exactly a (the stranger removed).
      expect(await g.w.listEmails(s.listId!)).toEqual(want)
    }
  })
})
