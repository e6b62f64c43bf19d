/**
 * Telling a shop, inside its RetailCRM, that the module saw a new account address and is waiting for
 * a reconnect from it (src/tenants/activity.ts keeps that address pending). Sent to the address the
 * tenant registered from — the only host its key ever goes to — and to the CRM's administrators.
 * Best effort: a CRM that refuses (the scope notifications need is UNCONFIRMED) or is unreachable
 * changes nothing; the banner in the module says the same.
 */
import { type ClientSettings, type CrmCredentials, tenantCrmClient } from '../credentials/clients'
import { errorText } from '../lib/error-text'

/** The notice in the CRM's language (Russian unless the CRM said English). */
export function moveNoticeText(pending: string, locale: string | null): string {
  const host = new URL(pending).host
  return locale === 'en'
    ? `Unisender segment export: RetailCRM reported a new address for this account (${host}). For safety the module keeps working with this address and sends nothing to the new one. If the account has moved, open Marketplace at the new address and press “Connect” on the module: its accounts and syncs are kept.`
    : `Экспорт сегментов Unisender: RetailCRM сообщила новый адрес этого аккаунта (${host}). Для безопасности модуль продолжает работать с текущим адресом и ничего не отправляет на новый. Если аккаунт переехал, откройте Маркетплейс по новому адресу и нажмите «Подключить» у модуля: аккаунты и синхронизации сохранятся.`
}

/** Sends the notice to the tenant's registered CRM; returns why it failed, or null when sent. */
export async function announcePendingMove(
  settings: Pick<ClientSettings, 'encryptionKey'>,
  tenant: CrmCredentials,
  pending: string,
  locale: string | null
): Promise<string | null> {
  try {
    const crm = await tenantCrmClient(settings, tenant, { timeoutMs: 10_000 })
    await crm.sendNotification({
      type: 'warning',
      message: moveNoticeText(pending, locale),
      userGroups: ['superadmins'],
    })
    return null
  } catch (err) {
    return errorText(err)
  }
}
