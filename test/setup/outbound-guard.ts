/**
 * Offline guard: every test starts with globalThis.fetch replaced by a router that only knows the
 * hosts a test registered (normally the sandbox emulators). Any other outbound request throws and is
 * recorded, and the test fails after it even if the code under test swallowed the error.
 */
import { afterEach, beforeEach, expect, vi } from 'vitest'
import { outbound } from '../support/outbound'

beforeEach(() => {
  outbound.reset()
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => outbound.dispatch(input, init))
})

afterEach(() => {
  const unexpected = outbound.unexpected()
  vi.restoreAllMocks()
  expect(unexpected, 'unexpected outbound requests').toEqual([])
})
