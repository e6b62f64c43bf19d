/**
 * The sync page, its live progress JSON and the rejects CSV (src/routes/syncs/view.tsx): counts,
 * rejects, hints per error code, notes, and the removal guard's question.
 */
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { listRuns } from '../../../src/db/queries/syncs'
import { runRejects, type Sync } from '../../../src/db/schema'
import { csvCell } from '../../../src/routes/syncs/view'
import { makeRun } from '../../support/fixtures'
import { get, post } from '../../support/requests'
import type { TestSession } from '../../support/session'
import { makeSignedInSync } from '../../support/world'

const db = () => createDb(env.DB)

let tenantId: number
let s: TestSession
let sync: Sync
let sent: unknown[]

beforeEach(async () => {
  ;({ tenantId, session: s, sync, sent } = await makeSignedInSync())
})

const counts = {
  readFromCrm: 1200,
  listBefore: 800,
  added: 410,
  removed: 37,
  unchanged: 700,
  skippedUnsubscribed: 21,
  skippedOptedOut: 13,
  invalid: 9,
  duplicates: 4,
}

describe('the sync page', () => {
  it('names the Unisender list it writes, with its id and a link to it in Unisender', async () => {
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    expect(sync.listId).not.toBeNull()
    expect(html).toContain('Список Unisender')
    expect(html).toContain(`№ ${sync.listId}`)
    const href = html.match(
      /<a href="([^"]+)" target="_blank" rel="noopener noreferrer">открыть в Unisender<\/a>/
    )
    expect(href?.[1]).toMatch(new RegExp(`(/inspect#list-|/cdp/lists/)${sync.listId}$`))
  })

  it('shows every count of a run, its trigger and duration, and the rejects with reasons', async () => {
    const run = await makeRun(tenantId, sync.id, {
      status: 'done',
      trigger: 'schedule',
      counts: JSON.stringify(counts),
      startedAt: 1_000_000,
      finishedAt: 1_000_000 + 65_000,
    })
    await db()
      .insert(runRejects)
      .values([
        { runId: run.id, email: 'bad@@x', reason: 'invalid_email' },
        { runId: run.id, email: 'gone@x.ru', reason: 'unsubscribed_in_unisender' },
        {
          runId: run.id,
          email: '<img src=x>@x.ru',
          reason: 'rejected_by_unisender',
          detail: 'spam trap',
        },
      ])
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    for (const text of [
      'VIP → Клиенты',
      'по расписанию',
      '1 мин 5 с',
      'Прочитано из RetailCRM',
      'В списке до запуска',
      'Пропущено: отписаны в Unisender',
      'Пропущено: отказ от рассылок в RetailCRM',
      'Некорректные email',
      'Повторяющиеся email',
      'Отклонённые контакты: 3',
      'Отписан в Unisender — повторно не подписываем',
      'Некорректный email',
      '&lt;img src=x&gt;@x.ru',
      `/syncs/${sync.id}/runs/${run.id}/rejects.csv`,
    ])
      expect(html).toContain(text)
    expect(html).not.toContain('<img src=x>')
    expect(html.replace(/\s+/g, ' ')).toMatch(/<dt>Добавлено<\/dt><dd>410<\/dd>/)
  })

  it('downloads the rejects as CSV with translated reasons and defused formulas', async () => {
    const run = await makeRun(tenantId, sync.id, { status: 'done' })
    await db()
      .insert(runRejects)
      .values([
        { runId: run.id, email: 'role@x.ru', reason: 'role_address' },
        { runId: run.id, email: '=cmd()@x.ru', reason: 'invalid_email', detail: 'a "quoted" note' },
      ])
    const res = await get(s, `/syncs/${sync.id}/runs/${run.id}/rejects.csv`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect(res.headers.get('content-disposition')).toContain('attachment')
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
    expect(lines).toEqual([
      '"email","reason","reason_text","detail"',
      '"role@x.ru","role_address","Ролевой адрес (info@, admin@ и т. п.)",""',
      `"'=cmd()@x.ru","invalid_email","Некорректный email","ответ Unisender: a ""quoted"" note"`,
    ])
  })

  it('shows "Проверьте ваш тарифный план" on a run failed by the plan limit', async () => {
    await makeRun(tenantId, sync.id, {
      status: 'failed',
      errorCode: 'plan_limit',
      errorMessage: 'The Unisender plan has no room for 500 new contacts',
    })
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    expect(html).toContain('Проверьте ваш тарифный план')
    expect(html).toContain('The Unisender plan has no room for 500 new contacts')
    const list = await (await get(s, '/syncs')).text()
    expect(list).toContain('Проверьте ваш тарифный план')
    expect(list).toContain('Ошибка')
  })

  it('asks to confirm a run held by the removal guard, with the numbers, and confirms it', async () => {
    const run = await makeRun(tenantId, sync.id, {
      status: 'needs_confirmation',
      counts: JSON.stringify({ listBefore: 1000, plannedRemove: 900 }),
    })
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    expect(html).toContain('удалил бы из списка 900 из 1')
    expect(html).toContain('(25%)')
    expect(html).toContain('Подтвердить и продолжить')
    expect((await get(s, '/syncs')).status).toBe(200)
    expect(await (await get(s, '/syncs')).text()).toContain('Нужно подтверждение')
    const res = await post(s, `/syncs/${sync.id}/runs/${run.id}/confirm`, {})
    expect(res.status).toBe(303)
    expect((await listRuns(db(), tenantId, sync.id))[0]!.status).toBe('running')
    expect(sent).toHaveLength(1)
  })

  it('cancels a held run: the list is not touched', async () => {
    const run = await makeRun(tenantId, sync.id, { status: 'needs_confirmation' })
    await post(s, `/syncs/${sync.id}/runs/${run.id}/cancel`, {})
    expect((await listRuns(db(), tenantId, sync.id))[0]!.status).toBe('cancelled')
    expect(sent).toHaveLength(0)
  })

  it('reports live progress as JSON while a run is active', async () => {
    await makeRun(tenantId, sync.id, {
      status: 'running',
      phase: 'diff',
      progressDone: 3,
      progressTotal: 12,
      cursor: JSON.stringify({ partition: 8 }),
    })
    const res = await get(s, `/syncs/${sync.id}/progress`, { accept: 'application/json' })
    expect(await res.json()).toEqual({
      active: true,
      status: 'running',
      done: 3,
      total: 12,
      percent: 65,
      stage: 'diff',
      label: 'Сравнение сегмента со списком: 8 из 16 частей',
    })
    const list = await (await get(s, '/syncs')).text()
    expect(list).toContain(`data-progress-url="/syncs/${sync.id}/progress"`)
    expect(list).toContain('<progress max="100" value="65"')
  })
})

