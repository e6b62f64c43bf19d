/** The inspection page and JSON, the demo account, and the mount in the sandbox Worker. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import sandbox from '../../../src/sandbox/index'
import { DEMO_API_KEY, DEMO_LOGIN } from '../../../src/sandbox/unisender/demo'

const bindings = { SANDBOX_DB: env.SANDBOX_DB, SANDBOX_ENABLED: '1' }
const get = (path: string, init?: RequestInit) =>
  sandbox.fetch(new Request(`http://localhost:8788/unisender${path}`, init), bindings)

type Snapshot = {
  apiUrl: string
  demo: { login: string; apiKey: string }
  accounts: {
    login: string
    contactLimit: number
    contactCount: number
    lists: {
      id: number
      title: string
      members: number
      unsubscribed: number
      sample: { email: string; status: string; listStatus: string }[]
    }[]
  }[]
}

describe('inspection', () => {
  it('seeds the demo account once and shows it in JSON', async () => {
    const snap = (await (await get('/inspect.json')).json()) as Snapshot
    const again = (await (await get('/inspect.json')).json()) as Snapshot
    expect(again).toEqual(snap)
    expect(snap.apiUrl).toBe('http://localhost:8788/unisender/ru/api')
    expect(snap.demo).toEqual({ login: DEMO_LOGIN, apiKey: DEMO_API_KEY })
    const demo = snap.accounts.find((a) => a.login === DEMO_LOGIN)!
    expect(demo.contactLimit).toBe(100_000)
    expect(demo.contactCount).toBe(60)
    expect(demo.lists.map((l) => l.title)).toEqual([
      'Все покупатели',
      'Новости магазина',
      'Старая рассылка',
    ])
    const statuses = new Set(demo.lists.flatMap((l) => l.sample.map((m) => m.status)))
    expect(statuses).toEqual(new Set(['active', 'new', 'unsubscribed', 'blocked']))
    expect(demo.lists[1]!.unsubscribed).toBeGreaterThan(0)
  })

  it('renders the page with the demo login and API key', async () => {
    const res = await get('/inspect')
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const page = await res.text()
    expect(page).toContain(DEMO_API_KEY)
    expect(page).toContain('Все покупатели')
    expect(page).toContain('отписан')
  })

  it("pages one list's members", async () => {
    const snap = (await (await get('/inspect.json')).json()) as Snapshot
    const list = snap.accounts.find((a) => a.login === DEMO_LOGIN)!.lists[0]!
    const first = (await (await get(`/inspect.json?list_id=${list.id}&limit=10`)).json()) as {
      members: { contactId: number }[]
      nextAfter: number
    }
    expect(first.members).toHaveLength(10)
    const second = (await (
      await get(`/inspect.json?list_id=${list.id}&limit=10&after=${first.nextAfter}`)
    ).json()) as {
      members: { contactId: number }[]
    }
    expect(second.members[0]!.contactId).toBeGreaterThan(first.nextAfter)
  })

  it('serves the API under /unisender with file links under the same mount', async () => {
    const form = (body: string) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    const lists = await (
      await get('/ru/api/getLists?format=json', form(`api_key=${DEMO_API_KEY}`))
    ).json()
    const listId = (lists as { result: { id: number }[] }).result[0]!.id
    const started = (await (
      await get(
        '/ru/api/async/exportContacts?format=json',
        form(`api_key=${DEMO_API_KEY}&list_id=${listId}&field_names[]=email`)
      )
    ).json()) as { result: { task_uuid: string } }
    let file: string | undefined
    for (let i = 0; i < 5 && !file; i++) {
      const r = (await (
        await get(
          '/ru/api/async/getTaskResult?format=json',
          form(`api_key=${DEMO_API_KEY}&task_uuid=${started.result.task_uuid}`)
        )
      ).json()) as { result: { file_to_download?: string } }
      file = r.result.file_to_download
    }
    expect(file).toMatch(/^http:\/\/localhost:8788\/unisender\/files\/export\/.+\.csv$/)
    const csv = await (await get(file!.replace('http://localhost:8788/unisender', ''))).text()
    // Response.text() drops the BOM (the bytes are checked in export.test.ts)
    expect(csv.split('\r\n')[0]).toBe('"email"')
  })

  it('does not exist when the sandbox is disabled', async () => {
    const res = await sandbox.fetch(new Request('http://localhost:8788/unisender/inspect'), {
      ...bindings,
      SANDBOX_ENABLED: '0',
    })
    expect(res.status).toBe(404)
  })
})
