// The hosted flow (/verify) as an end user walks it, against the real server and its worker.
import { test, expect, hydrated, expectNoAxeViolations, freshDemo, relative, Demo } from './fixtures';
import type { Page, APIRequestContext } from '@playwright/test';
import * as path from 'node:path';

const bill = path.join(__dirname, 'files', 'utility-bill.png');
const notADocument = path.join(__dirname, 'files', 'notes.txt');

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });

async function shareToken(request: APIRequestContext, demo: Demo, id: string) {
  const response = await request.get(`/api/v1/connect/share-tokens/${id}`, {
    headers: { Authorization: `Bearer ${demo['destination-api-key']}` },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).data.attributes;
}

test('a share token that covers the template completes after one click, with no input', async ({ page, request }) => {
  const demo = freshDemo();
  await page.goto(relative(demo['one-click-url']));
  await hydrated(page);
  await expect(heading(page, 'Share your verified information?')).toBeVisible();
  await expect(page.getByText('Northwind Bank (demo) has already verified you')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Why Contoso Lending (demo) asks' })).toBeVisible();
  await expect(page.getByText('The law requires us to confirm who you are')).toBeVisible();
  await expect(page.getByText('Alex'), 'values are never shown on the consent screen').toHaveCount(0);
  await expectNoAxeViolations(page);

  const clicked = Date.now();
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(heading(page, 'Verification complete')).toBeVisible();
  test.info().annotations.push({ type: 'consent→outcome ms', description: String(Date.now() - clicked) });

  await expect(heading(page, 'Verification complete')).toBeFocused();
  await expectNoAxeViolations(page);
  expect((await shareToken(request, demo, demo['full-share-token-id'])).status).toBe('redeemed');
});

test('only the missing steps are asked, each once, and completing them completes the inquiry', async ({ page }) => {
  const demo = freshDemo();
  await page.goto(relative(demo['extra-steps-url']));
  await hydrated(page);
  await page.getByRole('button', { name: 'Accept' }).click();

  await expect(heading(page, 'Address')).toBeVisible();
  await expect(page.getByText('Step 1 of 3')).toBeVisible();
  await expect(page.getByLabel('First name'), 'shared fields are not asked again').toHaveCount(0);
  await expectNoAxeViolations(page);
  await page.getByLabel('Street address').fill('1 Main St');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Country code').fill('US');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Contact')).toBeFocused();
  await page.getByRole('link', { name: 'Back' }).click();
  await expect(heading(page, 'Address')).toBeVisible();
  await expect(page.getByLabel('City'), 'going back shows what was entered').toHaveValue('Springfield');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Phone number').fill('+14155550123');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Proof of address')).toBeVisible();

  await page.getByLabel('Proof of address').setInputFiles(notADocument);
  await expect(page.getByText('Choose a PNG, JPEG or PDF file of at most 10 MB.')).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('Some answers need your attention');
  await expectNoAxeViolations(page);
  await page.getByLabel('Proof of address').setInputFiles(bill);
  await expect(page.locator('img.preview')).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(heading(page, 'Verification complete')).toBeVisible();
});

test('a server-side refusal is shown next to its field and keeps the other answers', async ({ page }) => {
  const demo = freshDemo();
  await page.goto(relative(demo['extra-steps-url']));
  await hydrated(page);
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByLabel('Street address').fill('1 Main St');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Country code').fill('US');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Contact')).toBeVisible();

  // Passes the browser's pattern check, fails the server's: +1 555 numbers are not assigned.
  await page.getByLabel('Phone number').fill('+15555555');
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page.getByText('Enter the number with its country code')).toBeVisible();
  await expect(page.getByLabel('Phone number')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Phone number')).toHaveValue('+15555555');
  await expect(heading(page, 'Contact')).toBeVisible();
});

