// npm run mutate: Stryker's mutants of the pure core, killed (or not) by the unit tests. The
// modules listed are the ones whose every line is a rule a test should pin: what the inputs mean,
// the docker config, which image goes with which credentials (kubelet's matching), the checks to
// run, the provision policy (find, if-exists, lost answers), redaction, retries and the decoding
// of the SDK's errors. The end-to-end suites are left out: they run dist/, which no mutant reaches.
// CONTRIBUTING.md ("Mutation testing") says how to read the report.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // Unit tests only, with no globalSetup: the bundle is not what is mutated.
    config: {
      testMatch: ['<rootDir>/test/*.test.ts'],
      // These run the bundle, the emulator script or the workflow files, none of them a mutant.
      testPathIgnorePatterns: ['/node_modules/', 'emulator-script', 'smoke', 'metadata', 'workflows'],
      roots: ['<rootDir>/src', '<rootDir>/test'],
      watchman: false,
      globalSetup: null,
      maxWorkers: 1
    },
    enableFindRelatedTests: false
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/inputs.ts',
    'src/input-rules.ts',
    'src/docker-config.ts',
    'src/image-ref.ts',
    'src/keyring.ts',
    'src/plan.ts',
    'src/check-plan.ts',
    'src/provision.ts',
    'src/redaction.ts',
    'src/retry.ts',
    'src/transport-errors.ts'
  ],
  ignorePatterns: ['dist', 'coverage', 'reports', '.stryker-tmp'],
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: null },
  // Three processes on two cores: the TypeScript checker (idle most of the time) and two test runners.
  concurrency: 3,
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp'
}
