/**
 * A tiny browser for the benchmark: a cookie jar, manual redirects, the CSRF token of the last
 * page, and form posts. Refuses any origin but localhost, so the benchmark cannot talk elsewhere.
 */

function assertLocal(url) {
  const u = new URL(url)
  if (u.hostname !== 'localhost' && u.hostname !== '127.0.0.1')
    throw new Error(`bench: refusing to contact ${u.origin} (localhost only)`)
}

/** JSON request to a local endpoint; throws on a non-2xx answer with its body. */
export async function json(url, { method = 'GET', body, timeoutMs = 60_000 } = {}) {
  assertLocal(url)
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text.slice(0, 500)}`)
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export class Browser {
  constructor() {
    this.cookies = new Map()
    this.csrf = null
    this.lastUrl = null
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  remember(res) {
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair] = c.split(';')
      const eq = pair.indexOf('=')
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
  }

  /** Requests `url`, following up to 10 redirects; returns { status, url, text }. */
  async request(url, { method = 'GET', form, headers = {} } = {}) {
    let current = url
    let m = method
    let body = form ? new URLSearchParams(form).toString() : undefined
    for (let hop = 0; hop < 10; hop++) {
      assertLocal(current)
      const h = { ...headers, cookie: this.cookieHeader() }
      if (body !== undefined) h['content-type'] = 'application/x-www-form-urlencoded'
      const res = await fetch(current, {
        method: m,
        headers: h,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
      })
      this.remember(res)
      const loc = res.headers.get('location')
      if (res.status >= 300 && res.status < 400 && loc) {
        current = new URL(loc, current).toString()
        if (res.status !== 307 && res.status !== 308) {
          m = 'GET'
          body = undefined
        }
        continue
      }
      const text = await res.text()
      const token =
        /name="_csrf"\s+value="([^"]+)"/.exec(text) ?? /value="([^"]+)"\s+name="_csrf"/.exec(text)
      if (token) this.csrf = token[1]
      this.lastUrl = current
      return { status: res.status, url: current, text }
    }
    throw new Error(`too many redirects from ${url}`)
  }

  /** Posts a form with the session's CSRF token. */
  post(url, form) {
    return this.request(url, { method: 'POST', form: { _csrf: this.csrf ?? '', ...form } })
  }
}
