import { EmailsPage } from './pages/emails.page';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

test('the keyboard alone finds, opens and leaves an email: / j k arrows Enter Esc', async ({ page, data }) => {
  const emails = new EmailsPage(page);
  const timeline = new TimelinePage(page);
  await emails.goto();

  await emails.focusSearchWithSlash();
  await expect(emails.search).toBeFocused();
  await page.keyboard.type(data.subjectWord);
  await expect(emails.rows).toHaveCount(1);
  await page.keyboard.press('ArrowDown');
  await expect(emails.selectedRow).toHaveAttribute('data-email-id', String(data.timelineEmailId));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/emails/${data.timelineEmailId}\\?q=${data.subjectWord}$`));
  await expect(timeline.subject).toHaveText(data.timelineSubject);
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(new RegExp(`#/emails\\?q=${data.subjectWord}$`));
  await expect(emails.placeholder).toBeVisible();

  await emails.search.fill('');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await expect(emails.count).toContainText('newest id first');
  const ids = await emails.rows.evaluateAll((rows) => rows.slice(0, 3).map((row) => row.getAttribute('data-email-id')));
  await page.keyboard.press('j');
  await expect(emails.selectedRow).toHaveAttribute('data-email-id', ids[0]!);
  await page.keyboard.press('j');
  await page.keyboard.press('ArrowDown');
  await expect(emails.selectedRow).toHaveAttribute('data-email-id', ids[2]!);
  await page.keyboard.press('k');
  await expect(emails.selectedRow).toHaveAttribute('data-email-id', ids[1]!);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/emails/${ids[1]}$`));
  await expect(timeline.emailId).toHaveText(`#${ids[1]}`);
  await timeline.waitForEvents();
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(/#\/emails$/);
  await expect(emails.placeholder).toBeVisible();
});
