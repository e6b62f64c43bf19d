/**
 * What a sync's alert state is, and which message a change of state sends. Pure, so the scheduler's
 * alert pass, the banner and the tests agree. One alert per change of state: the pass stores the
 * state it notified (syncs.alert_state) and sends only when the computed state differs, so a sync
 * that fails on every tick sends one alert, and the first success after it sends one recovery.
 */
import { SEGMENT_MISSING } from '../sync'

/** States that need a person; 'ok' after a successful run, 'idle' when nothing is to be said. */
export const ATTENTION_STATES = [
  'failed',
  'confirm',
  'unisender_broken',
  'crm_broken',
  'segment_deleted',
  'rejects',
] as const
export type AttentionState = (typeof ATTENTION_STATES)[number]
export type AlertState = AttentionState | 'ok' | 'idle'

/** The events a tenant can choose to be notified of (tenants.notify_events). */
export const ALERT_EVENTS = [
  'failed',
  'confirm',
  'broken',
  'segment_deleted',
  'rejects',
  'recovered',
] as const
export type AlertEvent = (typeof ALERT_EVENTS)[number]

/** What the pass knows of one sync: its row and its newest finished or held (non-dry) run. */
export interface SyncAlertInput {
  state: string
  pausedReason: string | null
  rejectAlertPercent: number
  lastRun: {
    status: string
    errorCode: string | null
    /** Customers the run read from the CRM. */
    read: number
    /** Contacts the run could not write: invalid addresses and Unisender refusals. */
    rejected: number
  } | null
}

/** The sync's state now. */
export function alertStateOf(s: SyncAlertInput): AlertState {
  if (s.state === 'paused' && s.pausedReason === SEGMENT_MISSING) return 'segment_deleted'
  if (s.state === 'paused' && s.pausedReason !== 'crm_broken') return 'idle'
  const r = s.lastRun
  if (!r) return 'idle'
  if (r.status === 'needs_confirmation') return 'confirm'
  if (r.status === 'failed') {
    switch (r.errorCode) {
      case 'unisender_auth':
        return 'unisender_broken'
      case 'crm_auth':
        return 'crm_broken'
      case SEGMENT_MISSING:
        return 'segment_deleted'
      // Switched off in the marketplace, or the user removed the account: nothing to alert.
      case 'tenant_inactive':
      case 'account_deleted':
        return 'idle'
      default:
        return 'failed'
    }
  }
  if (r.status === 'done') {
    const over = r.read > 0 && r.rejected * 100 > r.read * s.rejectAlertPercent
    return over ? 'rejects' : 'ok'
  }
  return 'idle'
}

/** True for a state the banner lists. */
export function needsAttention(state: AlertState): state is AttentionState {
  return state !== 'ok' && state !== 'idle'
}

/** The event a change from `prev` (as stored; null = never notified) to `next` announces. */
export function eventFor(prev: string | null, next: AlertState): AlertEvent | null {
  if ((prev ?? 'idle') === next) return null
  if (next === 'ok') return prev && needsAttention(prev as AlertState) ? 'recovered' : null
  if (next === 'idle') return null
  if (next === 'unisender_broken' || next === 'crm_broken') return 'broken'
  return next
}

/** The CRM notification type of an event. */
export function notificationType(event: AlertEvent): 'error' | 'warning' | 'info' {
  if (event === 'recovered') return 'info'
  if (event === 'confirm' || event === 'rejects') return 'warning'
  return 'error'
}

/** Parses tenants.notify_events: null means every event. */
export function chosenEvents(stored: string | null): Set<AlertEvent> {
  if (stored === null) return new Set(ALERT_EVENTS)
  const known = new Set<string>(ALERT_EVENTS)
  return new Set(stored.split(',').filter((e): e is AlertEvent => known.has(e)))
}

/** Parses tenants.notify_user_ids: null or empty means the administrators. */
export function chosenUserIds(stored: string | null): number[] | null {
  const ids = (stored ?? '')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0)
  return ids.length ? ids : null
}
