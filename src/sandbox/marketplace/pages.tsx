/**
 * Pages of the marketplace simulator (Russian UI): the sandbox home with shops and "Подключить"
 * buttons, the hand-off to the module (an auto-submitting POST form carrying `clientId`, as the CRM
 * opens accountUrl), and the result of a failed connection or an activity callback.
 */
import { raw } from 'hono/html'
import type { StoredModule } from '../retailcrm/keys'
import { DEMO_API_KEY, DEMO_LOGIN } from '../unisender/demo'
import { Layout } from './layout'

export interface ShopSummary {
  code: string
  name: string
  customers: number
  segments: number
  systemUrl: string
  modules: StoredModule[]
}

/** The sandbox home page at `/`. */
export function homePage(p: { shops: ShopSummary[]; moduleUrl: string; message?: string }) {
  return (
    <Layout title="Маркетплейс RetailCRM (песочница)">
      {p.message && <section class="err">{p.message}</section>}
      <section>
        <p>
          Здесь песочница играет роль RetailCRM: нажмите «Подключить» у магазина — модуль получит
          API-ключ и откроется уже авторизованным, как после подключения из настоящего маркетплейса.
        </p>
        <p class="note">
          Модуль: <code>{p.moduleUrl}</code> · запрос конфигурации:{' '}
          <code>{`${p.moduleUrl}/retailcrm/config`}</code>
        </p>
        <p>
          Демо-аккаунт Unisender для модуля: логин <code>{DEMO_LOGIN}</code>, API-ключ{' '}
          <code>{DEMO_API_KEY}</code> · списки и контакты:{' '}
          <a href="/unisender/inspect">/unisender/inspect</a>
        </p>
      </section>
      {p.shops.map((s) => (
        <section>
          <h2>{s.name}</h2>
          <p class="note">
            systemUrl: <code>{s.systemUrl}</code> · покупателей:{' '}
            {s.customers.toLocaleString('ru-RU')} · сегментов: {s.segments} ·{' '}
            <a href={`/crm/${s.code}/sandbox`}>открыть CRM</a>
          </p>
          <form method="post" action={`/marketplace/shops/${s.code}/connect`}>
            <button type="submit">Подключить</button>{' '}
            <span class="note">модуль «Экспорт сегментов Unisender»</span>
          </form>
          {s.modules.map((m) => (
            <p>
              Модуль <code>{m.code}</code>: {m.data.active ? 'активен' : 'отключён'}
              {m.data.freeze ? ', заморожен' : ''}{' '}
              {(['deactivate', 'freeze', 'reactivate'] as const).map((action) => (
                <form
                  class="inline"
                  method="post"
                  action={`/marketplace/shops/${s.code}/modules/${m.code}/activity`}
                >
                  <input type="hidden" name="action" value={action} />
                  <button type="submit" class="secondary">
                    {action === 'deactivate'
                      ? 'Отключить'
                      : action === 'freeze'
                        ? 'Заморозить'
                        : 'Включить'}
                  </button>
                </form>
              ))}
            </p>
          ))}
        </section>
      ))}
      <section>
        <h2>Новый магазин (для нагрузочных проверок)</h2>
        <form method="post" action="/marketplace/shops">
          Код <input name="code" placeholder="bench" required pattern="[a-z0-9-]{1,40}" />
          Покупателей <input name="customers" value="1000000" size={9} />
          Доля в сегменте <input name="share" value="0.99" size={5} />
          <button type="submit">Создать</button>
        </form>
        <p class="note">
          Магазин описывается формулой (seed + размеры), поэтому даже 1 000 000 покупателей
          создаются мгновенно.
        </p>
      </section>
    </Layout>
  )
}

/** Opens accountUrl as the CRM does: a POST form with `clientId`, submitted by script. */
export function handoffPage(p: { accountUrl: string; clientId: string }) {
  return (
    <Layout title="Переход в модуль…">
      <form id="handoff" method="post" action={p.accountUrl}>
        <input type="hidden" name="clientId" value={p.clientId} />
        <p>Модуль подключён. Если переход не произошёл автоматически, нажмите кнопку.</p>
        <button type="submit">Перейти в модуль</button>
      </form>
      {raw('<script>document.getElementById("handoff").submit()</script>')}
    </Layout>
  )
}

/** Shows what went wrong (or what the module answered). */
export function resultPage(p: { title: string; ok: boolean; lines: string[]; body?: string }) {
  return (
    <Layout title={p.title}>
      <section class={p.ok ? 'ok' : 'err'}>
        {p.lines.map((l) => (
          <p>{l}</p>
        ))}
        {p.body !== undefined && <pre>{p.body}</pre>}
      </section>
      <p>
        <a href="/">← к магазинам</a>
      </p>
    </Layout>
  )
}
