import { EmailsPage } from './pages/emails.page';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

test('searching by a word of the subject finds that email and opens its timeline', async ({ page, data }) => {
  const emails = new EmailsPage(page);
  await emails.goto();
  await emails.searchFor(data.subjectWord.toLowerCase());
  await expect(emails.rows).toHaveCount(1);
  await expect(emails.row(data.timelineEmailId)).toContainText(data.timelineSubject);
  await emails.open(data.timelineEmailId);
  await expect(new TimelinePage(page).subject).toHaveText(data.timelineSubject);
});

test('searching by id puts that email first, and the search lives in the URL', async ({ page, data }) => {
  const emails = new EmailsPage(page);
  await emails.goto();
  await emails.searchFor(String(data.bigEmailId));
  await expect(emails.rows.first()).toHaveAttribute('data-email-id', String(data.bigEmailId));
  await page.reload();
  await expect(emails.search).toHaveValue(String(data.bigEmailId));
  await expect(emails.rows.first()).toHaveAttribute('data-email-id', String(data.bigEmailId));
});

test('a search that finds nothing says what search looks at', async ({ page }) => {
  const emails = new EmailsPage(page);
  await emails.goto();
  await emails.searchFor('no such subject anywhere');
  await expect(emails.empty).toContainText('No email matches “no such subject anywhere”');
  await expect(emails.empty).toContainText('Search looks at the email id, the subject and the sender');
  await emails.empty.getByRole('button', { name: 'Clear the search' }).click();
  await expect(emails.rows.first()).toBeVisible();
});

test('the email list counts every email exactly before it has loaded them, and pages through them as it scrolls (issue 11, item 8)', async ({ page, data }) => {
  const emails = new EmailsPage(page);
  await emails.goto();
  await expect(emails.count).toHaveText(`${data.emailCount.toLocaleString('en')} emails, newest id first`);
  expect(await emails.rows.count()).toBeLessThan(40);
  await emails.results.evaluate(async (scroller) => {
    while (!scroller.textContent?.includes('End of results')) {
      scroller.scrollTop = scroller.scrollHeight;
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  });
  await expect(emails.count).toHaveText(`${data.emailCount.toLocaleString('en')} emails, newest id first`);
  expect(await emails.rows.count()).toBeLessThan(40);
});

test('typing an id puts that email first, and #id finds it alone (issue 11, item 4)', async ({ page, data }) => {
  const emails = new EmailsPage(page);
  await emails.goto();
  // Another email's subject mentions the id, and its own id is higher: it used to come first.
  await emails.search.pressSequentially(String(data.idSearchEmailId));
  await page.waitForURL((url) => url.hash.includes(`q=${data.idSearchEmailId}`));
  await expect(emails.rows.first()).toHaveAttribute('data-email-id', String(data.idSearchEmailId));
  await expect(emails.rows.nth(1)).toHaveAttribute('data-email-id', String(data.longWordEmailId));
  await expect(emails.count).toHaveText(`2 emails matching “${data.idSearchEmailId}”`);
  for (const typed of [`#${data.idSearchEmailId}`, `# ${data.idSearchEmailId}`]) {
    await emails.search.clear();
    await emails.search.pressSequentially(typed);
    await expect(emails.count).toHaveText(`1 email matching “${typed}”`);
    await expect(emails.rows).toHaveCount(1);
    await expect(emails.rows.first()).toHaveAttribute('data-email-id', String(data.idSearchEmailId));
  }
});