describe('failed runs', () => {
  it('say what to do, by error code, with the technical detail below', async () => {
    await makeRun(tenantId, sync.id, {
      status: 'failed',
      errorCode: 'unisender_auth',
      errorMessage: 'Unisender: Invalid API key',
    })
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    expect(html).toContain('Unisender не принял API-ключ или доступ к API отключён')
    expect(html).toContain('Подробности: Unisender: Invalid API key')
    expect(await (await get(s, '/syncs')).text()).toContain('Unisender не принял API-ключ')
  })

  it('fall back to a generic hint for an unknown code', async () => {
    await makeRun(tenantId, sync.id, { status: 'failed', errorCode: 'weird', errorMessage: 'boom' })
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    expect(html).toContain(
      'Запуск завершился ошибкой. Нажмите «Запустить сейчас», чтобы повторить.'
    )
    expect(html).toContain('Подробности: boom')
  })
})

describe('notes and new error codes', () => {
  it('shows the note of a finished run (e.g. a dry run that would not fit the plan)', async () => {
    await makeRun(tenantId, sync.id, {
      status: 'done',
      dryRun: true,
      errorMessage: 'A real run would fail: 8 are missing',
    })
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    expect(html).toContain('Примечание: A real run would fail: 8 are missing')
  })

  it('labels a run that applied only the history changes, without a list size it did not read', async () => {
    await makeRun(tenantId, sync.id, {
      status: 'done',
      trigger: 'change',
      kind: 'incremental',
      counts: JSON.stringify({ ...counts, readFromCrm: 12, listBefore: 0, unchanged: 0 }),
    })
    const html = (await (await get(s, `/syncs/${sync.id}`)).text()).replace(/\s+/g, ' ')
    expect(html).toContain('по изменениям')
    expect(html).toContain('перечитаны изменившиеся покупатели (12)')
    expect(html).not.toContain('В списке до запуска')
    expect(html).toMatch(/<dt>Удалено из списка<\/dt><dd>37<\/dd>/)
  })

  it('explains a segment deleted in RetailCRM', async () => {
    await makeRun(tenantId, sync.id, { status: 'failed', errorCode: 'segment_missing' })
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    expect(html).toContain('Сегмент больше не существует в RetailCRM; список не изменён.')
  })
})

describe('csvCell', () => {
  it('quotes, doubles quotes and defuses formula starts', () => {
    expect(csvCell('a@b.ru')).toBe('"a@b.ru"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    for (const start of ['=', '+', '-', '@']) expect(csvCell(`${start}x`)).toBe(`"'${start}x"`)
  })
})
