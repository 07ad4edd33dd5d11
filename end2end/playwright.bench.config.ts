// `make bench`'s browser figures: the same server and Chromium as the end-to-end tests (the
// release binary, via TESSERA_BIN), one worker so that runs do not compete for the 2 cores.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: /.*\.bench\.ts/,
  fullyParallel: false,
  workers: 1,
  timeout: 300_000,
});