test('declining leaves the token unused and asks for everything the template needs', async ({ page, request }) => {
  const demo = freshDemo();
  await page.goto(relative(demo['one-click-url']));
  await hydrated(page);

  await page.getByRole('button', { name: 'Decline' }).click();

  await expect(heading(page, 'Personal details')).toBeFocused();
  await expect(page.getByText('Step 1 of 4')).toBeVisible();
  expect((await shareToken(request, demo, demo['full-share-token-id'])).status).toBe('created');
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Date of birth').fill('1990-02-01');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Contact')).toBeVisible();
  await page.getByLabel('Email address').fill('ada@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Government ID')).toBeVisible();
  await page.getByLabel('ID number').fill('X1234567');
  await page.getByLabel('Front of your ID').setInputFiles(bill);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Selfie')).toBeVisible();
  await page.getByLabel('Selfie').setInputFiles(bill);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Verification complete')).toBeVisible();
});

/** Declines sharing and types a person in by hand; returns once the outcome is shown. */
async function verifyByHand(page: Page, demo: Demo, person: { first: string; last: string; birthdate: string }) {
  await page.goto(relative(demo['one-click-url']));
  await hydrated(page);
  await page.getByRole('button', { name: 'Decline' }).click();
  await page.getByLabel('First name').fill(person.first);
  await page.getByLabel('Last name').fill(person.last);
  await page.getByLabel('Date of birth').fill(person.birthdate);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Email address').fill('person@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('ID number').fill('X1234567');
  await page.getByLabel('Front of your ID').setInputFiles(bill);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Selfie').setInputFiles(bill);
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('a failed verification and one that needs review each get their own outcome', async ({ page }) => {
  await verifyByHand(page, freshDemo(), { first: 'Young', last: 'Person', birthdate: '2015-01-01' });
  await expect(heading(page, 'Verification failed'), 'under 18 fails the government ID check').toBeVisible();
  await expectNoAxeViolations(page);

  await verifyByHand(page, freshDemo(), { first: 'Viktor', last: 'Malvado', birthdate: '1971-03-14' });
  await expect(heading(page, 'We need to review your information'), 'a watchlist hit').toBeVisible();
});

test.describe('links that cannot be used say so and change nothing', () => {
  test('an unknown share token', async ({ page }) => {
    const demo = freshDemo();
    await page.goto(`/verify?inquiry-template-id=${demo['full-template-id']}&share-token=cnst_doesnotexist`);
    await hydrated(page);
    await expect(heading(page, 'This share link is not valid')).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByRole('link', { name: 'Verify without sharing' }).click();
    await expect(heading(page, 'Personal details')).toBeVisible();
  });

  test('an expired share token', async ({ page, request }) => {
    const demo = freshDemo();
    const expired = await request.post(`/api/v1/connect/share-tokens/${demo['full-share-token-id']}/expire`, {
      headers: { Authorization: `Bearer ${demo['source-api-key']}` },
    });
    expect(expired.status()).toBe(200);
    await page.goto(relative(demo['one-click-url']));
    await expect(heading(page, 'This share link has expired')).toBeVisible();
  });

  test('a share token that was already redeemed', async ({ page, request }) => {
    const demo = freshDemo();
    await page.goto(relative(demo['one-click-url']));
    await hydrated(page);
    await page.getByRole('button', { name: 'Accept' }).click();
    await expect(heading(page, 'Verification complete')).toBeVisible();

    await page.goto(relative(demo['one-click-url']));

    await expect(heading(page, 'This share link has already been used')).toBeVisible();
    expect((await shareToken(request, demo, demo['full-share-token-id'])).status).toBe('redeemed');
  });

  test('both a template and an inquiry', async ({ page }) => {
    await page.goto('/verify?inquiry-template-id=itmpl_x&inquiry-id=inq_y');
    await expect(heading(page, 'This link is incomplete')).toBeVisible();
  });

  test('a session token that was replaced', async ({ page, request }) => {
    const demo = freshDemo();
    await page.goto(relative(demo['extra-steps-url']));
    const url = new URL(page.url());
    const inquiry = url.searchParams.get('inquiry-id');
    const resumed = await request.post(`/api/v1/inquiries/${inquiry}/resume`, {
      headers: { Authorization: `Bearer ${demo['destination-api-key']}` },
    });
    expect(resumed.status()).toBe(200);

    await page.reload();

    await expect(heading(page, 'This link is no longer valid')).toBeVisible();
  });
});

test('reopening the link resumes where the user left', async ({ page, context }) => {
  const demo = freshDemo();
  await page.goto(relative(demo['extra-steps-url']));
  await hydrated(page);
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByLabel('Street address').fill('1 Main St');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Country code').fill('US');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(heading(page, 'Contact')).toBeVisible();

  const later = await context.newPage();
  await later.goto(page.url());

  await expect(heading(later, 'Contact'), 'the address step is not asked again').toBeVisible();
  await expect(later.getByText('Step 2 of 3')).toBeVisible();
});

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('every step is a form post and the flow completes', async ({ page }) => {
    const demo = freshDemo();
    await page.goto(relative(demo['extra-steps-url']));
    await page.getByRole('button', { name: 'Accept' }).click();
    await expect(heading(page, 'Address')).toBeVisible();
    await page.getByLabel('Street address').fill('1 Main St');
    await page.getByLabel('City').fill('Springfield');
    await page.getByLabel('Country code').fill('US');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(heading(page, 'Contact')).toBeVisible();
    await page.getByLabel('Phone number').fill('+15555555');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByText('Enter the number with its country code'), 'the server renders the refusal').toBeVisible();
    await page.getByLabel('Phone number').fill('+14155550123');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(heading(page, 'Proof of address')).toBeVisible();
    await page.getByLabel('Proof of address').setInputFiles(bill);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(heading(page, 'Verification complete')).toBeVisible();
  });
});

