/** POST /logout: ends the session. Behind sessionGate, so it needs a session and its CSRF token. */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { endSession } from '../http/session'

export const sessionRoutes = new Hono<AppEnv>().post('/logout', async (c) => {
  await endSession(c)
  return c.redirect('/', 303)
})
