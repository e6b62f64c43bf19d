/**
 * The inspection page (/inspect, Russian labels) and its JSON twin (/inspect.json): every account,
 * each list with member counts and its first members with statuses, pages of one list's members,
 * and the demo account's login and API key that the user copies into the module.
 */
import { Hono } from 'hono'
import { html, raw } from 'hono/html'
import type { SandboxAppEnv } from '../env'
import { listMembers, type Member } from './accounts'
import { mountBase } from './base-url'
import { DEMO_LOGIN } from './demo'
import { valuesOf } from './fields'
import type { SandboxState } from './state'
import { type Account, getLists, listAccounts } from './store'

const SAMPLE = 50

interface ListView {
  id: number
  title: string
  members: number
  unsubscribed: number
  sample: Member[]
}

/** Counts and the first members of each list of an account. */
async function listViews(db: D1Database, account: Account, sample: number): Promise<ListView[]> {
  const lists = await getLists(db, account.id)
  return Promise.all(
    lists.map(async (l) => {
      const { results } = await db
        .prepare('SELECT status, count(*) AS n FROM uni_members WHERE list_id = ? GROUP BY status')
        .bind(l.id)
        .all<{ status: string; n: number }>()
      const count = (s: string) => results.find((r) => r.status === s)?.n ?? 0
      return {
        ...l,
        members: count('active') + count('unsubscribed'),
        unsubscribed: count('unsubscribed'),
        sample: await listMembers(db, l.id, { limit: sample }),
      }
    })
  )
}

async function snapshot(db: D1Database, apiUrl: string) {
  const accounts = await listAccounts(db)
  const demo = accounts.find((a) => a.login === DEMO_LOGIN)
  return {
    apiUrl,
    demo: demo ? { login: demo.login, apiKey: demo.apiKey } : null,
    accounts: await Promise.all(
      accounts.map(async (a) => ({
        login: a.login,
        testMode: a.testMode,
        apiEnabled: a.apiEnabled,
        contactLimit: a.contactLimit,
        contactCount: a.contactCount,
        lists: await listViews(db, a, SAMPLE),
      }))
    ),
  }
}

const STATUS_RU: Record<string, string> = {
  new: 'новый',
  invited: 'приглашён',
  active: 'активен',
  inactive: 'отключён',
  unsubscribed: 'отписан',
  blocked: 'заблокирован',
  activation_requested: 'запрошена активация',
}

function membersTable(members: Member[]) {
  return html`<table><tr><th>Email</th><th>Статус контакта</th><th>В списке</th></tr>${members.map(
    (m) =>
      html`<tr><td>${m.email}</td><td>${STATUS_RU[m.status] ?? m.status}</td><td>${
        m.listStatus === 'active' ? 'подписан' : 'отписан от списка'
      }</td></tr>`
  )}</table>`
}

function page(title: string, body: unknown) {
  return html`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}code{background:#f3f3f3;padding:.1rem .3rem}</style>
</head><body>${body}</body></html>`
}

/** GET /inspect, /inspect.json and /inspect/lists/:id (one list's members, paged). */
export function inspectRoutes(_state: SandboxState) {
  const app = new Hono<SandboxAppEnv>()
  app.get('/inspect.json', async (c) => {
    const base = mountBase(c.req.url, '/inspect.json')
    const listId = c.req.query('list_id')
    if (listId) {
      const after = Number(c.req.query('after') ?? 0)
      const limit = Math.min(Number(c.req.query('limit') ?? 1000), 10_000)
      const members = await listMembers(c.env.SANDBOX_DB, Number(listId), { after, limit })
      const last = members[members.length - 1]
      // Each member's user-field values (#15), e.g. {"Name": "Анна"}.
      const values = await valuesOf(
        c.env.SANDBOX_DB,
        members.map((m) => m.contactId)
      )
      return c.json({
        listId: Number(listId),
        members: members.map((m) => ({
          ...m,
          fields: Object.fromEntries(values.get(m.contactId) ?? []),
        })),
        nextAfter: members.length === limit && last ? last.contactId : null,
      })
    }
    return c.json(await snapshot(c.env.SANDBOX_DB, `${base}/ru/api`))
  })
  app.get('/inspect', async (c) => {
    const base = mountBase(c.req.url, '/inspect')
    const snap = await snapshot(c.env.SANDBOX_DB, `${base}/ru/api`)
    const demo = snap.demo
      ? html`<p>Демо-аккаунт Unisender — скопируйте в модуль: логин <code>${snap.demo.login}</code>,
API-ключ <code>${snap.demo.apiKey}</code>. Адрес API эмулятора: <code>${snap.apiUrl}</code>.</p>`
      : ''
    const accounts = snap.accounts.map(
      (a) => html`<h2>Аккаунт ${a.login}</h2>
<p>Контактов: ${a.contactCount} из ${a.contactLimit} по тарифу${a.testMode ? raw(' · <b>тестовый режим</b>') : ''}${
        a.apiEnabled ? '' : raw(' · <b>API отключён</b>')
      }</p>
${a.lists.map(
  (
    l
  ) => html`<h3 id="list-${l.id}">${l.title} (id ${l.id})</h3><p>Участников: ${l.members}, из них отписались от списка:
${l.unsubscribed}. ${l.members > l.sample.length ? html`Показаны первые ${l.sample.length}.` : ''}</p>
${membersTable(l.sample)}`
)}`
    )
    return c.html(page('Эмулятор Unisender', html`<h1>Эмулятор Unisender</h1>${demo}${accounts}`))
  })
  return app
}
