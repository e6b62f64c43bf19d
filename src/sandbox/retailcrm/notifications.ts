/**
 * `POST /api/v5/notifications/send` (form field `notification` = JSON `{type, message, userGroups |
 * userIds}`; shape from the official PHP and Go SDKs, docs/retailcrm.md §8): checked, stored per
 * shop and shown on the sandbox shop page, so alerts the module sends can be seen. UNCONFIRMED in the
 * real API and decided here: the scope it needs (none beyond a valid key: the module must not make
 * one a condition of registration) and the longest message (MESSAGE_MAX; longer is refused with 400).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { CrmEnv } from './context'
import { crmError } from './params'

/** The emulator's longest message (UNCONFIRMED in the real API). */
export const MESSAGE_MAX = 1000

const notificationSchema = z
  .object({
    type: z.enum(['error', 'warning', 'info']),
    message: z.string().trim().min(1).max(MESSAGE_MAX),
    userGroups: z.array(z.string().min(1)).min(1).optional(),
    userIds: z.array(z.number().int().positive()).min(1).optional(),
  })
  .refine((n) => Boolean(n.userGroups) !== Boolean(n.userIds), {
    message: 'Exactly one of userGroups and userIds is required',
    path: ['userGroups'],
  })

export type SandboxNotification = z.infer<typeof notificationSchema> & { at: number }

/** The route, mounted at /v5/notifications. */
export function notificationRoutes(now: () => number) {
  const app = new Hono<CrmEnv>()
  app.post('/send', async (c) => {
    const raw = (await c.req.parseBody()).notification
    if (typeof raw !== 'string' || raw === '')
      return c.json(crmError("Parameter 'notification' is missing"), 400)
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      return c.json(crmError('Errors in the entity format', { notification: 'Invalid JSON' }), 400)
    }
    const parsed = notificationSchema.safeParse(json)
    if (!parsed.success) {
      const errors = Object.fromEntries(
        parsed.error.issues.map((i) => [i.path.join('.') || 'notification', i.message])
      )
      return c.json(crmError('Errors in the entity format', errors), 400)
    }
    await c.env.SANDBOX_DB.prepare(
      'INSERT INTO crm_notifications (shop, at, data) VALUES (?, ?, ?)'
    )
      .bind(c.get('shop').code, now(), JSON.stringify(parsed.data))
      .run()
    return c.json({ success: true })
  })
  return app
}

/** The newest notifications of a shop, for its sandbox page and tests. */
export async function listNotifications(
  db: D1Database,
  shop: string,
  limit = 20
): Promise<SandboxNotification[]> {
  const { results } = await db
    .prepare('SELECT at, data FROM crm_notifications WHERE shop = ? ORDER BY id DESC LIMIT ?')
    .bind(shop, limit)
    .all<{ at: number; data: string }>()
  return results.map((r) => ({ ...JSON.parse(r.data), at: r.at }))
}
