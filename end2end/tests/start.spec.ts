// The landing page: what Tessera is and where developers go next, in English and Spanish.
import { test, expect, expectNoAxeViolations } from './fixtures';

test('the landing page says what Tessera is and links the API reference', async ({ page }) => {
  await page.goto('/');

  await expect(page.getByRole('heading', { level: 1, name: 'Tessera is running' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'How it works' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole('link', { name: 'API reference' }).click();
  await expect(page).toHaveURL(/\/docs\/api$/);
});

test.describe('in Spanish', () => {
  test.use({ locale: 'es-ES' });

  test('the landing page follows the browser language', async ({ page }) => {
    await page.goto('/');

    await expect(page.locator('html')).toHaveAttribute('lang', 'es');
    await expect(page.getByRole('heading', { level: 1, name: 'Tessera está en marcha' })).toBeVisible();
    await expectNoAxeViolations(page);
  });
});

test.describe('an unknown address', () => {
  test.use({ expectedConsoleErrors: [/status of 404/] });

  test('answers 404 with a page that says so', async ({ page }) => {
    const response = await page.goto('/no-such-page');

    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  });
});
