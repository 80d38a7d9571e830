import './sae/sdk/environment.js'
import { connectAhead } from './connect-ahead.js'

// The first handshakes run while the rest of the bundle loads (connect-ahead.ts).
const ahead = connectAhead(process.env)
await ahead?.dialled
const { run } = await import('./main.js')
await run(ahead?.connections)
