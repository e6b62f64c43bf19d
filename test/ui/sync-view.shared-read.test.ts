/**
 * A shared read on the run page (docs/shared-read.md): a member waiting for the shop's read says
 * so in both languages, and a leader reading the whole base shows no "n of total" (its own
 * customers are a part of the shop's), its bar moving with the pages read.
 */
import { describe, expect, it } from 'vitest'
import type { Run } from '../../src/db/schema'
import { translator } from '../../src/i18n'
import { progressLabel, runProgressOf } from '../../src/ui/components/sync-bits'

const START = Date.UTC(2026, 10, 26, 12, 0)

function run(phase: string, cursor: object, counts: object, over: Partial<Run> = {}): Run {
  return {
    status: 'running',
    phase,
    cursor: JSON.stringify(cursor),
    counts: JSON.stringify(counts),
    progressDone: 0,
    progressTotal: 0,
    startedAt: START,
    finishedAt: null,
    ...over,
  } as Run
}

describe('shared read progress', () => {
  it('labels the wait of a member in Russian and English', () => {
    const waiting = run('shared_wait', { readId: 3 }, {})
    expect(progressLabel(translator('ru'), 'ru', waiting, START + 5_000)).toBe(
      'Чтение RetailCRM вместе с другими синхронизациями магазина · идёт 5 с'
    )
    expect(progressLabel(translator('en'), 'en', waiting, START + 5_000)).toBe(
      'Reading RetailCRM together with the shop’s other syncs · running for 5 s'
    )
  })

  it('moves a base-reading leader’s bar with its pages, without a customer total', () => {
    const leading = run(
      'read_crm',
      { crmTotal: 1_000_000, lead: { base: true } },
      { readFromCrm: 1_000 },
      { progressDone: 2_000, progressTotal: 4_018 }
    )
    const p = runProgressOf(leading, START + 60_000)
    expect(p.stage).toBe('read_crm')
    expect(p.total).toBeNull()
    expect(p.fraction).toBeGreaterThan(0.2)
    expect(progressLabel(translator('en'), 'en', leading, START + 5_000)).toMatch(
      /^Reading RetailCRM · /
    )
  })
})
