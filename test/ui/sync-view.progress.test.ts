/**
 * Progress of an active run (issue #13, point 9): the stage in words with its units, a share of the
 * whole run that never moves back as phases advance, elapsed time and an estimate of what is left.
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

const ru = translator('ru')
const en = translator('en')

describe('progress of a run', () => {
  it('says what the run does, with units, in both languages', () => {
    const reading = run('read_crm', { crmTotal: 718 }, { readFromCrm: 250 })
    expect(progressLabel(ru, 'ru', reading, START + 5_000)).toBe(
      'Чтение RetailCRM: 250 из 718 покупателей · идёт 5 с'
    )
    expect(progressLabel(en, 'en', reading, START + 5_000)).toBe(
      'Reading RetailCRM: 250 of 718 customers · running for 5 s'
    )
    expect(progressLabel(ru, 'ru', run('export_wait', {}, {}), START + 1000)).toContain(
      'Чтение списка Unisender'
    )
    const writing = run(
      'write',
      {},
      { plannedAdd: 400, plannedRemove: 100, added: 200, removed: 50 }
    )
    expect(progressLabel(ru, 'ru', writing, START + 60_000)).toMatch(
      /^Запись в Unisender: 250 из 500 контактов · идёт 1 мин 0 с · осталось около /
    )
  })

  it('never moves the bar back as phases advance, even when the step totals grow', () => {
    const steps: Run[] = [
      run('planned', {}, {}, { status: 'queued', startedAt: null }),
      run('read_crm', { crmTotal: null }, {}),
      run(
        'read_crm',
        { crmTotal: 718 },
        { readFromCrm: 100 },
        { progressDone: 1, progressTotal: 26 }
      ),
      run(
        'read_crm',
        { crmTotal: 718 },
        { readFromCrm: 718 },
        { progressDone: 8, progressTotal: 26 }
      ),
      run('export_wait', {}, { readFromCrm: 718 }, { progressDone: 8, progressTotal: 26 }),
      run('read_list', { fileOffset: 1_000_000 }, {}),
      run('read_list', { fileOffset: 9_000_000 }, {}),
      run('diff', { partition: 3 }, {}, { progressDone: 11, progressTotal: 26 }),
      run('diff', { partition: 16 }, {}, { progressDone: 24, progressTotal: 26 }),
      run('check', {}, {}),
      // The total grows at the check (write batches are now known): the bar must not jump back.
      run('write', {}, { plannedAdd: 500, added: 0 }, { progressDone: 25, progressTotal: 40 }),
      run('write', {}, { plannedAdd: 500, added: 250 }, { progressDone: 30, progressTotal: 40 }),
      run('write', {}, { plannedAdd: 500, added: 500 }, { progressDone: 40, progressTotal: 40 }),
    ]
    const shares = steps.map((r) => runProgressOf(r, START + 1000).fraction)
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThanOrEqual(shares[i - 1]!)
    expect(shares[0]).toBe(0)
    expect(shares.at(-1)).toBe(1)
  })

  it('estimates what is left from the pace so far, once there is a pace', () => {
    const half = run('write', {}, { plannedAdd: 100, added: 50 })
    expect(runProgressOf(half, START + 5_000).remainingMs).toBeNull()
    const p = runProgressOf(half, START + 170_000)
    expect(p.fraction).toBe(0.85)
    expect(p.remainingMs).toBeCloseTo((170_000 * 0.15) / 0.85)
    expect(progressLabel(ru, 'ru', half, START + 170_000)).toBe(
      'Запись в Unisender: 50 из 100 контактов · идёт 2 мин 50 с · осталось около 40 с'
    )
  })
})
