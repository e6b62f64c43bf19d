/**
 * The sandbox shop page (`{systemUrl}/sandbox`): what a CRM administrator would see and do —
 * segments with a "Пересчитать" button for dynamic ones, customer changes (email, opt-out, delete,
 * merge), API keys and fault injection. Russian UI; forms post to the control routes.
 */
import { Layout } from '../marketplace/layout'
import { segmentJson } from './customers'
import type { FaultSettings } from './faults'
import type { StoredModule } from './keys'
import type { SandboxNotification } from './notifications'
import { LARGE_PAGE_MODES, type LargePageMode } from './params'
import type { ShopState } from './state'

interface Props {
  shop: ShopState
  base: string
  modules: StoredModule[]
  notifications: SandboxNotification[]
  faults: FaultSettings
  done?: string
  error?: string
}

/** The shop page. */
export function shopPage(p: Props) {
  const { shop, base } = p
  return (
    <Layout title={`CRM: ${shop.name}`}>
      {p.done && (
        <section class="ok">
          Готово: <code>{p.done}</code>
        </section>
      )}
      {p.error && <section class="err">Ошибка: {p.error}</section>}
      <section>
        <p>
          Адрес системы (systemUrl): <code>{base || '/'}</code> · API: <code>{base}/api/v5/…</code>{' '}
          · покупателей:{' '}
          <b>
            {(shop.customers + shop.extraCustomers - shop.removed.length).toLocaleString('ru-RU')}
          </b>
        </p>
      </section>
      <section>
        <h2>Сегменты</h2>
        <table>
          <thead>
            <tr>
              <th>ID</th>
              <th>Код</th>
              <th>Название</th>
              <th>Тип</th>
              <th>Активен</th>
              <th>Покупателей</th>
              <th>Пересчётов</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shop.segments.map((s) => {
              const j = segmentJson(shop, s)
              return (
                <tr>
                  <td>{s.id}</td>
                  <td>
                    <code>{s.code}</code>
                  </td>
                  <td>{s.name}</td>
                  <td>{s.isDynamic ? 'динамический' : 'статический'}</td>
                  <td>{s.active ? 'да' : 'нет'}</td>
                  <td>{j.customersCount.toLocaleString('ru-RU')}</td>
                  <td>{s.generation}</td>
                  <td>
                    {s.isDynamic ? (
                      <form
                        class="inline"
                        method="post"
                        action={`${base}/sandbox/segments/${s.id}/recalculate`}
                      >
                        <input name="remove" size={6} placeholder="выйдут" />
                        <input name="add" size={6} placeholder="войдут" />
                        <button type="submit">Пересчитать</button>
                      </form>
                    ) : (
                      <span class="note">не меняется</span>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <p class="note">
          По умолчанию пересчёт меняет 1 % сегмента: столько же покупателей выходит и входит.
        </p>
      </section>
      <section>
        <h2>Покупатели</h2>
        <p class="note">
          Каждое изменение попадает в историю (customers/history). Посмотреть покупателя:{' '}
          <code>{base}/sandbox/customers/ID</code>
        </p>
        <form class="inline" method="post" action={`${base}/sandbox/customers`}>
          <input name="email" placeholder="email" />
          <button type="submit">Создать покупателя</button>
        </form>
        <form
          class="inline"
          method="post"
          onsubmit="this.action=this.dataset.base+'/sandbox/customers/'+this.id_.value+'/email'"
          data-base={base}
        >
          <input name="id_" size={7} placeholder="ID" />
          <input name="email" placeholder="новый email" />
          <button type="submit">Сменить email</button>
        </form>
        {(['unsubscribe', 'delete'] as const).map((a) => (
          <form
            class="inline"
            method="post"
            onsubmit={`this.action=this.dataset.base+'/sandbox/customers/'+this.id_.value+'/${a}'`}
            data-base={base}
          >
            <input name="id_" size={7} placeholder="ID" />
            <button type="submit">
              {a === 'unsubscribe' ? 'Отписать от рассылок' : 'Удалить'}
            </button>
          </form>
        ))}
        <form
          class="inline"
          method="post"
          onsubmit="this.action=this.dataset.base+'/sandbox/customers/'+this.id_.value+'/merge'"
          data-base={base}
        >
          <input name="id_" size={7} placeholder="ID" />
          <input name="into" size={7} placeholder="в ID" />
          <button type="submit">Объединить</button>
        </form>
      </section>
      <section>
        <h2>API-ключи и модули</h2>
        <form class="inline" method="post" action={`${base}/sandbox/api-keys`}>
          <button type="submit">
            Создать API-ключ (integration_read, integration_write, customer_read)
          </button>
        </form>
        <ul>
          {p.modules.map((mod) => (
            <li>
              <code>{mod.code}</code>: {String(mod.data.name ?? '')} — активен:{' '}
              {String(mod.data.active)}, заморожен: {String(mod.data.freeze)}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>Уведомления модулей</h2>
        {p.notifications.length === 0 ? (
          <p>Модули ещё ничего не присылали.</p>
        ) : (
          <ul>
            {p.notifications.map((n) => (
              <li>
                {new Date(n.at).toISOString().replace('T', ' ').slice(0, 19)} · <b>{n.type}</b> →{' '}
                {(n.userGroups ?? n.userIds ?? []).join(', ')}: {n.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h2>Сбои (для тестов)</h2>
        <form method="post" action={`${base}/sandbox/faults`}>
          Задержка, мс <input name="latencyMs" size={6} value={String(p.faults.latencyMs)} />
          Ошибок 5xx <input name="errors" size={4} value={String(p.faults.errors)} />
          Зависаний <input name="hangs" size={4} value={String(p.faults.hangs)} />
          Ответов «Rate limit»{' '}
          <input name="rateLimited" size={4} value={String(p.faults.rateLimited)} />
          <br />
          limit=250 на /customers{' '}
          <LargePageSelect name="customers250" value={p.faults.customers250} /> на
          /customers/history <LargePageSelect name="history250" value={p.faults.history250} />
          <button type="submit">Применить</button>
        </form>
      </section>
    </Layout>
  )
}

/** How the emulator answers limit=250 (params.ts LARGE_PAGE_MODES), as a select. */
function LargePageSelect(p: { name: string; value: LargePageMode }) {
  const label = { refuse: 'отказ 400', accept: 'принять', clamp: 'отдать по 100' }
  return (
    <select name={p.name}>
      {LARGE_PAGE_MODES.map((m) => (
        <option value={m} selected={m === p.value}>
          {label[m]}
        </option>
      ))}
    </select>
  )
}
