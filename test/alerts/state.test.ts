/** The alert states and the events their changes announce (src/alerts/state.ts), pure. */
import { describe, expect, it } from 'vitest'
import {
  alertStateOf,
  chosenEvents,
  chosenUserIds,
  eventFor,
  type SyncAlertInput,
} from '../../src/alerts/state'

const sync = (over: Partial<SyncAlertInput> = {}): SyncAlertInput => ({
  state: 'active',
  pausedReason: null,
  rejectAlertPercent: 20,
  lastRun: null,
  ...over,
})
const run = (status: string, errorCode: string | null = null, read = 100, rejected = 0) => ({
  status,
  errorCode,
  read,
  rejected,
})

describe('alertStateOf', () => {
  it('names every state of the issue', () => {
    expect(alertStateOf(sync())).toBe('idle')
    expect(alertStateOf(sync({ lastRun: run('done') }))).toBe('ok')
    expect(alertStateOf(sync({ lastRun: run('needs_confirmation') }))).toBe('confirm')
    expect(alertStateOf(sync({ lastRun: run('failed', 'plan_limit') }))).toBe('failed')
    expect(alertStateOf(sync({ lastRun: run('failed', 'gave_up') }))).toBe('failed')
    expect(alertStateOf(sync({ lastRun: run('failed', 'unisender_auth') }))).toBe(
      'unisender_broken'
    )
    expect(alertStateOf(sync({ lastRun: run('failed', 'crm_auth') }))).toBe('crm_broken')
    expect(
      alertStateOf(sync({ state: 'paused', pausedReason: 'segment_missing', lastRun: run('done') }))
    ).toBe('segment_deleted')
    expect(alertStateOf(sync({ lastRun: run('failed', 'tenant_inactive') }))).toBe('idle')
    expect(
      alertStateOf(sync({ state: 'paused', pausedReason: 'user', lastRun: run('failed') }))
    ).toBe('idle')
  })

  it('rejects above the sync threshold (default 20%), not at it', () => {
    expect(alertStateOf(sync({ lastRun: run('done', null, 100, 20) }))).toBe('ok')
    expect(alertStateOf(sync({ lastRun: run('done', null, 100, 21) }))).toBe('rejects')
    expect(
      alertStateOf(sync({ rejectAlertPercent: 50, lastRun: run('done', null, 100, 21) }))
    ).toBe('ok')
    expect(alertStateOf(sync({ lastRun: run('done', null, 0, 0) }))).toBe('ok')
  })
})

describe('eventFor', () => {
  it('one event per change, recovery only after a state that needed attention', () => {
    expect(eventFor(null, 'failed')).toBe('failed')
    expect(eventFor('failed', 'failed')).toBeNull()
    expect(eventFor('failed', 'ok')).toBe('recovered')
    expect(eventFor('confirm', 'ok')).toBe('recovered')
    expect(eventFor(null, 'ok')).toBeNull()
    expect(eventFor('idle', 'ok')).toBeNull()
    expect(eventFor('ok', 'idle')).toBeNull()
    expect(eventFor('ok', 'unisender_broken')).toBe('broken')
    expect(eventFor('failed', 'confirm')).toBe('confirm')
    expect(eventFor('ok', 'segment_deleted')).toBe('segment_deleted')
    expect(eventFor('ok', 'rejects')).toBe('rejects')
  })
})

describe('stored settings', () => {
  it('null means all events and the administrators', () => {
    expect(chosenEvents(null).size).toBe(6)
    expect([...chosenEvents('failed,nonsense')]).toEqual(['failed'])
    expect(chosenUserIds(null)).toBeNull()
    expect(chosenUserIds('7, 12,x,-1')).toEqual([7, 12])
  })
})
