/**
 * Retention in the scheduler tick (src/schedule/retention.ts): expired sessions, runs beyond the
 * kept history, and the stored keys of a tenant switched off in the marketplace for 30 days.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { createSession } from '../../src/db/queries/sessions'
import { isTenantLive } from '../../src/db/queries/tenants'
import { runs, sessions, syncs, tenants, unisenderAccounts } from '../../src/db/schema'
import { KEY_RETENTION_MS, KEYS_DELETED, runRetention } from '../../src/schedule/retention'
import { runTick } from '../../src/schedule/tick'
import { KEEP_RUNS } from '../../src/sync'
import { makeAccount, makeRun, makeSync, makeTenant } from '../support/fixtures'
import { makeScheduleWorld } from '../support/world'

const db = createDb(env.DB)
const DAY = 24 * 3_600_000

describe('retention', () => {
  it('deletes expired sessions and keeps live ones', async () => {
    // Two tenants: a new session of a tenant already drops that tenant's own expired ones.
    const idle = await makeTenant()
    const busy = await makeTenant()
    const now = Date.now()
    await createSession(db, idle.id, now - 8 * DAY)
    const fresh = await createSession(db, busy.id, now)
    const report = await runRetention({ db, now: () => now })
    expect(report.sessions).toBeGreaterThanOrEqual(1)
    expect(await db.select().from(sessions).where(eq(sessions.tenantId, idle.id))).toHaveLength(0)
    const left = await db.select().from(sessions).where(eq(sessions.tenantId, busy.id))
    expect(left.map((s) => s.csrfToken)).toEqual([fresh.csrfToken])
  })

  it('prunes runs the engine never closed (cancelled, dead-lettered) beyond the kept history', async () => {
    const t = await makeTenant()
    const a = await makeAccount(t.id)
    const s = await makeSync(t.id, a.id)
    for (let i = 0; i < KEEP_RUNS + 5; i++)
      await makeRun(t.id, s.id, { status: i % 2 ? 'cancelled' : 'failed', finishedAt: i })
    await makeRun(t.id, s.id, { status: 'running' })
    await runRetention({ db, now: () => Date.now() })
    const left = await db.select().from(runs).where(eq(runs.syncId, s.id))
    expect(left.filter((r) => r.status !== 'running')).toHaveLength(KEEP_RUNS - 1)
    expect(left.some((r) => r.status === 'running')).toBe(true)
  })

  it('deletes the keys of a tenant switched off for 30 days; it is not live until a reconnect', async () => {
    const now = Date.now()
    const gone = await makeTenant({ active: false, deactivatedAt: now - KEY_RETENTION_MS - 1 })
    const recent = await makeTenant({ active: false, deactivatedAt: now - KEY_RETENTION_MS + DAY })
    const on = await makeTenant({ active: true })
    const acct = await makeAccount(gone.id, { apiKeyEnc: 'v1.secret' })
    const sync = await makeSync(gone.id, acct.id)
    const draft = await makeSync(gone.id, acct.id, { state: 'paused', pausedReason: 'draft' })
    const keptAcct = await makeAccount(recent.id, { apiKeyEnc: 'v1.kept' })

    const report = await runRetention({ db, now: () => now })
    expect(report.keysDeleted).toContain(gone.id)
    expect(report.keysDeleted).not.toContain(recent.id)
    expect(report.keysDeleted).not.toContain(on.id)

    const row = async (id: number) =>
      (await db.select().from(tenants).where(eq(tenants.id, id)))[0]!
    const g = await row(gone.id)
    expect(g.crmApiKeyEnc).toBe('')
    expect(g.crmKeyHash).toBeNull()
    expect(g.brokenReason).toBe(KEYS_DELETED)
    // Even if the marketplace switches it on again, the empty key is never used.
    expect(isTenantLive({ ...g, active: true })).toBe(false)
    expect((await row(recent.id)).crmApiKeyEnc).not.toBe('')
    const accounts = await db.select().from(unisenderAccounts)
    expect(accounts.find((x) => x.id === acct.id)).toMatchObject({ apiKeyEnc: '' })
    expect(accounts.find((x) => x.id === acct.id)!.deletedAt).not.toBeNull()
    expect(accounts.find((x) => x.id === keptAcct.id)).toMatchObject({ apiKeyEnc: 'v1.kept' })
    const syncRows = await db.select().from(syncs).where(eq(syncs.tenantId, gone.id))
    expect(syncRows.find((x) => x.id === sync.id)).toMatchObject({
      state: 'paused',
      pausedReason: 'account_deleted',
    })
    expect(syncRows.find((x) => x.id === draft.id)).toMatchObject({ pausedReason: 'draft' })
    // A second pass finds nothing more to delete.
    expect((await runRetention({ db, now: () => now })).keysDeleted).not.toContain(gone.id)
  })

  it('runs in every scheduler tick', async () => {
    const w = await makeScheduleWorld()
    const report = await runTick(w.deps)
    expect(report.retention).not.toBeNull()
  })
})
