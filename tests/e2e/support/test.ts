import { test as base, expect } from '@playwright/test';
import { readFixture, type E2eFixture } from './fixture-file';

/** Playwright's test with the served app as baseURL and the ids the global setup logged. */
export const test = base.extend<{ data: E2eFixture }>({
  data: async ({}, use) => {
    await use(readFixture());
  },
  baseURL: async ({}, use) => {
    await use(readFixture().baseUrl);
  },
});

export { expect };
