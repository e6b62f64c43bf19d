/** The step context (context.ts): the RetailCRM call window shared by the steps of one tenant. */
import { describe, expect, it } from 'vitest'
import { makeRun } from '../support/fixtures'
import { makeWorld, smallShop } from '../support/world'

describe('RetailCRM pacing shared by a tenant', () => {
  it('gives concurrent steps of one tenant successive windows of calls', async () => {
    const { env } = await import('cloudflare:workers')
    const { StepContext } = await import('../../src/sync/context')
    const { engineDeps } = await import('../../src/sync/process')
    const { loadRun } = await import('../../src/sync/store')
    const w = await makeWorld({ shop: smallShop(10, { size: 5 }, false) })
    const a = await makeRun(w.tenant.id, w.sync.id, { status: 'running' })
    const b = await makeRun(w.tenant.id, w.sync.id, { status: 'running' })
    const deps = engineDeps(env, { now: () => 1_000_000, crmIntervalMs: 100 })
    const ctxA = new StepContext(deps, (await loadRun(env.DB, a.id))!, {
      type: 'run-step',
      runId: a.id,
      seq: 0,
    })
    const ctxB = new StepContext(deps, (await loadRun(env.DB, b.id))!, {
      type: 'run-step',
      runId: b.id,
      seq: 0,
    })
    await Promise.all([ctxA.reserveCrmCalls(50), ctxB.reserveCrmCalls(50)])
    const starts = [ctxA.cursor.crmNextAt, ctxB.cursor.crmNextAt].sort((x, y) => x - y)
    expect(starts).toEqual([1_000_000, 1_005_000])
  })
})
