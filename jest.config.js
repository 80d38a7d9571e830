/** ESM TypeScript through ts-jest; run with --experimental-vm-modules (see package.json). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Stryker's sandboxes (npm run mutate) hold a copy of the project: never a second one here.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  globalSetup: '<rootDir>/test/support/fresh-dist.mjs',
  collectCoverageFrom: ['src/**/*.ts'],
  testTimeout: 60000,
  // One worker per core: the end-to-end suites mostly wait on the bundle's child processes, so
  // jest's default (cores - 1: a single worker on a 2-core runner) leaves a core idle.
  maxWorkers: '100%'
}
