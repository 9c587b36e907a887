import type { Page } from '@playwright/test';
import { bridgeNameOf, OPERATION_NAMES, rpcPathOf } from '../../../src-main/contract/operations';

/** Stands in for the preload: one function per operation answering a Result, as the desktop bridge does (over the page's server). */
export async function installBridgeStandIn(page: Page): Promise<void> {
  const operations = OPERATION_NAMES.map((operation) => ({ bridgeName: bridgeNameOf(operation), path: rpcPathOf(operation) }));
  await page.addInitScript((list) => {
    const calls: string[] = [];
    const bridge: Record<string, (request: unknown) => Promise<unknown>> = {};
    for (const { bridgeName, path } of list) {
      bridge[bridgeName] = async (request) => {
        calls.push(bridgeName);
        const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
        const body = (await response.json()) as { error?: unknown };
        return response.ok ? { ok: true, value: body } : { ok: false, error: body.error };
      };
    }
    Object.assign(window, { mailtrail: Object.freeze(bridge), bridgeCalls: calls });
  }, operations);
}
