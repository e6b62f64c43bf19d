/** The contact-field part of the partition plan (#15): who gets an update and with what. */
import { describe, expect, it } from 'vitest'
import type { SyncMode } from '../../src/db/schema'
import { diffPartition, type PartitionInput } from '../../src/sync/diff'
import { packValues, valueHash } from '../../src/sync/field-values'

const opts = { additionsOnly: false, rejectCap: 100 }
const h = (...v: string[]) => v.map(valueHash).join(',')

function input(mode: SyncMode): [SyncMode, PartitionInput] {
  return [
    mode,
    {
      S: ['same@x.ru', 'diff@x.ru', 'empty@x.ru', 'new@x.ru', 'unsub@x.ru', 'left@x.ru'],
      O: ['optout@x.ru'],
      K: [],
      L: ['same@x.ru', 'diff@x.ru', 'empty@x.ru', 'optout@x.ru'],
      U: ['unsub@x.ru'],
      N: ['left@x.ru'],
      F: {
        n: 2,
        crm: new Map([
          ['same@x.ru', packValues(['Анна', 'Казань'])],
          ['diff@x.ru', packValues(['Борис', 'Пермь'])],
          ['empty@x.ru', packValues(['', 'Самара'])],
          ['new@x.ru', packValues(['Вера', ''])],
          ['unsub@x.ru', packValues(['Галя', ''])],
          ['left@x.ru', packValues(['Дима', ''])],
        ]),
        list: new Map([
          ['same@x.ru', h('Анна', 'Казань')],
          ['diff@x.ru', h('Борис', 'Москва')],
          ['empty@x.ru', h('Ольга', 'Самара')],
          ['optout@x.ru', h('X', 'Y')],
        ]),
      },
    },
  ]
}

describe('diffPartition with contact fields', () => {
  it('updates only members whose non-empty values differ, with only the changed values', () => {
    const plan = diffPartition(...input('exact'), opts)
    expect(plan.updates).toEqual([{ email: 'diff@x.ru', values: packValues(['', 'Пермь']) }])
    expect(plan.adds).toEqual(['new@x.ru'])
    expect(plan.removes).toEqual(['optout@x.ru'])
    expect(plan.counts).toMatchObject({ unchanged: 2, plannedUpdate: 1 })
  })

  it('union updates the same members; subtraction updates none', () => {
    expect(diffPartition(...input('union'), opts).updates.map((u) => u.email)).toEqual([
      'diff@x.ru',
    ])
    const sub = diffPartition(...input('subtract'), opts)
    expect(sub.updates).toEqual([])
    expect(sub.counts.plannedUpdate).toBe(0)
  })

  it('without a mapping plans no updates at all', () => {
    const [mode, i] = input('exact')
    expect(diffPartition(mode, { ...i, F: undefined }, opts).updates).toEqual([])
  })
})
