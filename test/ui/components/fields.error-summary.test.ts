/**
 * The error summary above a form lists every error, each linked to its field (issue #13, point 14):
 * the sync form with three errors and the account form with two.
 */
import { describe, expect, it } from 'vitest'
import { post } from '../../support/requests'
import { loginAs, makeConnectedTenant } from '../../support/session'
import { makeSyncPagesWorld } from '../../support/world'

/** The items of the summary box. */
function summary(html: string): string[] {
  const box = /<section class="alert alert-error"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? ''
  return [...box.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''))
}

describe('error summary', () => {
  it('lists all three errors of an empty sync form, linked to their fields', async () => {
    const w = await makeSyncPagesWorld()
    const html = await (await post(w.session, '/syncs', { intent: 'save' })).text()
    const items = summary(html)
    expect(items).toContain('Выберите сегмент или отметьте «Выгрузить всех покупателей».')
    expect(items.length).toBeGreaterThanOrEqual(3)
    expect(html).toContain('href="#segmentId"')
    expect(html).toContain('href="#mode-exact"')
  })

  it('lists both errors of an empty account form', async () => {
    const s = await loginAs((await makeConnectedTenant()).tenant.id)
    const html = await (await post(s, '/accounts', { login: '', apiKey: '' })).text()
    const items = summary(html)
    expect(items).toEqual(['Укажите логин Unisender.', 'Укажите API-ключ.'])
  })
})
