// Shared test fixtures: every test fails if the page throws or logs an error, and `hydrated`
// waits until the WASM has taken over the page (clicks before that would do nothing).
import { test as base, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

type Fixtures = {
  /** Console errors a test expects (for example the 404 of a page that must not exist). */
  expectedConsoleErrors: RegExp[];
  pageErrors: string[];
};

export const test = base.extend<Fixtures>({
  expectedConsoleErrors: [[], { option: true }],
  pageErrors: [
    async ({ page, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        const text = msg.text();
        if (msg.type() === 'error' && !expectedConsoleErrors.some((re) => re.test(text))) {
          errors.push(`console error: ${text}`);
        }
      });
      await use(errors);
      expect(errors, 'the page reported errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until hydration has finished (an Effect sets `data-hydrated` only in the browser). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
}

/** Fails with the list of violations when axe-core finds any on the current page. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes)`);
  expect(summary, 'axe-core accessibility violations').toEqual([]);
}
