/** The plain page frame shared by the sandbox pages (marketplace home, shop page, connect flow). */
import type { Child } from 'hono/jsx'

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 24px}header a{color:#9cc3ff;margin-right:16px}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px 16px;margin:12px 0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eceff3;padding:6px 8px;text-align:left;vertical-align:top}
button{background:#2d6cdf;color:#fff;border:0;border-radius:5px;padding:6px 12px;cursor:pointer}
button.secondary{background:#6b7585}input,select{padding:4px 6px;margin-right:6px}
.note{color:#6b7585;font-size:13px}.ok{background:#e7f6ea;border-color:#a9d9b4}.err{background:#fdecec;border-color:#f0b3b3}
form.inline{display:inline-block;margin:2px 4px 2px 0}code{background:#eef1f5;padding:1px 4px;border-radius:3px}
`

/** Wraps a sandbox page with the header links. */
export function Layout(props: { title: string; children: Child }) {
  return (
    <html lang="ru">
      <head>
        <meta charset="utf-8" />
        <title>{props.title}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <header>
          <b>Песочница</b> · <a href="/">Маркетплейс RetailCRM</a>
          <a href="/crm/demo/sandbox">Демо-магазин (CRM)</a>
          <a href="/unisender/inspect">Unisender</a>
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  )
}
