/**
 * Contact fields in the sync form (#15): the default first name → Name, existing Unisender fields
 * and CRM custom fields offered, a new field name, the 50-field limit, and editing the mapping.
 */
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { listSyncs } from '../../../src/db/queries/syncs'
import { parseFieldMap } from '../../../src/sync'
import { get, post } from '../../support/requests'
import { makeSyncPagesWorld, type SyncPagesWorld, syncFormFields } from '../../support/world'

const db = () => createDb(env.DB)
let w: SyncPagesWorld

beforeEach(async () => {
  w = await makeSyncPagesWorld()
})

/** Form fields with these rows of (source, target). */
function rows(pairs: [string, string][]): Record<string, string> {
  const out: Record<string, string> = { fieldsShown: '1' }
  pairs.forEach(([s, t], i) => {
    out[`fieldSource.${i}`] = s
    out[`fieldTarget.${i}`] = t
  })
  return out
}

describe('sync form: contact fields', () => {
  it('proposes first name → Name, offers CRM custom fields and states the 50-field limit', async () => {
    const html = await (await get(w.session, '/syncs/new')).text()
    expect(html).toContain('Поля контакта в Unisender')
    expect(html).toContain('Unisender принимает не более 50 полей за один импорт.')
    expect(html).toMatch(/<option value="firstName" selected="">Имя<\/option>/)
    expect(html).toContain('value="Name"')
    expect(html).toContain('<option value="cf:loyalty_level">Поле «Уровень лояльности»</option>')
    expect(html).toContain('<datalist id="unisender-fields"><option value="Name"')
  })

  it("saves the mapping, an existing field keeping its type and a new one the source's", async () => {
    const f = await syncFormFields(
      w,
      rows([
        ['firstName', 'Name'],
        ['birthday', 'birthday'],
        ['cf:loyalty_level', 'level'],
      ])
    )
    expect((await post(w.session, '/syncs', f)).status).toBe(303)
    const [s] = await listSyncs(db(), w.tenant.id)
    expect(parseFieldMap(s!.fieldMap)).toEqual([
      { source: 'firstName', target: 'Name', type: 'string' },
      { source: 'birthday', target: 'birthday', type: 'date' },
      { source: 'cf:loyalty_level', target: 'level', type: 'string' },
    ])
  })

  it('switching the default off saves no mapping', async () => {
    expect((await post(w.session, '/syncs', await syncFormFields(w, rows([])))).status).toBe(303)
    const [s] = await listSyncs(db(), w.tenant.id)
    expect(parseFieldMap(s!.fieldMap)).toEqual([])
  })

  it.each([
    [
      'more than 50 fields',
      () => rows(Array.from({ length: 51 }, (_, i) => ['firstName', `f${i}`] as [string, string])),
      'Не более 50 полей',
    ],
    [
      'a bad new name',
      () => rows([['firstName', 'имя клиента']]),
      'Поля «имя клиента» нет в Unisender',
    ],
    [
      'a field given twice',
      () =>
        rows([
          ['firstName', 'Name'],
          ['lastName', 'Name'],
        ]),
      'Поле «Name» указано дважды.',
    ],
    ['a row without data', () => rows([['', 'Name']]), 'Выберите данные RetailCRM'],
  ] as const)('refuses %s, saving nothing', async (_, make, text) => {
    const res = await post(w.session, '/syncs', await syncFormFields(w, make()))
    expect(res.status).toBe(422)
    expect(await res.text()).toContain(text)
    expect(await listSyncs(db(), w.tenant.id)).toEqual([])
  })

  it("shows a sync's mapping on its edit form and keeps it when rows are not submitted", async () => {
    await post(w.session, '/syncs', await syncFormFields(w, rows([['city', 'city']])))
    const [s] = await listSyncs(db(), w.tenant.id)
    const html = await (await get(w.session, `/syncs/${s!.id}/edit`)).text()
    expect(html).toMatch(/<option value="city" selected="">Город<\/option>/)
    await post(w.session, `/syncs/${s!.id}`, await syncFormFields(w, { mode: 'union' }))
    const [after] = await listSyncs(db(), w.tenant.id)
    expect(after!.mode).toBe('union')
    expect(parseFieldMap(after!.fieldMap)).toEqual([
      { source: 'city', target: 'city', type: 'string' },
    ])
  })
})
