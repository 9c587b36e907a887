import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

interface ScrollFigures {
  totalMs: number;
  frames: number;
  p50FrameMs: number;
  p95FrameMs: number;
  maxFrameMs: number;
  maxRowsInDom: number;
}

test('the timeline of an email with 5,000 events renders virtualised and scrolls to its first event', async ({ page, data }) => {
  // Generous limits: the figures are measured and printed; a loaded machine must not fail the test.
  test.setTimeout(180_000);
  const timeline = new TimelinePage(page);
  const started = Date.now();
  await timeline.gotoPermalink(data.bigEmailId);
  await timeline.waitForEvents();
  const firstRenderMs = Date.now() - started;

  const rowsAtStart = await timeline.events.count();
  expect(rowsAtStart).toBeGreaterThan(0);
  expect(rowsAtStart).toBeLessThan(60);

  // Reading pace first: 120 px per frame for 240 frames, the way a trackpad scroll moves.
  const reading = await timeline.scroller.evaluate(async (scroller) => {
    const frames: number[] = [];
    let last = performance.now();
    for (let frame = 0; frame < 240; frame++) {
      scroller.scrollTop += 120;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    const sorted = [...frames].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0 };
  });

  // Scroll as a user flinging the wheel would: a fixed distance per frame until the trail's start appears.
  const figures = await timeline.scroller.evaluate(async (scroller): Promise<ScrollFigures> => {
    const STEP_PX = 2400;
    const LIMIT_MS = 150_000;
    const frames: number[] = [];
    let maxRowsInDom = 0;
    const begin = performance.now();
    let last = begin;
    while (!document.querySelector('[data-testid="timeline-end"]')) {
      if (performance.now() - begin > LIMIT_MS) throw new Error(`the end of the timeline did not appear within ${LIMIT_MS} ms`);
      scroller.scrollTop += STEP_PX;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = performance.now();
      frames.push(now - last);
      last = now;
      maxRowsInDom = Math.max(maxRowsInDom, document.querySelectorAll('[data-testid="timeline-event"]').length);
    }
    const sorted = [...frames].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      totalMs: performance.now() - begin,
      frames: frames.length,
      p50FrameMs: at(0.5),
      p95FrameMs: at(0.95),
      maxFrameMs: sorted[sorted.length - 1] ?? 0,
      maxRowsInDom,
    };
  });

  await expect(timeline.end).toHaveText(`Start of the trail · ${data.bigEmailEvents.toLocaleString('en')} events`);
  await expect(timeline.count).toHaveText('5,000 events');
  await expect(timeline.events.last()).toHaveAttribute('data-event-type', 'fetched');
  expect(figures.maxRowsInDom).toBeLessThan(100);

  console.log(
    `5,000-event timeline: first render ${firstRenderMs} ms; reading-pace scroll (120 px/frame) frame p50 ` +
      `${reading.p50.toFixed(1)} ms, p95 ${reading.p95.toFixed(1)} ms, max ${reading.max.toFixed(1)} ms; fling (2400 px/frame) scroll to the end ${Math.round(figures.totalMs)} ms over ` +
      `${figures.frames} frames (frame p50 ${figures.p50FrameMs.toFixed(1)} ms, p95 ${figures.p95FrameMs.toFixed(1)} ms, ` +
      `max ${figures.maxFrameMs.toFixed(1)} ms); at most ${figures.maxRowsInDom} event rows in the DOM`,
  );
});
