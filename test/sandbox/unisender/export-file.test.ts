/** The export file: format, streaming, snapshot, byte ranges and lifetime. */
import { describe, expect, it } from 'vitest'
import { callUnisender } from '../../support/sandbox-unisender'
import { exportPairs, parseCsv, setup, type Task } from '../../support/unisender-export'

describe('export file', () => {
  it('is UTF-8 with BOM, quoted, CRLF, with a header naming the requested fields', async () => {
    const { uni, acc, list, other } = await setup({ exportReadyAfterPolls: 1 })
    await uni.seedContacts(acc, [
      { email: 'a@example.ru', lists: [list, other], tags: 'vip' },
      { email: 'b@example.ru', status: 'unsubscribed', lists: [list] },
      { email: 'c@example.ru', unsubscribedLists: [list], lists: [other] },
      { email: 'd@example.ru', lists: [other] },
    ])
    const fields = ['email', 'email_status', 'email_list_ids', 'email_unsubscribed_list_ids']
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, fields)
    )
    const uuid = (started.body as Task).result.task_uuid
    const done = await callUnisender('async/getTaskResult', {
      api_key: acc.apiKey,
      task_uuid: uuid,
    })
    const res = await fetch((done.body as Task).result.file_to_download!)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = new TextDecoder().decode(bytes.slice(3))
    expect(
      text.startsWith('"email","email_status","email_list_ids","email_unsubscribed_list_ids"\r\n')
    ).toBe(true)
    expect(parseCsv(text)).toEqual([
      fields,
      ['a@example.ru', 'active', `${list},${other}`, ''],
      ['b@example.ru', 'unsubscribed', String(list), ''],
      ['c@example.ru', 'active', `${list},${other}`, String(list)],
    ])
  })

  it('streams a list larger than one page, each member once', async () => {
    const { uni, acc, list } = await setup({ exportReadyAfterPolls: 1 })
    const n = 4500
    const contacts = Array.from({ length: n }, (_, i) => ({
      email: `m${i}@example.ru`,
      lists: [list],
    }))
    await uni.seedContacts(acc, contacts)
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email'])
    )
    const uuid = (started.body as Task).result.task_uuid
    const done = await callUnisender('async/getTaskResult', {
      api_key: acc.apiKey,
      task_uuid: uuid,
    })
    const res = await fetch((done.body as Task).result.file_to_download!)
    const reader = res.body!.getReader()
    let chunks = 0
    let text = ''
    const dec = new TextDecoder()
    for (;;) {
      const { done: end, value } = await reader.read()
      if (end) break
      chunks++
      text += dec.decode(value, { stream: true })
    }
    expect(chunks).toBeGreaterThan(2)
    const emails = parseCsv(text.replace(/^\uFEFF/, ''))
      .slice(1)
      .map((r) => r[0])
    expect(emails).toHaveLength(n)
    expect(new Set(emails).size).toBe(n)
  })

  it('filters by email_status and exports the whole account without list_id', async () => {
    const { uni, acc, list } = await setup({ exportReadyAfterPolls: 1 })
    await uni.seedContacts(acc, [
      { email: 'a@example.ru', lists: [list] },
      { email: 'b@example.ru', status: 'unsubscribed' },
    ])
    const started = await callUnisender('async/exportContacts', [
      ['api_key', acc.apiKey],
      ['field_names[]', 'email'],
      ['email_status', 'unsubscribed'],
    ])
    const uuid = (started.body as Task).result.task_uuid
    const done = await callUnisender('async/getTaskResult', {
      api_key: acc.apiKey,
      task_uuid: uuid,
    })
    const text = await (await fetch((done.body as Task).result.file_to_download!)).text()
    expect(parseCsv(text.replace(/^\uFEFF/, ''))).toEqual([['email'], ['b@example.ru']])
  })
})

