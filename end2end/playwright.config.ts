import { defineConfig, devices } from '@playwright/test';

// Debian's Chromium, started with the flags this closed network needs (no background
// connections that would be refused). scripts/test starts the server and sets BASE_URL.
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const launchOptions = {
  executablePath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.BASE_URL || 'http://127.0.0.1:3000',
    launchOptions,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'desktop',
      testIgnore: /state-hours\.spec\.ts/,
      use: { browserName: 'chromium', viewport: { width: 1280, height: 800 } },
    },
    {
      name: 'mobile',
      testIgnore: /state-hours\.spec\.ts/,
      use: {
        browserName: 'chromium',
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
        userAgent: devices['Pixel 7'].userAgent,
      },
    },
    {
      // The same forms before (or without) the wasm bundle: plain HTML posts.
      name: 'no-javascript',
      use: { browserName: 'chromium', viewport: { width: 390, height: 844 }, javaScriptEnabled: false },
      testMatch: /forms-without-js\.spec\.ts/,
    },
    {
      // Moves the server's texting clock: alone, once everything else has finished.
      name: 'server-clock',
      use: { browserName: 'chromium', viewport: { width: 390, height: 844 } },
      testMatch: /state-hours\.spec\.ts/,
      dependencies: ['desktop', 'mobile', 'no-javascript'],
    },
  ],
});
