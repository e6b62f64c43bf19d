/**
 * Rejected contacts on the sync page (issue #13, point 11): details in the UI's language, what the
 * table shows and what the CSV holds, and counts that describe what the sync's mode did.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { runRejects } from '../../../src/db/schema'
import { makeAccount, makeRun, makeSync } from '../../support/fixtures'
import { get } from '../../support/requests'
import { loginAs, makeConnectedTenant } from '../../support/session'

const db = () => createDb(env.DB)

async function signedInSync(mode: 'exact' | 'subtract' = 'exact') {
  const tenantId = (await makeConnectedTenant()).tenant.id
  const s = await loginAs(tenantId)
  const account = await makeAccount(tenantId, { login: 'shop' })
  const sync = await makeSync(tenantId, account.id, {
    segmentName: 'VIP',
    listTitle: 'Клиенты',
    mode,
  })
  return { tenantId, s, sync }
}

/** Visible text of the page, tags dropped and spaces folded. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()

describe('rejected contacts', () => {
  it('explain their details in Russian, not in the engine’s or Unisender’s English', async () => {
    const { tenantId, s, sync } = await signedInSync()
    const run = await makeRun(tenantId, sync.id, { status: 'done' })
    await db()
      .insert(runRejects)
      .values([
        { runId: run.id, email: 'bad@@x', reason: 'invalid_email', detail: 'customer 4907' },
        {
          runId: run.id,
          email: 'info@shop.ru',
          reason: 'role_address',
          detail: 'Role address "info@shop.ru" is not imported',
        },
      ])
    const page = text(await (await get(s, `/syncs/${sync.id}`)).text())
    expect(page).toContain('(покупатель № 4907 в RetailCRM)')
    expect(page).toContain('(Unisender не принимает ролевые адреса)')
    expect(page).not.toContain('customer 4907')
    expect(page).not.toContain('is not imported')
    const en = text(await (await get(s, `/syncs/${sync.id}?lang=en`)).text())
    expect(en).toContain('(RetailCRM customer #4907)')
  })

  it('say what the table shows and what the CSV holds when the run kept only the first 1,000', async () => {
    const { tenantId, s, sync } = await signedInSync()
    const run = await makeRun(tenantId, sync.id, {
      status: 'done',
      counts: JSON.stringify({ readFromCrm: 5000, invalid: 1005, duplicates: 200 }),
    })
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      runId: run.id,
      email: `bad${i}@@x`,
      reason: 'invalid_email',
    }))
    for (let i = 0; i < rows.length; i += 25)
      await db()
        .insert(runRejects)
        .values(rows.slice(i, i + 25))
    const page = text(await (await get(s, `/syncs/${sync.id}`)).text())
    expect(page).toContain('Отклонённые контакты: 1 205')
    expect(page).toContain(
      'В таблице — первые 50 из 1 205; в CSV — первые 1 000: модуль хранит не больше 1 000 адресов за запуск.'
    )
  })

  it('say the CSV holds all of them when nothing was capped', async () => {
    const { tenantId, s, sync } = await signedInSync()
    const run = await makeRun(tenantId, sync.id, { status: 'done' })
    const rows = Array.from({ length: 60 }, (_, i) => ({
      runId: run.id,
      email: `bad${i}@@x`,
      reason: 'invalid_email',
    }))
    for (let i = 0; i < rows.length; i += 25)
      await db()
        .insert(runRejects)
        .values(rows.slice(i, i + 25))
    const page = text(await (await get(s, `/syncs/${sync.id}`)).text())
    expect(page).toContain('В таблице — первые 50 из 60; в CSV — все 60.')
  })

  it('in subtraction mode, do not call removed opted-out members skipped', async () => {
    const { tenantId, s, sync } = await signedInSync('subtract')
    await makeRun(tenantId, sync.id, {
      status: 'done',
      counts: JSON.stringify({ readFromCrm: 900, listBefore: 2000, removed: 850, unchanged: 1150 }),
    })
    const page = text(await (await get(s, `/syncs/${sync.id}`)).text())
    expect(page).toContain('Удалено из списка 850')
    expect(page).not.toContain('Пропущено: отказ от рассылок')
    expect(page).not.toContain('Пропущено: отписаны в Unisender')
    expect(page).not.toContain('Добавлено')
  })
})