describe('export file: snapshot, ranges, lifetime', () => {
  async function completed(
    opts: Record<string, number>,
    seed: (uni: Awaited<ReturnType<typeof setup>>) => Promise<void>
  ) {
    const env = await setup(opts)
    await seed(env)
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(env.acc.apiKey, env.list, ['email'])
    )
    const uuid = (started.body as Task).result.task_uuid
    let file: string | undefined
    let polls = 0
    while (!file && polls < 20) {
      polls++
      const r = await callUnisender('async/getTaskResult', {
        api_key: env.acc.apiKey,
        task_uuid: uuid,
      })
      file = (r.body as Task).result.file_to_download
    }
    return { ...env, file: file!, polls }
  }

  it('builds a file of several write batches in the one poll that finds it due, each member once', async () => {
    const { file, polls } = await completed(
      { exportReadyAfterPolls: 1, exportPagesPerPoll: 1 },
      async ({ uni, acc, list }) => {
        await uni.seedContacts(
          acc,
          Array.from({ length: 4500 }, (_, i) => ({ email: `m${i}@example.ru`, lists: [list] }))
        )
      }
    )
    // Pages of 2,000 + 2,000 + 500, one page per D1 batch: still one poll, not one per page.
    expect(polls).toBe(1)
    const emails = parseCsv((await (await fetch(file)).text()).replace(/^\uFEFF/, '')).slice(1)
    expect(new Set(emails.map((r) => r[0])).size).toBe(4500)
  })

  it('is a snapshot: list changes after completion do not alter it', async () => {
    const { uni, acc, list, file } = await completed(
      { exportReadyAfterPolls: 1 },
      async ({ uni, acc, list }) => {
        await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [list] }])
      }
    )
    await uni.seedContacts(acc, [{ email: 'b@example.ru', lists: [list] }])
    const text = await (await fetch(file)).text()
    expect(parseCsv(text)).toEqual([['email'], ['a@example.ru']])
  })

  it('serves byte ranges (206 with Content-Range) and refuses ranges past the end (416)', async () => {
    const { file } = await completed({ exportReadyAfterPolls: 1 }, async ({ uni, acc, list }) => {
      await uni.seedContacts(
        acc,
        Array.from({ length: 50 }, (_, i) => ({
          email: `p${i}@example.ru`,
          lists: [list],
        }))
      )
    })
    const whole = new Uint8Array(await (await fetch(file)).arrayBuffer())
    const full = await fetch(file)
    expect(full.status).toBe(200)
    expect(full.headers.get('content-length')).toBe(String(whole.length))
    expect(full.headers.get('accept-ranges')).toBe('bytes')
    const part = await fetch(file, { headers: { range: 'bytes=100-299' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 100-299/${whole.length}`)
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.slice(100, 300))
    const tail = await fetch(file, { headers: { range: `bytes=${whole.length - 10}-` } })
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(whole.slice(-10))
    const past = await fetch(file, {
      headers: { range: `bytes=${whole.length}-${whole.length + 99}` },
    })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe(`bytes */${whole.length}`)
  })

  it('expires 24 h after the export was requested', async () => {
    const { uni, file } = await completed({ exportReadyAfterPolls: 1 }, async () => {})
    expect((await fetch(file)).status).toBe(200)
    uni.clock.advance(24 * 60 * 60 * 1000 + 1)
    expect((await fetch(file)).status).toBe(404)
  })
})

describe('export file: faults', () => {
  it('answers injected 5xx on downloads only when a rule names "download"', async () => {
    const { uni, acc, list } = await setup({ exportReadyAfterPolls: 1 })
    await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [list] }])
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email'])
    )
    const uuid = (started.body as Task).result.task_uuid
    const done = await callUnisender('async/getTaskResult', {
      api_key: acc.apiKey,
      task_uuid: uuid,
    })
    const file = (done.body as Task).result.file_to_download!
    uni.faults.set({ rules: [{ kind: 'http5xx', count: 1 }] })
    expect((await fetch(file)).status).toBe(200) // a rule without methods is for API calls
    uni.faults.set({ rules: [{ kind: 'http5xx', count: 1, status: 502, methods: ['download'] }] })
    expect((await fetch(file)).status).toBe(502)
    expect((await fetch(file)).status).toBe(200)
    expect(uni.calls('download')).toBe(3)
  })
})
