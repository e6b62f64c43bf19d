/**
 * Where a person sees a Unisender list for themselves: its page in Unisender's web account, or, when
 * the module talks to the sandbox emulator, the emulator's page of that list. Unisender documents no
 * web address of a list (docs/unisender.md §8, UNCONFIRMED): the pattern used is the one its web
 * account shows, and only ever a link a person clicks — nothing is sent to it.
 */

/** The hosts of Unisender's own API, whose lists live in its web account. */
const UNISENDER_API_HOSTS = new Set(['api.unisender.com'])

/**
 * The page of list `listId` for a module whose Unisender API is at `apiUrl` (UNISENDER_API_URL,
 * e.g. https://api.unisender.com/ru/api), or null when no list is known yet.
 */
export function unisenderListUrl(apiUrl: string, listId: number | null): string | null {
  if (listId === null || !Number.isSafeInteger(listId) || listId <= 0) return null
  let url: URL
  try {
    url = new URL(apiUrl)
  } catch {
    return null
  }
  if (UNISENDER_API_HOSTS.has(url.hostname))
    return `https://cp.unisender.com/ru/v5/cdp/lists/${listId}`
  // The sandbox emulator: its API is at <base>/ru/api and its pages at <base>/inspect.
  const base = url.href.replace(/\/ru\/api\/?$/, '').replace(/\/+$/, '')
  return `${base}/inspect#list-${listId}`
}
