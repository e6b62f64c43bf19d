/**
 * Loads the "syncs need attention" banner (src/alerts/attention.ts) for every signed-in page view,
 * so the Layout can show it on every page. Only for GET pages: a POST answers with a redirect, and
 * JSON reads (the progress poll) render no banner.
 */
import type { MiddlewareHandler } from 'hono'
import { syncsNeedingAttention } from '../alerts/attention'
import type { AppEnv } from '../env'
import { translator } from '../i18n'

/** Mounted app-wide after the session gate; does nothing without a session. */
export const attentionBanner: MiddlewareHandler<AppEnv> = async (c, next) => {
  const tenant = c.get('tenant')
  const accept = c.req.header('accept') ?? ''
  const json = accept.includes('application/json') && !accept.includes('text/html')
  if (tenant && c.req.method === 'GET' && !json) {
    const allCustomers = translator(c.get('locale') === 'en' ? 'en' : 'ru')('banner.allCustomers')
    c.set('attention', await syncsNeedingAttention(c.env.DB, tenant.id, allCustomers))
  }
  await next()
}
