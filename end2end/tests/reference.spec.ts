// The API reference page is served by Tessera itself, needs no script or CDN, and is accessible.
import { test, expect, expectNoAxeViolations } from './fixtures';

test('the API reference lists the redeem endpoint and is accessible', async ({ page }) => {
  const response = await page.goto('/docs/api');

  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1, name: 'Tessera API reference' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 3, name: 'POST /api/v1/connect/share-tokens/{id}/redeem' })).toBeVisible();
  await expect(page.getByRole('link', { name: '/openapi.json' })).toHaveAttribute('href', '/openapi.json');
  await expectNoAxeViolations(page);
});
