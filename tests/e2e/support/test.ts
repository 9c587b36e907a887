import { test as base, expect, type Page } from '@playwright/test';
import { rpcPathOf, type OperationName, type RequestOf, type ResponseOf } from '../../../src-main/contract/operations';
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

/** Asks the service what the screen asked, over the page's own origin and API. */
export async function ask<K extends OperationName>(page: Page, operation: K, request: RequestOf<K>): Promise<ResponseOf<K>> {
  const response = await page.request.post(rpcPathOf(operation), { data: request });
  expect(response.ok(), `${operation} answered HTTP ${response.status()}: ${await response.text()}`).toBe(true);
  return (await response.json()) as ResponseOf<K>;
}
