/** Command-line flags of `npm run bench`, with the defaults the issue asks for. */

const HELP = `npm run bench -- [options]
  --n <count>          emails in the segment (default 50000; the issue's large run: 1000000)
  --rate-scale <k>     multiply the emulators' rate limits by k (default 1.2; the module still
                       paces itself at the production 10 CRM req/s and 1,200 Unisender calls/min)
  --skip-latency       do not measure the change latency (issue 7)
  --skip-second        do not measure the change (1% of the segment) nor the reconcile after it
  --reconcile          after the change, also measure a forced full run ("reconcile after the
                       change"); default ON for n <= 100000, OFF above (it costs a full read)
  --no-reconcile       do not measure the forced full run
  --keep-state         keep .wrangler/bench-state from the previous invocation
  --timeout-min <m>    give up after m minutes (default: 30, or 240 for n >= 500000)
  --app-port <p>       module Worker port (default 8797)
  --sandbox-port <p>   sandbox Worker port (default 8798)
  --verbose            echo both Workers' output
  --scratch            leave bench/results.md and results.json alone (trial runs)
  --fields             the sync maps two contact fields (issue 15); after its first run: a full run
                       with nothing changed, then one after 1% of the first names changed
  --tenants <count>    many shops on one deployment instead (issue 17): <count> seeded idle shops
                       plus one with 10 syncs; reports the cron tick and its consumers per tick
  --ticks <k>          with --tenants: measured idle ticks, then as many changing ticks (default 2)
  --change-share <x>   with --tenants: share of the shops that change before a changing tick
                       (default 0.01)`

/** Parses argv; exits with the help text on --help or an unknown flag. */
export function parseArgs(argv) {
  const out = {
    n: 50_000,
    skipLatency: false,
    skipSecond: false,
    keepState: false,
    timeoutMin: undefined,
    appPort: 8797,
    sandboxPort: 8798,
    verbose: false,
    rateScale: 1.2,
    scratch: false,
    fields: false,
    reconcile: undefined,
    tenants: 0,
    ticks: 2,
    changeShare: 0.01,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const num = () => {
      const v = Number(argv[++i])
      if (!Number.isFinite(v) || v <= 0) fail(`${a} needs a positive number`)
      return v
    }
    if (a === '--n') out.n = Math.floor(num())
    else if (a === '--skip-latency') out.skipLatency = true
    else if (a === '--skip-second') out.skipSecond = true
    else if (a === '--reconcile') out.reconcile = true
    else if (a === '--no-reconcile') out.reconcile = false
    else if (a === '--keep-state') out.keepState = true
    else if (a === '--verbose') out.verbose = true
    else if (a === '--rate-scale') out.rateScale = num()
    else if (a === '--scratch') out.scratch = true
    else if (a === '--fields') out.fields = true
    else if (a === '--timeout-min') out.timeoutMin = num()
    else if (a === '--app-port') out.appPort = num()
    else if (a === '--tenants') out.tenants = Math.floor(num())
    else if (a === '--ticks') out.ticks = Math.floor(num())
    else if (a === '--change-share') out.changeShare = num()
    else if (a === '--sandbox-port') out.sandboxPort = num()
    else if (a === '--help' || a === '-h') {
      console.log(HELP)
      process.exit(0)
    } else fail(`unknown option ${a}`)
  }
  out.timeoutMin ??= out.n >= 500_000 ? 240 : 30
  out.reconcile ??= out.n <= 100_000
  return out
}

function fail(msg) {
  console.error(`bench: ${msg}\n\n${HELP}`)
  process.exit(2)
}
