import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { runs } from '../../src/db/schema'
import worker from '../../src/index'
import { makeAccount, makeRun, makeSync, makeTenant, testDb } from '../support/fixtures'

async function setupRun(status: 'running' | 'done' = 'running') {
  const t = await makeTenant()
  const a = await makeAccount(t.id)
  const s = await makeSync(t.id, a.id)
  return makeRun(t.id, s.id, { status })
}

describe('queue consumer', () => {
  it('marks the run failed, with the reason, when its message reaches the dead-letter queue', async () => {
    const run = await setupRun()
    const batch = createMessageBatch('sync-jobs-dlq', [
      {
        id: 'm1',
        timestamp: new Date(),
        attempts: 11,
        body: { type: 'run-step' as const, runId: run.id, seq: 3 },
      },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks).toEqual(['m1'])
    const db = await testDb()
    const [row] = await db.select().from(runs).where(eq(runs.id, run.id))
    expect(row?.status).toBe('failed')
    expect(row?.errorCode).toBe('gave_up')
    expect(row?.errorMessage).toMatch(/11 failed attempts/)
    expect(row?.finishedAt).toBeTypeOf('number')
  })

  it('does not turn a finished run into a failure when a stale message is dead-lettered', async () => {
    const run = await setupRun('done')
    const batch = createMessageBatch('sync-jobs-dlq', [
      {
        id: 'm1',
        timestamp: new Date(),
        attempts: 11,
        body: { type: 'run-step' as const, runId: run.id, seq: 1 },
      },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    await getQueueResult(batch, ctx)
    const db = await testDb()
    const [row] = await db.select().from(runs).where(eq(runs.id, run.id))
    expect(row?.status).toBe('done')
  })

  it('acks and drops a malformed message instead of retrying it forever', async () => {
    const batch = createMessageBatch('sync-jobs', [
      { id: 'bad', timestamp: new Date(), attempts: 1, body: { hello: 'world' } },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as never, env, ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks).toEqual(['bad'])
    expect(result.retryMessages).toEqual([])
  })
})
