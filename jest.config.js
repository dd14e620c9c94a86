// Test tiers by file suffix: unit (no I/O), int (real Kafka + PostgreSQL), e2e (the whole pipeline).
//   npm run test:unit | test:int | test:e2e   (npm test runs all three)
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

// `jest --selectProjects int services/x` reads `services/x` as a second project name (the option takes
// several values), which would run every test of the tier; such values are taken as path filters here.
const selectAt = process.argv.indexOf('--selectProjects');
const pathFilters = selectAt < 0 ? [] : process.argv.slice(selectAt + 1).filter((a) => !a.startsWith('-') && a.includes('/'));

function tier(name) {
  const suffix = `*.${name}.spec.ts`;
  if (pathFilters.length === 0) return [`<rootDir>/**/${suffix}`];
  return pathFilters.flatMap((f) => {
    const path = f.replace(/^\.\//, '').replace(/\/$/, '');
    return [`<rootDir>/${path}/**/${suffix}`, `<rootDir>/${path}${suffix}`, `<rootDir>/${path}`];
  });
}

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^@mkt/([^/]+)$': '<rootDir>/libs/$1/src' },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/', '<rootDir>/.local/'],
};

const withInfrastructure = {
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
};

module.exports = {
  // int and e2e tests wait on real brokers and processes; each wait has its own, tighter, deadline
  testTimeout: 180_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: tier('unit') },
    { ...common, ...withInfrastructure, displayName: 'int', testMatch: tier('int') },
    { ...common, ...withInfrastructure, displayName: 'e2e', testMatch: tier('e2e') },
  ],
};
