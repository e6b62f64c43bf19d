/**
 * The export file is prepared in the background, independent of polling (like the real service):
 * exportContacts starts the build, polls never advance it, and one poll after the task is due
 * gets the file — also when the background build stalled and a poll has to take over.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createAccount, createListRow, seedContacts } from '../../../src/sandbox/unisender/accounts'
import { createUnisenderEmulator } from '../../../src/sandbox/unisender/app'
import { BUILD_STALE_MS } from '../../../src/sandbox/unisender/methods/export'
import { ensureSchema } from '../../../src/sandbox/unisender/schema'
import { outbound } from '../../support/outbound'
import { exportPairs, parseCsv } from '../../support/unisender-export'

const ORIGIN = 'https://bg.unisender.test'
let seq = 0

/** An emulator whose background builds are held until the test runs them. */
async function install(opts: { pagesPerBatch?: number; contacts?: number } = {}) {
  let clock = Date.UTC(2026, 10, 26, 12, 0, 0)
  const held: (() => Promise<unknown>)[] = []
  const emulator = createUnisenderEmulator({
    now: () => clock,
    sleep: async () => {},
    exportReadyAfterMs: 3_000,
    exportReadyAfterPolls: 1_000_000,
    exportPagesPerPoll: opts.pagesPerBatch ?? 100,
    background: (work) => {
      held.push(work)
    },
  })
  const db = env.SANDBOX_DB
  outbound.route(ORIGIN, (req) => emulator.app.fetch(req, { SANDBOX_DB: db, SANDBOX_ENABLED: '1' }))
  await ensureSchema(db, clock)
  seq++
  const apiKey = `bg-key-${seq}-0123456789abcdef`
  const account = await createAccount(db, { login: `bg${seq}`, apiKey }, clock)
  const list = await createListRow(db, account.id, 'L', clock)
  const n = opts.contacts ?? 4500
  await seedContacts(
    db,
    account.id,
    Array.from({ length: n }, (_, i) => ({ email: `m${i}@example.ru`, lists: [list] })),
    clock
  )
  const call = async (method: string, pairs: [string, string][]) => {
    const res = await fetch(`${ORIGIN}/ru/api/${method}?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(pairs).toString(),
    })
    return ((await res.json()) as { result: Record<string, string> }).result
  }
  const start = async () =>
    (await call('async/exportContacts', exportPairs(apiKey, list, ['email']))).task_uuid!
  const poll = (uuid: string) =>
    call('async/getTaskResult', [
      ['api_key', apiKey],
      ['task_uuid', uuid],
    ])
  const chunks = async (uuid: string) =>
    (
      await db
        .prepare('SELECT count(*) AS n FROM uni_export_chunks WHERE uuid = ?')
        .bind(uuid)
        .first<{ n: number }>()
    )?.n ?? 0
  const emailsOf = async (file: string) =>
    parseCsv((await (await fetch(file)).text()).replace(/^\uFEFF/, ''))
      .slice(1)
      .map((r) => r[0]!)
  return {
    emulator,
    held,
    start,
    poll,
    chunks,
    emailsOf,
    addContact: (email: string) => seedContacts(db, account.id, [{ email, lists: [list] }], clock),
    advance: (ms: number) => {
      clock += ms
    },
  }
}

describe('export: the file is built in the background', () => {
  it('exportContacts starts the build; polls do not advance it; one due poll gets the file', async () => {
    const t = await install({ pagesPerBatch: 1 })
    const uuid = await t.start()
    expect(t.held).toHaveLength(1)
    // Polls before the build ran write nothing: the file does not grow with polling.
    t.advance(1_000)
    expect(await t.poll(uuid)).toMatchObject({ status: 'processing' })
    expect(await t.chunks(uuid)).toBe(0)
    await t.held[0]!()
    expect(await t.chunks(uuid)).toBe(4) // header + pages of 2,000, 2,000 and 500
    // Built, but not due yet: still processing, no file.
    const early = await t.poll(uuid)
    expect(early.status).toBe('processing')
    expect(early.file_to_download).toBeUndefined()
    // Contacts added after the export started are not in the file (a snapshot).
    await t.addContact('late@example.ru')
    t.advance(2_000)
    const done = await t.poll(uuid)
    expect(done).toMatchObject({ status: 'completed', task_uuid: uuid })
    const emails = await t.emailsOf(done.file_to_download!)
    expect(emails).toHaveLength(4500)
    expect(new Set(emails).size).toBe(4500)
    expect(emails).not.toContain('late@example.ru')
    expect(t.emulator.state.callCounts()['async/getTaskResult']).toBe(3)
  })

  it('a client that polls once after the task is due needs exactly one getTaskResult', async () => {
    const t = await install()
    const uuid = await t.start()
    await t.held[0]!()
    t.advance(60_000) // e.g. the module reads the CRM first
    const done = await t.poll(uuid)
    expect(done.status).toBe('completed')
    expect(await t.emailsOf(done.file_to_download!)).toHaveLength(4500)
    expect(t.emulator.state.callCounts()['async/getTaskResult']).toBe(1)
  })

  it('a due poll waits for a background build in progress, and takes over a stalled one', async () => {
    const t = await install()
    const uuid = await t.start()
    t.advance(3_000) // due, but the background build (held) has not written anything
    expect(await t.poll(uuid)).toMatchObject({ status: 'processing' })
    expect(await t.chunks(uuid)).toBe(0)
    t.advance(BUILD_STALE_MS) // no progress for that long: the poll builds the file itself
    const done = await t.poll(uuid)
    expect(done.status).toBe('completed')
    expect(await t.emailsOf(done.file_to_download!)).toHaveLength(4500)
  })

  it('two builders of one file (background and a poll that took over) leave it intact', async () => {
    const t = await install({ pagesPerBatch: 1, contacts: 9000 })
    const uuid = await t.start()
    t.advance(3_000 + BUILD_STALE_MS)
    const [, polled] = await Promise.all([t.held[0]!(), t.poll(uuid)])
    let result = polled
    if (result.status !== 'completed') result = await t.poll(uuid)
    expect(result.status).toBe('completed')
    const res = await fetch(result.file_to_download!)
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(res.headers.get('content-length')).toBe(String(bytes.length))
    const emails = parseCsv(new TextDecoder().decode(bytes).replace(/^\uFEFF/, ''))
      .slice(1)
      .map((r) => r[0])
    expect(emails).toHaveLength(9000)
    expect(new Set(emails).size).toBe(9000)
    // Byte ranges agree with the whole file (chunk offsets are consistent).
    const part = await fetch(result.file_to_download!, { headers: { range: 'bytes=5000-9999' } })
    expect(part.status).toBe(206)
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(5000, 10000))
  })
})
