import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The browser benchmark (scripts/bench-browser): one phone, one run, nothing in parallel so the
// throttled CPU is the only thing the page competes with.
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: /.*\.bench\.ts/,
  timeout: 600_000,
  workers: 1,
  projects: [{ name: 'phone', use: { browserName: 'chromium' } }],
});
