import './sae/sdk/environment.js'
import { run } from './main.js'

await run()
