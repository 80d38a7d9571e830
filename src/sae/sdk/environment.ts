// Imported first by index.ts, so it runs before any module of the Alibaba SDK is evaluated.

// The SDK's HTTP layer (httpx, through the `debug` package) prints request headers and URLs,
// security token and SecretData included, when DEBUG names it, and reads DEBUG as it loads.
delete process.env.DEBUG

// The SDK calls url.parse(), which Node 24 flags on every run (DEP0169); users cannot act on it.
// Only that warning is dropped: any other still reaches the log.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void
process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
  const options = rest[0]
  const code = typeof options === 'object' && options !== null ? (options as { code?: unknown }).code : rest[1]
  if (code === 'DEP0169') return
  emitWarning(warning, ...rest)
}) as typeof process.emitWarning
