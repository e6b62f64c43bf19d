/**
 * Flash lines after a redirect (issue #13, point 10): in the right tone — a started run is news,
 * "already running" a warning, only finished changes a success — and marked for app.js, which
 * drops ?done= from the address so a reload does not repeat them (test/browser/ui.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { get } from '../support/requests'
import { makeSignedInSync } from '../support/world'

describe('flash lines', () => {
  it('have the tone of what happened', async () => {
    const { session: s, sync } = await makeSignedInSync()
    const page = async (path: string) => (await (await get(s, path)).text()).replace(/\s+/g, ' ')
    expect(await page(`/syncs/${sync.id}?done=running`)).toMatch(
      /<p class="flash flash-warning" role="status" data-flash[^>]*>Запуск уже идёт/
    )
    expect(await page(`/syncs/${sync.id}?done=started`)).toMatch(
      /<p class="flash flash-info" role="status" data-flash[^>]*>Запуск начат\./
    )
    expect(await page('/syncs?done=deleted')).toContain('class="flash flash-success"')
    expect(await page('/accounts?done=saved')).toContain('class="flash flash-success"')
    expect(await page(`/syncs/${sync.id}`)).not.toContain('class="flash')
  })
})
