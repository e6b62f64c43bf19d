/**
 * The progress label says when a step that backs off will be retried (issue #16, point 6), in
 * Moscow time like the UI's other times (zone named), in both languages; only while the run is active.
 */
import { describe, expect, it } from 'vitest'
import type { Run } from '../../../src/db/schema'
import { translator } from '../../../src/i18n'
import { progressLabel } from '../../../src/ui/components/sync-bits'

/** 15:04 in Moscow (UTC+3). */
const RETRY_AT = Date.UTC(2026, 10, 26, 12, 4)

function run(over: Partial<Run>): Run {
  return {
    status: 'running',
    phase: 'write',
    counts: JSON.stringify({ plannedAdd: 10, plannedRemove: 2, added: 3 }),
    progressDone: 3,
    progressTotal: 12,
    cursor: JSON.stringify({ v: 4, retryAt: RETRY_AT }),
    ...over,
  } as Run
}

describe('progressLabel while a step backs off', () => {
  it('says until when the run waits, in Russian and in English', () => {
    expect(progressLabel(translator('ru'), 'ru', run({}))).toBe(
      'Запись в Unisender: 3 из 12 контактов · Ожидание повтора до 15:04 МСК'
    )
    expect(progressLabel(translator('en'), 'en', run({}))).toBe(
      'Writing to Unisender: 3 of 12 contacts · Waiting to retry at 15:04 MSK'
    )
  })

  it('also before the run has started', () => {
    expect(progressLabel(translator('ru'), 'ru', run({ status: 'queued' }))).toBe(
      'Ожидает начала · Ожидание повтора до 15:04 МСК'
    )
  })

  it('says nothing of retries when none is due or the run is over', () => {
    const plain = run({ cursor: JSON.stringify({ v: 5, retryAt: null }) })
    const label = 'Запись в Unisender: 3 из 12 контактов'
    expect(progressLabel(translator('ru'), 'ru', plain)).toBe(label)
    expect(progressLabel(translator('ru'), 'ru', run({ cursor: '{}' }))).toBe(label)
    expect(progressLabel(translator('ru'), 'ru', run({ status: 'failed' }))).toBe(label)
  })
})
