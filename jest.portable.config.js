/**
 * The portable suite (`npm run test:portable`): every test outside test/peers/, so none that needs
 * Debian's peers (the CNCF registry, squid, htpasswd). What CI runs on macOS and Windows;
 * test/project/suites.test.ts holds that it and jest.peers.config.js split `npm test` in two.
 */
import base from './jest.config.js'

export default { ...base, testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/peers/'] }
