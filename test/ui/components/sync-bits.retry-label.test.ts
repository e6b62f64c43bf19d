/**
 * The progress label says when a step that backs off will be retried (issue #16, point 6), in
 * Moscow time like the UI's other times, in both languages; only while the run is active.
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
    progressDone: 3,
    progressTotal: 12,
    cursor: JSON.stringify({ v: 4, retryAt: RETRY_AT }),
    ...over,
  } as Run
}

describe('progressLabel while a step backs off', () => {
  it('says until when the run waits, in Russian and in English', () => {
    expect(progressLabel(translator('ru'), 'ru', run({}))).toBe(
      'Выполнено 3 из 12 · Ожидание повтора до 15:04'
    )
    expect(progressLabel(translator('en'), 'en', run({}))).toBe(
      '3 of 12 done · Waiting to retry at 15:04'
    )
  })

  it('also before the total is known', () => {
    expect(progressLabel(translator('ru'), 'ru', run({ progressTotal: 0 }))).toBe(
      'Подготовка… · Ожидание повтора до 15:04'
    )
  })

  it('says nothing of retries when none is due or the run is over', () => {
    const plain = run({ cursor: JSON.stringify({ v: 5, retryAt: null }) })
    expect(progressLabel(translator('ru'), 'ru', plain)).toBe('Выполнено 3 из 12')
    expect(progressLabel(translator('ru'), 'ru', run({ cursor: '{}' }))).toBe('Выполнено 3 из 12')
    expect(progressLabel(translator('ru'), 'ru', run({ status: 'failed' }))).toBe(
      'Выполнено 3 из 12'
    )
  })
})
