/** src/lib/log.ts: one JSON object per line with the fields Workers Logs filters on. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { log, logLine } from '../../src/lib/log'

afterEach(() => vi.restoreAllMocks())

describe('log', () => {
  it('writes one JSON object with tenant, sync, run, phase, event and duration', () => {
    const line = JSON.parse(
      logLine('info', 'run_done', { tenant: 1, sync: 2, run: 3, phase: 'write', duration: 40 })
    )
    expect(line).toEqual({
      level: 'info',
      event: 'run_done',
      tenant: 1,
      sync: 2,
      run: 3,
      phase: 'write',
      duration: 40,
    })
    expect(JSON.parse(logLine('warn', 'x'))).toMatchObject({ tenant: null, run: null })
  })

  it('cuts long errors and goes to the console level of its own', () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    log.error('boom', { error: 'e'.repeat(1000) })
    const line = JSON.parse(err.mock.calls[0]![0] as string)
    expect(line.error.length).toBe(300)
    expect(err.mock.calls[0]).toHaveLength(1)
  })
})
