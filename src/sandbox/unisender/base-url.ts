/** Where the emulator is mounted, so URLs it hands out (export files) work at any base. */

/** The absolute URL of the mount point, from a request URL and the route path under it. */
export function mountBase(url: string, routePath: string): string {
  const u = new URL(url)
  const at = u.pathname.lastIndexOf(routePath)
  return `${u.origin}${u.pathname.slice(0, Math.max(0, at))}`
}
