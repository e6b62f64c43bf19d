import { describe, expect, it } from 'vitest'
import type { Run } from '../../src/db/schema'
import { durationParts, progressOf, syncViewState } from '../../src/ui/sync-view'

const active = { state: 'active' as const, pausedReason: null }
const paused = { state: 'paused' as const, pausedReason: 'user' }
const draft = { state: 'paused' as const, pausedReason: 'draft' }
const run = (status: Run['status']) => ({ status })

describe('syncViewState', () => {
  it.each([
    [active, null, 'never'],
    [active, run('queued'), 'queued'],
    [active, run('running'), 'running'],
    [active, run('needs_confirmation'), 'needs_confirmation'],
    [active, run('failed'), 'failed'],
    [active, run('done'), 'ok'],
    [active, run('cancelled'), 'cancelled'],
    [paused, run('done'), 'paused'],
    [paused, run('failed'), 'paused'],
    [paused, run('running'), 'running'],
    [draft, run('done'), 'draft'],
    [draft, run('running'), 'running'],
    [draft, null, 'draft'],
  ] as const)('%o with last run %o is %s', (sync, last, expected) => {
    expect(syncViewState(sync, last)).toBe(expected)
  })
})

describe('progress and duration', () => {
  it('clamps progress and reports an unknown total as 0', () => {
    expect(progressOf({ progressDone: 5, progressTotal: 10 })).toEqual({ done: 5, total: 10 })
    expect(progressOf({ progressDone: 15, progressTotal: 10 })).toEqual({ done: 10, total: 10 })
    expect(progressOf({ progressDone: 0, progressTotal: 0 })).toEqual({ done: 0, total: 0 })
  })

  it('measures from start to finish, or to now while running', () => {
    const base = { createdAt: 0, startedAt: 1000, finishedAt: 1000 + 3_725_000 }
    expect(durationParts(base, 0)).toEqual({ h: 1, m: 2, s: 5 })
    expect(durationParts({ ...base, finishedAt: null }, 31_000)).toEqual({ h: 0, m: 0, s: 30 })
    expect(durationParts({ ...base, startedAt: null }, 5000)).toBeNull()
  })
})
