// Imported first by index.ts, so it runs before any module of the Alibaba SDK is evaluated.
// The SDK's HTTP layer (httpx, through the `debug` package) prints request headers and URLs,
// security token and SecretData included, when DEBUG names it, and reads DEBUG as it loads.
delete process.env.DEBUG
// The SDK calls url.parse(), which Node 24 flags on every run (DEP0169); users cannot act on it.
process.noDeprecation = true