test.describe('in Spanish', () => {
  test('the language parameter translates the flow', async ({ page }) => {
    const demo = freshDemo();
    await page.goto(relative(demo['one-click-url']) + '&language=es');
    await hydrated(page);
    await expect(heading(page, '¿Compartir tu información verificada?')).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'es');
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Aceptar' }).click();
    await expect(heading(page, 'Verificación completada')).toBeVisible();
  });

  test.describe('from the browser language', () => {
    test.use({ locale: 'es-ES' });
    test('Accept-Language chooses Spanish', async ({ page }) => {
      const demo = freshDemo();
      await page.goto(relative(demo['extra-steps-url']));
      await hydrated(page);
      await page.getByRole('button', { name: 'Aceptar' }).click();
      await expect(heading(page, 'Dirección')).toBeVisible();
      await expect(page.getByText('Paso 1 de 3')).toBeVisible();
    });
  });
});

test.describe('redirect-uri', () => {
  test('an allowed origin gets the user back with the inquiry id, status and reference id', async ({ page, baseURL }) => {
    const demo = freshDemo();
    const back = `${baseURL}/healthz?from=verify`;
    await page.goto(relative(demo['one-click-url']) + `&reference-id=customer-42&redirect-uri=${encodeURIComponent(back)}`);
    await hydrated(page);
    await page.getByRole('button', { name: 'Accept' }).click();
    await expect(heading(page, 'Verification complete')).toBeVisible();

    await page.waitForURL(/\/healthz/);

    const url = new URL(page.url());
    expect(url.searchParams.get('from')).toBe('verify');
    expect(url.searchParams.get('inquiry-id')).toMatch(/^inq_/);
    expect(url.searchParams.get('status')).toBe('completed');
    expect(url.searchParams.get('reference-id')).toBe('customer-42');
  });

  test('any other origin is refused before anything starts', async ({ page }) => {
    const demo = freshDemo();
    await page.goto(relative(demo['one-click-url']) + '&redirect-uri=https%3A%2F%2Fevil.example%2Fsteal');
    await expect(heading(page, 'This link sends you to an address that is not allowed')).toBeVisible();
  });
});
