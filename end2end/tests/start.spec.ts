// The start page proves the pipeline: server rendering, hydration, a server function, SQLite.
import { test, expect, hydrated, expectNoAxeViolations } from './fixtures';

const visits = /Visits recorded: (\d+)/;

async function visitCount(text: string | null): Promise<number> {
  const match = text?.match(visits);
  expect(match, `expected "Visits recorded: N", got ${JSON.stringify(text)}`).not.toBeNull();
  return Number(match![1]);
}

test('recording a visit after hydration updates the count without a page load', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const status = page.getByText(visits);
  const before = await visitCount(await status.textContent());
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });

  await page.getByRole('button', { name: 'Record a visit' }).click();

  await expect
    .poll(async () => visitCount(await status.textContent()), { message: 'the count should grow' })
    .toBeGreaterThan(before);
  expect(navigations, 'a hydrated page records the visit through the server function, not a reload').toBe(0);
  await page.reload();
  expect(await visitCount(await page.getByText(visits).textContent())).toBeGreaterThan(before);
});

test('the start page is accessible', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);

  await expect(page.getByRole('heading', { level: 1, name: 'Tessera is running' })).toBeVisible();
  await expectNoAxeViolations(page);
});

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('recording a visit posts the form and the server renders the new count', async ({ page }) => {
    await page.goto('/');
    const before = await visitCount(await page.getByText(visits).textContent());

    await page.getByRole('button', { name: 'Record a visit' }).click();
    await page.waitForLoadState('load');

    expect(await visitCount(await page.getByText(visits).textContent())).toBeGreaterThan(before);
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
