/**
 * Times are shown in the shop's time zone with the zone said (#13 point 14): Moscow (the default
 * while the CRM's zone is unknown) as МСК / MSK, another zone by its UTC offset.
 */
import { describe, expect, it } from 'vitest'
import { formatClock, formatTime, ShopTimeZone } from '../../../src/ui/components/sync-bits'

/** 12:04 UTC on 26.11.2026. */
const AT = Date.UTC(2026, 10, 26, 12, 4)

function Clock(p: { locale: 'ru' | 'en' }) {
  return <span>{formatTime(p.locale, AT)}</span>
}

const render = (zone: string | null, locale: 'ru' | 'en' = 'ru') =>
  (
    <ShopTimeZone.Provider value={zone}>
      <Clock locale={locale} />
    </ShopTimeZone.Provider>
  ).toString()

describe('times in the shop time zone', () => {
  it('uses Moscow time, labelled, while the zone is unknown', async () => {
    expect(await render(null)).toBe('<span>26.11.2026, 15:04 МСК</span>')
    expect(await render(null, 'en')).toBe('<span>26/11/2026, 15:04 MSK</span>')
  })

  it('uses the CRM zone and names its offset', async () => {
    expect(await render('Asia/Yekaterinburg')).toBe('<span>26.11.2026, 17:04 GMT+5</span>')
    expect(await render('Europe/Kaliningrad', 'en')).toBe('<span>26/11/2026, 14:04 GMT+2</span>')
  })

  it('takes an explicit zone outside a render', () => {
    expect(formatTime('ru', AT, 'Asia/Vladivostok')).toBe('26.11.2026, 22:04 GMT+10')
    expect(formatClock('ru', AT)).toBe('15:04 МСК')
  })
})
