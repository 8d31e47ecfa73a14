import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts the service brokers when they are installed and not already announced (see the file).
    globalSetup: ['test/support/global-brokers.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start real processes (brokers, socat, bridges); two cores, so keep the pool small.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: '.cache/test-results/junit.xml' },
  },
});
