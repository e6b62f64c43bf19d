/**
 * Routes outbound fetches in tests to in-process handlers by origin. Unknown origins are refused
 * and remembered, so the offline guard can fail the test.
 */
type Handler = (req: Request) => Response | Promise<Response>

const routes = new Map<string, Handler>()
const refused: string[] = []

export const outbound = {
  /** Sends requests for `origin` (e.g. https://shop.retailcrm.test) to `handler`. */
  route(origin: string, handler: Handler): void {
    routes.set(new URL(origin).origin, handler)
  },
  reset(): void {
    routes.clear()
    refused.length = 0
  },
  unexpected(): string[] {
    return [...refused]
  },
  async dispatch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const req = new Request(input, init)
    const handler = routes.get(new URL(req.url).origin)
    if (!handler) {
      refused.push(`${req.method} ${new URL(req.url).origin}${new URL(req.url).pathname}`)
      throw new TypeError(`Network access is disabled in tests: ${req.method} ${req.url}`)
    }
    return handler(req)
  },
}
