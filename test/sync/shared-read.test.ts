/**
 * The member's and leader's rules of a shared read, pure: a member takes only a complete read that
 * lists it, waits while its leader can still complete one, and otherwise reads on its own; the
 * leader's pages per step leave room for its members' writes within 100 subrequests.
 */
import { describe, expect, it } from 'vitest'
import {
  inSource,
  JOIN_WAIT_MS,
  memberVerdict,
  readyToRead,
  sharedPagesPerStep,
} from '../../src/sync/shared-read'

const leader = (status: string, lead: unknown) => ({ status, cursor: JSON.stringify({ lead }) })
const member = { id: 7, code: 'a' }

describe('memberVerdict', () => {
  it('takes a complete read that lists it, whatever the leader did after it', () => {
    for (const status of ['running', 'done', 'failed', 'needs_confirmation'])
      expect(memberVerdict(leader(status, { members: [member], done: true }), 7).kind).toBe('take')
  })

  it('waits while the leader can still complete the read', () => {
    expect(memberVerdict(leader('queued', { members: null }), 7).kind).toBe('wait')
    expect(memberVerdict(leader('running', { members: [member] }), 7).kind).toBe('wait')
  })

  it('reads on its own when the leader cannot serve it', () => {
    expect(memberVerdict(null, 7).kind).toBe('own')
    expect(memberVerdict({ status: 'running', cursor: '{}' }, 7).kind).toBe('own')
    expect(memberVerdict({ status: 'running', cursor: 'not json' }, 7).kind).toBe('own')
    // Failed or cancelled mid-read: its partial read never becomes the member's picture.
    for (const status of ['failed', 'cancelled', 'done'])
      expect(memberVerdict(leader(status, { members: [member], done: false }), 7).kind).toBe('own')
    expect(memberVerdict(leader('failed', { members: null }), 7).kind).toBe('own')
    // Left out (not ready when the leader began): even a complete read is not its.
    expect(memberVerdict(leader('running', { members: [], done: true }), 7).kind).toBe('own')
  })
})

describe('the leader', () => {
  it('waits for members still starting, up to JOIN_WAIT_MS', () => {
    const starting = [
      { status: 'running', phase: 'shared_wait' },
      { status: 'queued', phase: 'planned' },
    ]
    expect(readyToRead(starting, 0, 1000)).toBe(false)
    expect(readyToRead(starting, 0, JOIN_WAIT_MS)).toBe(true)
    expect(readyToRead([{ status: 'running', phase: 'shared_wait' }], 0, 0)).toBe(true)
  })

  it('reads fewer pages a step as the group grows, within 100 subrequests', () => {
    expect(sharedPagesPerStep(50, 1)).toBe(50)
    expect(sharedPagesPerStep(50, 7)).toBe(44)
    for (let m = 1; m <= 7; m++)
      expect(sharedPagesPerStep(50, m) + 24 + 4 * (m + 1)).toBeLessThanOrEqual(100)
    expect(sharedPagesPerStep(3, 7)).toBe(3)
  })

  it('serves a base customer to the segments it carries, and everyone to all customers', () => {
    const c = { segments: [{ code: 'a' }, { code: 'b' }] }
    expect(inSource(c, 'a')).toBe(true)
    expect(inSource(c, 'z')).toBe(false)
    expect(inSource({ segments: null }, 'a')).toBe(false)
    expect(inSource({ segments: null }, null)).toBe(true)
  })
})
