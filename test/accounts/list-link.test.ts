import { describe, expect, it } from 'vitest'
import { unisenderListUrl } from '../../src/accounts/list-link'

describe('unisenderListUrl', () => {
  it("links a list of Unisender's own API to its web account", () => {
    expect(unisenderListUrl('https://api.unisender.com/ru/api', 1077)).toBe(
      'https://cp.unisender.com/ru/v5/cdp/lists/1077'
    )
  })

  it("links a list of the sandbox emulator to the emulator's page of it", () => {
    expect(unisenderListUrl('http://localhost:8788/unisender/ru/api', 5)).toBe(
      'http://localhost:8788/unisender/inspect#list-5'
    )
  })

  it.each([
    ['no list yet', 'https://api.unisender.com/ru/api', null],
    ['a broken id', 'https://api.unisender.com/ru/api', -1],
    ['a broken API address', 'not a url', 5],
  ])('gives no link for %s', (_n, api, id) => {
    expect(unisenderListUrl(api, id)).toBeNull()
  })
})
