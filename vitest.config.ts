import { defineConfig } from 'vitest/config';

// Suites with different costs: pure logic (fast), the real server over real
// WebSockets (seconds), and the built extension in real Chromium (minutes).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.{ts,tsx}'], environment: 'node' } },
      {
        test: {
          name: 'server',
          include: ['tests/server/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // `npm run test:long` only: soak and other runs of half an hour.
        test: { name: 'long', include: ['tests/long/**/*.test.ts'], testTimeout: 3_600_000, hookTimeout: 120_000, fileParallelism: false },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
