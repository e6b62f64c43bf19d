import { env } from 'cloudflare:workers'
import { eq, sql } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createDb } from '../../src/db/client'
import { tenants } from '../../src/db/schema'
import { metered } from '../../src/lib/metering'
import { outbound } from '../support/outbound'

const benchEnv = () => ({ ...env, BENCH: '1' })

/** The JSON of the last `bench:step` line logged. */
function stepLine(log: { mock: { calls: unknown[][] } }): Record<string, unknown> {
  const lines = log.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('bench:step '))
  return JSON.parse(lines.at(-1)!.slice('bench:step '.length))
}

async function insertTenant(db: ReturnType<typeof createDb>, url: string) {
  const now = 1_700_000_000_000
  const row = {
    systemUrl: url,
    crmApiKeyEnc: 'x',
    clientIdHash: url,
    createdAt: now,
    updatedAt: now,
  }
  return db.insert(tenants).values(row).returning({ id: tenants.id })
}

describe('benchmark metering', () => {
  afterEach(() => vi.restoreAllMocks())

  it('is inert without BENCH=1: same env object, nothing logged', async () => {
    const log = vi.spyOn(console, 'log')
    const seen = await metered('queue', env, async (e) => e)
    expect(seen).toBe(env)
    expect(log).not.toHaveBeenCalled()
  })

  it('counts D1 statements, batches, rows and fetches of one invocation', async () => {
    outbound.route('https://api.example.test', () => new Response('ok'))
    const log = vi.spyOn(console, 'log')
    await metered(
      'queue',
      benchEnv(),
      async (e) => {
        const db = createDb(e.DB)
        await insertTenant(db, 'https://a.test')
        await db.batch([
          db.update(tenants).set({ locale: 'ru' }).where(eq(tenants.systemUrl, 'https://a.test')),
          db.select().from(tenants),
        ])
        await fetch('https://api.example.test/x')
        await fetch('https://api.example.test/y')
      },
      () => ({ runIds: [7] })
    )
    const line = stepLine(log)
    expect(line).toMatchObject({ kind: 'queue', runIds: [7], fetches: 2, queueSends: 0 })
    expect(line.d1Calls).toBe(2)
    expect(line.d1Statements).toBe(3)
    expect(line.subrequests).toBe(5)
    // One inserted row (+ its two unique indexes as D1 counts them) and one updated row at least.
    expect(line.rowsWritten as number).toBeGreaterThanOrEqual(2)
    expect(line.rowsRead as number).toBeGreaterThanOrEqual(1)
    expect(line.failed).toBe(false)
  })

  it('returns the same query results as the plain binding (raw, first, all)', async () => {
    const plain = createDb(env.DB)
    await insertTenant(plain, 'https://b.test')
    await insertTenant(plain, 'https://c.test')
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const query = async (db: ReturnType<typeof createDb>) => ({
      rows: await db.select({ id: tenants.id, url: tenants.systemUrl }).from(tenants),
      one: await db.select().from(tenants).where(eq(tenants.systemUrl, 'https://c.test')).get(),
      count: await db.get<{ n: number }>(sql`select count(*) as n from tenants`),
      raw: await env.DB.prepare('select system_url from tenants order by id').raw(),
    })
    const expected = await query(plain)
    const got = await metered('queue', benchEnv(), async (e) => ({
      ...(await query(createDb(e.DB))),
      raw: await e.DB.prepare('select system_url from tenants order by id').raw(),
      first: await e.DB.prepare('select system_url from tenants order by id').first('system_url'),
    }))
    expect(got.rows).toEqual(expected.rows)
    expect(got.one).toEqual(expected.one)
    expect(got.count).toEqual(expected.count)
    expect(got.raw).toEqual(expected.raw)
    expect(got.first).toBe(expected.raw[0]?.[0])
  })

  it('counts queue sends and reports a failed invocation', async () => {
    const log = vi.spyOn(console, 'log')
    await expect(
      metered('queue', benchEnv(), async (e) => {
        await e.SYNC_QUEUE.send({ type: 'run-step', runId: 999_999, seq: 0 })
        throw new Error('boom')
      })
    ).rejects.toThrow('boom')
    expect(stepLine(log)).toMatchObject({ queueSends: 1, subrequests: 1, failed: true })
  })
})
