/** GET /faq: "Частые вопросы", in the session's language. */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { faqEntries } from '../i18n/faq'
import { FaqPage } from '../ui/pages/faq'
import { renderer, tr, uiLocale } from '../ui/renderer'

export const faq = new Hono<AppEnv>()
faq.use(renderer)
faq.get('/', (c) => {
  const t = tr(c)
  return c.render(<FaqPage t={t} entries={faqEntries(uiLocale(c))} />, {
    title: t('nav.faq'),
    active: 'faq',
  })
})
