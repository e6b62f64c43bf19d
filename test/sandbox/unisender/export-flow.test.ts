/** async/exportContacts → async/getTaskResult: the task's progress, its checks and limits. */
import { describe, expect, it } from 'vitest'
import { callUnisender } from '../../support/sandbox-unisender'
import { exportPairs, parseCsv, setup, type Task } from '../../support/unisender-export'

describe('export flow', () => {
  it('goes new → processing → completed by polls and then serves the file', async () => {
    const { uni, acc, list } = await setup({ exportReadyAfterPolls: 3, exportReadyAfterMs: 60_000 })
    await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [list] }])
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email'])
    )
    const task = (started.body as Task).result
    expect(task).toEqual({ task_uuid: expect.any(String), status: 'new' })
    const poll = async () =>
      (
        (
          await callUnisender('async/getTaskResult', {
            api_key: acc.apiKey,
            task_uuid: task.task_uuid,
          })
        ).body as Task
      ).result
    expect(await poll()).toMatchObject({ status: 'new' })
    expect((await poll()).file_to_download).toBeUndefined()
    const done = await poll()
    expect(done).toMatchObject({ status: 'completed', task_uuid: task.task_uuid })
    expect(done.file_to_download).toMatch(
      /^https:\/\/api\.unisender\.test\/files\/export\/[0-9a-f-]+\.csv$/
    )
    const file = await fetch(done.file_to_download!)
    expect(file.status).toBe(200)
    expect(parseCsv((await file.text()).replace(/^\uFEFF/, ''))).toEqual([
      ['email'],
      ['a@example.ru'],
    ])
  })

  it('completes by the clock as well', async () => {
    const { uni, acc, list } = await setup({
      exportReadyAfterPolls: 100,
      exportReadyAfterMs: 5_000,
    })
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email'])
    )
    const uuid = (started.body as Task).result.task_uuid
    uni.clock.advance(4_999)
    const p1 = await callUnisender('async/getTaskResult', { api_key: acc.apiKey, task_uuid: uuid })
    expect((p1.body as Task).result.status).toBe('new')
    uni.clock.advance(1)
    const p2 = await callUnisender('async/getTaskResult', { api_key: acc.apiKey, task_uuid: uuid })
    expect((p2.body as Task).result.status).toBe('completed')
  })

  it('has no file before completion and refuses tasks of another account', async () => {
    const { uni, acc, list } = await setup({ exportReadyAfterPolls: 5 })
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email'])
    )
    const uuid = (started.body as Task).result.task_uuid
    expect((await fetch(`${uni.origin}/files/export/${uuid}.csv`)).status).toBe(404)
    const stranger = await uni.createAccount()
    const res = await callUnisender('async/getTaskResult', {
      api_key: stranger.apiKey,
      task_uuid: uuid,
    })
    expect(res.body).toMatchObject({ code: 'invalid_arg' })
  })

  it('refuses unknown fields, a foreign list and a missing field list', async () => {
    const { uni, acc, list } = await setup()
    const bad = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email', 'segment'])
    )
    expect(bad.body).toMatchObject({ code: 'invalid_arg' })
    const stranger = await uni.createAccount()
    const theirs = await uni.createList(stranger, 'T')
    const foreign = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, theirs, ['email'])
    )
    expect(foreign.body).toMatchObject({ code: 'invalid_arg' })
    const none = await callUnisender('async/exportContacts', { api_key: acc.apiKey, list_id: list })
    expect(none.body).toMatchObject({ code: 'invalid_arg' })
  })

  it('allows 20 exports per 60 s per key', async () => {
    const { uni, acc, list } = await setup()
    for (let i = 0; i < 20; i++) {
      const r = await callUnisender(
        'async/exportContacts',
        exportPairs(acc.apiKey, list, ['email'])
      )
      expect(r.body).toMatchObject({ result: { status: 'new' } })
    }
    const over = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email'])
    )
    expect(over.body).toMatchObject({ code: 'api_call_limit_exceeded_for_api_key' })
    // other methods are not held back by the export limit
    expect((await callUnisender('getLists', { api_key: acc.apiKey })).body).toMatchObject({
      result: expect.any(Array),
    })
    uni.clock.advance(60_000)
    const later = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, ['email'])
    )
    expect(later.body).toMatchObject({ result: { status: 'new' } })
  })
})
