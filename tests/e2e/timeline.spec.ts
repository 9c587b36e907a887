import { CATEGORY_COLOURS, type EventCategory } from '../../src-main/contract/taxonomy';
import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

const isSorted = (values: string[], order: 'desc' | 'asc') =>
  values.every((value, index) => index === 0 || (order === 'desc' ? values[index - 1]! >= value : values[index - 1]! <= value));

test('a permalink opens the email’s timeline newest first, and the toggle shows it oldest first', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(data.timelineEmailId);
  await expect(timeline.subject).toHaveText(data.timelineSubject);
  await expect(timeline.emailId).toHaveText(`#${data.timelineEmailId}`);
  await timeline.waitForEvents();
  await expect(timeline.count).toHaveText('12 events');

  const newestFirst = await timeline.visibleTimestamps();
  expect(newestFirst.length).toBeGreaterThan(3);
  expect(isSorted(newestFirst, 'desc')).toBe(true);
  await expect(timeline.events.first()).toHaveAttribute('data-event-type', 'notification_sent');

  await timeline.oldestFirst.click();
  await expect(page).toHaveURL(/order=asc/);
  await expect(timeline.events.first()).toHaveAttribute('data-event-type', 'fetched');
  const oldestFirst = await timeline.visibleTimestamps();
  expect(isSorted(oldestFirst, 'asc')).toBe(true);
  expect(oldestFirst[0]! < newestFirst[0]!).toBe(true);

  // The wait between the extraction and the status change is where this email sat for hours.
  await expect(timeline.gaps.filter({ hasText: '+3 h 12 min' })).toHaveCount(1);

  await timeline.newestFirst.click();
  await expect(timeline.events.first()).toHaveAttribute('data-event-type', 'notification_sent');
});

test('each event shows its category’s colour and icon, who did it, and when in which zone', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await page.goto(`/#/emails/${data.timelineEmailId}?order=asc`);
  await timeline.waitForEvents();
  const sample: Record<EventCategory, string> = {
    system: 'fetched',
    user: 'read',
    workflow: 'workflow_executed',
    rule: 'rule_matched',
    integration: 'linked',
  };
  for (const [category, eventType] of Object.entries(sample) as [EventCategory, string][]) {
    const event = timeline.event(eventType).first();
    await event.scrollIntoViewIfNeeded();
    const icon = event.getByTestId('category-icon');
    await expect(icon).toHaveAttribute('data-category', category);
    await expect(icon).toHaveAttribute('data-colour', CATEGORY_COLOURS[category]);
    await expect(icon.locator('svg')).toBeVisible();
    // The icon is painted with the design token of the seed's colour (system blue, user green, ...).
    const painted = await icon.evaluate((node, colour) => {
      const probe = document.createElement('span');
      probe.style.color = `var(--colour-${colour})`;
      document.body.append(probe);
      const token = getComputedStyle(probe).color;
      probe.remove();
      return { background: getComputedStyle(node).backgroundColor, token };
    }, CATEGORY_COLOURS[category]);
    expect(painted.token).not.toBe('');
    expect(painted.background).toBe(painted.token);
  }

  const read = timeline.event('read').first();
  await expect(read.getByTestId('event-actor')).toHaveText('Mette Jensen');
  await expect(timeline.event('fetched').getByTestId('event-actor')).toHaveText('system');
  // The zone comes from the source's status once it has answered.
  await expect(page.getByTestId('source-state')).toHaveText('Connected');
  await expect(timeline.event('fetched').getByTestId('event-time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [A-Za-z_]+(\/[A-Za-z_]+)*$/);
  await expect(timeline.event('fetched').getByTestId('event-relative')).toHaveText('3 days ago');
  await expect(timeline.event('fetched').getByTestId('event-description')).toHaveText('Email fetched from email server');
});

test('metadata expands into readable JSON that can be copied', async ({ page, context, data }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const timeline = new TimelinePage(page);
  await page.goto(`/#/emails/${data.timelineEmailId}?order=asc`);
  const classified = timeline.event('classified');
  await expect(classified.getByTestId('metadata-json')).toHaveCount(0);
  const json = await timeline.expandMetadata(classified);
  await expect(json).toBeVisible();
  await expect(classified.getByTestId('metadata-toggle')).toHaveAttribute('aria-expanded', 'true');
  const text = await json.locator('pre').innerText();
  expect(text).toContain('\n  "classification": "invoice"');
  expect(JSON.parse(text)).toEqual({ classification: 'invoice', confidence: 0.85, method: 'ai' });

  await json.getByTestId('copy-metadata').click();
  await expect(json.getByTestId('copy-metadata')).toHaveText('Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(JSON.parse(copied)).toEqual({ classification: 'invoice', confidence: 0.85, method: 'ai' });

  await classified.getByTestId('metadata-toggle').click();
  await expect(classified.getByTestId('metadata-json')).toHaveCount(0);
});

test('an unknown email id says so and leads back to the list', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(data.unknownEmailId);
  await expect(timeline.error).toContainText(`No email with id ${data.unknownEmailId} in the log`);
  await expect(timeline.error).toContainText('search for the email by subject or sender');
  await timeline.backToEmails.click();
  await expect(page).toHaveURL(/#\/emails$/);
  await expect(page.getByTestId('timeline-placeholder')).toBeVisible();

  await timeline.gotoPermalink('abc');
  await expect(timeline.error).toContainText('That is not an email id');
  await expect(timeline.error).toContainText('“abc” is not an email id');
});

test('an email whose events were all archived opens, each event marked Archived (issue 13, item 5)', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(data.archivedEmailId);
  await timeline.waitForEvents();
  await expect(timeline.count).toHaveText('4 events');
  await expect(timeline.events).toHaveCount(4);
  await expect(page.getByTestId('event-archived')).toHaveCount(4);
  await expect(page.getByTestId('event-archived').first()).toHaveText('Archived');
  await expect(timeline.events.first()).toHaveAttribute('data-archived', 'true');
  // An ordinary email's live events carry no mark.
  await timeline.gotoPermalink(data.timelineEmailId);
  await timeline.waitForEvents();
  await expect(page.getByTestId('event-archived')).toHaveCount(0);
});
