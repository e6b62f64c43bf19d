/**
 * One API call, as the real service handles it: injected faults first, then parameter parsing,
 * `format=json`, method lookup, the API key, the per-key rate limits, and the method itself. Every
 * error is `{error, code}` with HTTP 200.
 */
import type { MethodContext, MethodHandler } from './context'
import { errorBody, invalidArg, UniError } from './errors'
import type { FaultRule } from './faults'
import { getTotalContactsCount, getUserInfo } from './methods/account'
import { exclude, getContact, unsubscribe } from './methods/contacts'
import { exportContacts, getTaskResult } from './methods/export'
import { createField, getFields } from './methods/fields'
import { importContacts } from './methods/import'
import { createList, getLists } from './methods/lists'
import { readParams, str } from './params'
import type { SandboxState } from './state'
import { findAccountByKey } from './store'

const METHODS: Record<string, MethodHandler> = {
  getLists,
  createList,
  importContacts,
  exclude,
  unsubscribe,
  getContact,
  getUserInfo,
  getTotalContactsCount,
  getFields,
  createField,
  'async/exportContacts': exportContacts,
  'async/getTaskResult': getTaskResult,
}

export interface CallDeps {
  db: D1Database
  state: SandboxState
  /** Absolute URL of the emulator's mount point. */
  base: string
  /** The request's `ctx.waitUntil`, when it has an execution context. */
  waitUntil?: (work: Promise<unknown>) => void
}

const json = (body: unknown) =>
  new Response(JSON.stringify(body), {
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })

/**
 * Waits for the client to give up (its abort; the answer then goes nowhere), or answers 504 after
 * `ms` like a gateway would.
 */
function hang(req: Request, ms: number, state: SandboxState): Promise<Response> {
  return new Promise((resolve) => {
    const abort = () => resolve(new Response(null, { status: 499 }))
    if (req.signal.aborted) return abort()
    req.signal.addEventListener('abort', abort)
    void state.sleep(ms).then(() => resolve(new Response('Gateway Timeout', { status: 504 })))
  })
}

/** The answer an injected fault gives instead of the real one (timeouts after the call excluded). */
function faultAnswer(
  req: Request,
  rule: FaultRule,
  state: SandboxState
): Promise<Response> | Response | null {
  switch (rule.kind) {
    case 'http5xx':
      return new Response('<html><body><h1>Service Unavailable</h1></body></html>', {
        status: rule.status ?? 503,
        headers: { 'content-type': 'text/html' },
      })
    case 'retry_later':
      return json(errorBody(new UniError('retry_later', 'Temporary error, please retry later')))
    case 'rate_limit':
      return json(errorBody(limitError()))
    case 'timeout':
      return rule.afterApply ? null : hang(req, rule.timeoutMs ?? 60_000, state)
  }
}

function limitError(): UniError {
  return new UniError(
    'api_call_limit_exceeded_for_api_key',
    'API call limit exceeded for this API key'
  )
}

/** Handles `POST|GET {base}/{lang}/api/{method}`. */
export async function handleCall(req: Request, method: string, deps: CallDeps): Promise<Response> {
  const { state } = deps
  state.countCall(method)
  if (state.faults.latencyMs > 0) await state.sleep(state.faults.latencyMs)
  const rule = state.faults.pick(method)
  const early = rule ? faultAnswer(req, rule, state) : null
  if (early) return early
  let result: unknown
  try {
    result = await run(req, method, deps)
  } catch (err) {
    if (err instanceof UniError) return json(errorBody(err))
    throw err
  }
  if (rule?.kind === 'timeout') return hang(req, rule.timeoutMs ?? 60_000, state)
  return json({ result })
}

async function run(req: Request, method: string, deps: CallDeps): Promise<unknown> {
  const params = await readParams(req)
  // UNCONFIRMED: the real answer without format=json; we refuse it so clients always send it.
  if (str(params, 'format') !== 'json') throw invalidArg('Parameter "format" must be "json"')
  const handler = METHODS[method]
  if (!handler) throw new UniError('unknown_method', `Unknown method "${method}"`)
  const apiKey = str(params, 'api_key')
  if (!apiKey) throw new UniError('invalid_api_key', 'API key is not specified')
  const now = deps.state.now()
  if (!deps.state.perKey.hit(apiKey, now)) throw limitError()
  const account = await findAccountByKey(deps.db, apiKey)
  if (!account) throw new UniError('invalid_api_key', 'Invalid API key')
  if (!account.apiEnabled) {
    throw new UniError('access_denied', 'Access denied: API access is disabled for this account')
  }
  // The export limit of 20/60 s; its real code is UNCONFIRMED, we reuse the per-key limit code.
  if (method === 'async/exportContacts' && !deps.state.exports.hit(apiKey, now)) {
    throw new UniError(
      'api_call_limit_exceeded_for_api_key',
      'exportContacts limit exceeded: at most 20 requests per 60 seconds'
    )
  }
  const ctx: MethodContext = {
    db: deps.db,
    account,
    params,
    now,
    state: deps.state,
    base: deps.base,
    waitUntil: deps.waitUntil,
  }
  return handler(ctx)
}
