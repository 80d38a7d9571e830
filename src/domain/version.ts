// The release, as package.json carries it (the user agent names it).
import packageJson from '../../package.json' with { type: 'json' }

export const VERSION = packageJson.version
