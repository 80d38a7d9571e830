/**
 * The peers suite (`npm run test:peers`): test/peers/, the tests that run Debian's peers (the CNCF
 * registry, squid, htpasswd). `npm test` runs it with the portable suite (jest.portable.config.js).
 */
import base from './jest.config.js'

export default { ...base, testMatch: ['<rootDir>/test/peers/**/*.test.ts'] }
