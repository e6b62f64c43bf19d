/**
 * Loads the "syncs need attention" banner (src/alerts/attention.ts) for every signed-in page view,
 * so the Layout can show it on every page. Only for GET: a POST answers with a redirect.
 */
import type { MiddlewareHandler } from 'hono'
import { syncsNeedingAttention } from '../alerts/attention'
import type { AppEnv } from '../env'
import { translator } from '../i18n'

/** Mounted app-wide after the session gate; does nothing without a session. */
export const attentionBanner: MiddlewareHandler<AppEnv> = async (c, next) => {
  const tenant = c.get('tenant')
  if (tenant && c.req.method === 'GET') {
    const allCustomers = translator(c.get('locale') === 'en' ? 'en' : 'ru')('banner.allCustomers')
    c.set('attention', await syncsNeedingAttention(c.env.DB, tenant.id, allCustomers))
  }
  await next()
}
