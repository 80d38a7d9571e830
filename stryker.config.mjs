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
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
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
    'src/inputs/parse-inputs.ts',
    'src/inputs/rules.ts',
    'src/secret/docker-config.ts',
    'src/secret/stored-config.ts',
    'src/domain/hosts.ts',
    'src/kubelet/image-ref.ts',
    'src/kubelet/keyring.ts',
    'src/secret/plan.ts',
    'src/registry/check-plan.ts',
    'src/sae/provision.ts',
    'src/report/redaction.ts',
    'src/sae/sdk/retry.ts',
    'src/sae/sdk/transport-errors.ts'
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
