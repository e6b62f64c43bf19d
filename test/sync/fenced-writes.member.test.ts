/**
 * The leader's writes into a member of a shared read (docs/shared-read.md) hold only while the
 * leader holds its fence and the member, of the same tenant, still runs and waits for this leader:
 * a stale or duplicate leader step, a cancelled member, a member that left the wait or waits for
 * another leader, and a run of another tenant all receive nothing.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { type Fence, insertMemberChunks, insertMemberRejects } from '../../src/sync/fenced-writes'
import { makeAccount, makeRun, makeSync, makeTenant } from '../support/fixtures'

async function group() {
  const t = await makeTenant()
  const a = await makeAccount(t.id)
  const s1 = await makeSync(t.id, a.id)
  const s2 = await makeSync(t.id, a.id)
  const leader = await makeRun(t.id, s1.id, { phase: 'read_crm', stepSeq: 4, cursor: '{"v":2}' })
  const member = await makeRun(t.id, s2.id, {
    phase: 'shared_wait',
    cursor: JSON.stringify({ v: 9, readId: leader.id }),
  })
  const fence: Fence = { runId: leader.id, seq: 4, v: 2 }
  return { t, leader, member, fence }
}

const rows = [{ side: 'S', bucket: 3, seq: 2 ** 30, emails: ['a@example.com\t1'] }]

async function staged(runId: number) {
  const r = await env.DB.prepare(
    'SELECT (SELECT COUNT(*) FROM run_chunks WHERE run_id = ?1) AS c, (SELECT COUNT(*) FROM run_rejects WHERE run_id = ?1) AS r'
  )
    .bind(runId)
    .first<{ c: number; r: number }>()
  return r!
}

async function write(fence: Fence, member: { id: number; tenantId: number }) {
  await env.DB.batch([
    ...insertMemberChunks(env.DB, fence, member, rows),
    ...insertMemberRejects(env.DB, fence, member, [{ email: 'bad', reason: 'invalid_email' }]),
  ])
}

describe('leader writes into a member', () => {
  it('land while the leader holds its fence and the member waits for it', async () => {
    const g = await group()
    await write(g.fence, { id: g.member.id, tenantId: g.t.id })
    expect(await staged(g.member.id)).toEqual({ c: 1, r: 1 })
  })

  it('are refused for a stale leader step, or a member of another tenant', async () => {
    const g = await group()
    await write({ ...g.fence, v: 1 }, { id: g.member.id, tenantId: g.t.id })
    await write({ ...g.fence, seq: 3 }, { id: g.member.id, tenantId: g.t.id })
    await write(g.fence, { id: g.member.id, tenantId: g.t.id + 1 })
    expect(await staged(g.member.id)).toEqual({ c: 0, r: 0 })
  })

  it('are refused once the member is cancelled, left the wait, or waits for someone else', async () => {
    for (const change of [
      `status = 'cancelled'`,
      `phase = 'read_crm'`,
      `cursor = json_set(cursor, '$.readId', 0)`,
    ]) {
      const g = await group()
      await env.DB.prepare(`UPDATE runs SET ${change} WHERE id = ?`).bind(g.member.id).run()
      await write(g.fence, { id: g.member.id, tenantId: g.t.id })
      expect(await staged(g.member.id)).toEqual({ c: 0, r: 0 })
    }
  })
})
