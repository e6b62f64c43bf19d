/**
 * GET/POST /notifications: the alert settings page, in the module's menu ("Уведомления"). The
 * marketplace's settings button (actions.settings) is a server-to-server callback, not a page a
 * person lands on (docs/retailcrm.md §8), so the settings live here.
 */
import { type Context, Hono } from 'hono'
import {
  loadNotificationSettings,
  NotificationFormSchema,
  saveNotificationSettings,
} from '../alerts/settings'
import { ALERT_EVENTS } from '../alerts/state'
import type { AppEnv } from '../env'
import { formatTime } from '../ui/components/sync-bits'
import { NotificationsPage } from '../ui/pages/notifications'
import { renderer, tr, uiLocale } from '../ui/renderer'

export const notifications = new Hono<AppEnv>()
notifications.use(renderer)

async function page(c: Context<AppEnv>, status: 200 | 400, userIdsError?: string) {
  const t = tr(c)
  const s = await loadNotificationSettings(c.var.db, c.var.tenant.id)
  const allCustomers = t('banner.allCustomers')
  const at = (ms: number) => formatTime(uiLocale(c), ms, c.var.tenant.timeZone)
  c.status(status)
  return c.render(
    <NotificationsPage
      t={t}
      csrf={c.var.csrfToken}
      userIds={s.userIds}
      events={s.events}
      eventKeys={ALERT_EVENTS}
      syncs={s.syncs.map((x) => ({
        id: x.id,
        name: `${x.allCustomers ? allCustomers : (x.segmentName ?? '?')} → ${x.listTitle}`,
        muted: x.muted,
        rejectPercent: x.rejectPercent,
      }))}
      lastError={s.lastError ? { reason: s.lastError.reason, at: at(s.lastError.at) } : null}
      userIdsError={userIdsError}
    />,
    {
      title: t('notify.title'),
      active: 'notifications',
      flash: c.req.query('done') === 'saved' ? t('notify.saved') : undefined,
    }
  )
}

notifications.get('/', (c) => page(c, 200))

notifications.post('/', async (c) => {
  const raw = await c.req.parseBody()
  const form = NotificationFormSchema.safeParse(raw)
  if (!form.success) return page(c, 400, tr(c)('notify.badUserIds'))
  const shown = Object.keys(raw)
    .map((k) => /^shown_(\d{1,10})$/.exec(k)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
  await saveNotificationSettings(c.var.db, c.var.tenant.id, form.data, shown, Date.now())
  return c.redirect('/notifications?done=saved', 303)
})
