/**
 * The "Уведомления" page's settings: who is notified (the CRM's administrators, or chosen CRM user
 * ids), which events, and per sync a mute switch and the reject threshold. Read and written here so
 * the route stays thin; the form is checked with zod (every field is an input edge).
 */
import { and, asc, eq, isNull, ne, or } from 'drizzle-orm'
import { z } from 'zod'
import type { Db } from '../db/client'
import { syncs, tenants } from '../db/schema'
import { ALERT_EVENTS, type AlertEvent, chosenEvents, chosenUserIds } from './state'

/** One sync's line on the page. */
export interface SyncAlertSetting {
  id: number
  segmentName: string | null
  allCustomers: boolean
  listTitle: string
  muted: boolean
  rejectPercent: number
}

export interface NotificationSettings {
  /** null: every administrator (userGroups superadmins). */
  userIds: number[] | null
  events: Set<AlertEvent>
  syncs: SyncAlertSetting[]
  /** Why the CRM refused the last notification, and when; null once one went through. */
  lastError: { reason: string; at: number } | null
}

/** Reads a tenant's settings. */
export async function loadNotificationSettings(
  db: Db,
  tenantId: number
): Promise<NotificationSettings> {
  const [t] = await db
    .select({
      ids: tenants.notifyUserIds,
      events: tenants.notifyEvents,
      error: tenants.notifyError,
      errorAt: tenants.notifyErrorAt,
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
  const rows = await db
    .select({
      id: syncs.id,
      segmentName: syncs.segmentName,
      allCustomers: syncs.allCustomers,
      listTitle: syncs.listTitle,
      muted: syncs.alertMuted,
      rejectPercent: syncs.rejectAlertPercent,
    })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), notDraft))
    .orderBy(asc(syncs.id))
  return {
    userIds: chosenUserIds(t?.ids ?? null),
    events: chosenEvents(t?.events ?? null),
    syncs: rows,
    lastError: t?.error ? { reason: t.error, at: t.errorAt ?? 0 } : null,
  }
}

const notDraft = or(isNull(syncs.pausedReason), ne(syncs.pausedReason, 'draft'))

/** The form as posted: recipients, userIds, event_<key>, mute_<syncId>, reject_<syncId>. */
export const NotificationFormSchema = z
  .object({
    recipients: z.enum(['admins', 'users']),
    userIds: z.string().max(500).optional().default(''),
  })
  .catchall(z.string().max(200))
  .transform((f, ctx) => {
    const ids = f.userIds
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map(Number)
    if (
      f.recipients === 'users' &&
      (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n <= 0 || n > 2 ** 31))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['userIds'],
        message: 'user ids must be positive whole numbers',
      })
      return z.NEVER
    }
    const events = ALERT_EVENTS.filter((e) => f[`event_${e}`] === '1')
    const perSync = new Map<number, { muted: boolean; rejectPercent: number | null }>()
    for (const [k, v] of Object.entries(f)) {
      const m = /^(mute|reject)_(\d{1,10})$/.exec(k)
      if (!m) continue
      const id = Number(m[2])
      const cur = perSync.get(id) ?? { muted: false, rejectPercent: null }
      if (m[1] === 'mute') cur.muted = v === '1'
      else {
        const p = Number(v)
        if (!Number.isInteger(p) || p < 1 || p > 100) {
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: 'must be a whole number from 1 to 100',
          })
          return z.NEVER
        }
        cur.rejectPercent = p
      }
      perSync.set(id, cur)
    }
    return { userIds: f.recipients === 'users' ? ids : null, events, perSync }
  })
export type NotificationForm = z.output<typeof NotificationFormSchema>

/**
 * Saves the settings. Syncs not on the form keep theirs; a sync on it without its mute box is
 * unmuted (an unticked checkbox is not posted). Only the tenant's own syncs are touched.
 */
export async function saveNotificationSettings(
  db: Db,
  tenantId: number,
  form: NotificationForm,
  shownSyncIds: readonly number[],
  now: number
): Promise<void> {
  const all = form.events.length === ALERT_EVENTS.length
  const stmts = [
    db
      .update(tenants)
      .set({
        notifyUserIds: form.userIds ? form.userIds.join(',') : null,
        notifyEvents: all ? null : form.events.join(','),
        updatedAt: now,
      })
      .where(eq(tenants.id, tenantId)),
    ...shownSyncIds.map((id) => {
      const s = form.perSync.get(id)
      return db
        .update(syncs)
        .set({
          alertMuted: s?.muted ?? false,
          ...(s?.rejectPercent ? { rejectAlertPercent: s.rejectPercent } : {}),
        })
        .where(and(eq(syncs.id, id), eq(syncs.tenantId, tenantId)))
    }),
  ]
  await db.batch(stmts as [(typeof stmts)[number], ...(typeof stmts)[number][]])
}
