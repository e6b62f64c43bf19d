/**
 * On a sync's page (issue #13, what a shop owner expects): the removal guard's threshold in words,
 * adjustable per sync, and a server-rendered SVG of the list's size and each run's changes.
 */
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { getSync } from '../../../src/db/queries/syncs'
import type { Sync } from '../../../src/db/schema'
import { makeRun } from '../../support/fixtures'
import { get, post } from '../../support/requests'
import type { TestSession } from '../../support/session'
import { makeSignedInSync } from '../../support/world'

const db = () => createDb(env.DB)
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()

let tenantId: number
let s: TestSession
let sync: Sync

beforeEach(async () => {
  ;({ tenantId, session: s, sync } = await makeSignedInSync())
})

describe('the removal guard on the sync page', () => {
  it('says its threshold and saves a new one for this sync only', async () => {
    const page = text(await (await get(s, `/syncs/${sync.id}`)).text())
    expect(page).toContain(
      `Запуск ждёт подтверждения, если удаляет больше ${sync.guardPercent} % списка и не меньше ${sync.guardMinCount} контактов.`
    )
    const res = await post(s, `/syncs/${sync.id}/guard`, {
      guardPercent: '10',
      guardMinCount: '50',
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/syncs/${sync.id}?done=guardSaved#guard`)
    const saved = await getSync(db(), tenantId, sync.id)
    expect([saved!.guardPercent, saved!.guardMinCount]).toEqual([10, 50])
    const after = text(await (await get(s, `/syncs/${sync.id}?done=guardSaved`)).text())
    expect(after).toContain('Порог защиты сохранён.')
    expect(after).toContain('больше 10 % списка и не меньше 50 контактов')
  })

  it('refuses a threshold out of range and keeps the old one', async () => {
    const bad: [string, string][] = [
      ['0', '50'],
      ['101', '50'],
      ['10', '0'],
      ['abc', '5'],
    ]
    for (const [guardPercent, guardMinCount] of bad) {
      const res = await post(s, `/syncs/${sync.id}/guard`, { guardPercent, guardMinCount })
      expect(res.headers.get('location')).toBe(`/syncs/${sync.id}?done=guardInvalid#guard`)
    }
    const kept = await getSync(db(), tenantId, sync.id)
    expect(kept!.guardPercent).toBe(sync.guardPercent)
    const page = await (await get(s, `/syncs/${sync.id}?done=guardInvalid`)).text()
    expect(page).toContain('flash-warning')
  })
})

describe('the list chart', () => {
  it('draws the list size after each finished run and its additions and removals', async () => {
    const at = Date.UTC(2026, 10, 20, 9, 0)
    const runs = [
      { listBefore: 800, added: 300, removed: 0 },
      { listBefore: 1100, added: 150, removed: 40 },
      { listBefore: 1210, added: 0, removed: 0 },
    ]
    for (const [i, c] of runs.entries())
      await makeRun(tenantId, sync.id, {
        status: 'done',
        counts: JSON.stringify(c),
        createdAt: at + i * 3_600_000,
        finishedAt: at + i * 3_600_000 + 60_000,
      })
    // A failed run is not a point of the chart.
    await makeRun(tenantId, sync.id, {
      status: 'failed',
      counts: JSON.stringify({ listBefore: 1210 }),
      createdAt: at + 4 * 3_600_000,
    })
    const html = await (await get(s, `/syncs/${sync.id}`)).text()
    const svg = /<svg[^>]*class="chart-svg"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? ''
    expect(svg).toContain('role="img"')
    expect(svg.match(/<circle/g)).toHaveLength(3)
    expect(svg.match(/class="chart-added"/g)).toHaveLength(2)
    expect(svg.match(/class="chart-removed"/g)).toHaveLength(1)
    expect(text(html)).toContain(
      'Размер списка после 3 последних запусков: от 1 100 до 1 210, сейчас 1 210.'
    )
    expect(text(svg)).toContain('в списке 1 100, добавлено 300, удалено 0')
  })

  it('is not drawn before there are two runs to compare', async () => {
    await makeRun(tenantId, sync.id, { status: 'done', counts: '{"listBefore":5}' })
    expect(await (await get(s, `/syncs/${sync.id}`)).text()).not.toContain('chart-svg')
  })
})

describe('chartPoints', () => {
  it('leaves out dry runs and carries the size through incremental runs', async () => {
    const { chartPoints } = await import('../../../src/ui/components/list-chart')
    const run = (o: object) => ({ status: 'done', dryRun: false, kind: 'full', createdAt: 1, ...o })
    const pts = chartPoints([
      run({ createdAt: 3, kind: 'incremental', counts: '{"added":5,"removed":1}' }),
      run({ createdAt: 2, dryRun: true, counts: '{"listBefore":10,"plannedAdd":99}' }),
      run({ createdAt: 1, counts: '{"listBefore":10,"added":2}' }),
    ] as never)
    expect(pts.map((p) => p.size)).toEqual([12, 16])
  })
})
