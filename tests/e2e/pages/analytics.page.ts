import type { Locator, Page } from '@playwright/test';

export type AnalyticsScreen = 'statistics' | 'errors' | 'workflows' | 'users';

/** The analytics section: its screens, the shared date range, charts and tables. */
export class AnalyticsPage {
  readonly range: Locator;
  readonly notice: Locator;
  readonly statsRows: Locator;
  readonly statsTotal: Locator;
  readonly statsChart: Locator;
  readonly errorRows: Locator;
  readonly errorsCard: Locator;
  readonly sparklines: Locator;
  readonly workflowRows: Locator;
  readonly workflowsChart: Locator;
  readonly slowestRows: Locator;
  readonly auditUser: Locator;
  readonly auditRows: Locator;
  readonly auditCount: Locator;

  constructor(readonly page: Page) {
    this.range = page.getByTestId('date-range');
    this.notice = page.getByTestId('analytics-notice');
    this.statsRows = page.getByTestId('stats-row');
    this.statsTotal = page.getByTestId('stats-total');
    this.statsChart = page.getByTestId('statistics-chart');
    this.errorRows = page.getByTestId('error-row');
    this.errorsCard = page.getByTestId('errors-card');
    this.sparklines = page.getByTestId('error-sparkline');
    this.workflowRows = page.getByTestId('workflow-row');
    this.workflowsChart = page.getByTestId('workflows-chart');
    this.slowestRows = page.getByTestId('slowest-row');
    this.auditUser = page.getByTestId('audit-user');
    this.auditRows = page.getByTestId('audit-row');
    this.auditCount = page.getByTestId('audit-count');
  }

  tab(screen: AnalyticsScreen): Locator {
    return this.page.getByTestId(`analytics-tab-${screen}`);
  }

  /** The SVG shapes a chart has drawn (areas, bars, sparkline curves). */
  shapes(chart: Locator): Locator {
    return chart.locator('svg.recharts-surface path.recharts-area-area, svg.recharts-surface path.recharts-rectangle');
  }

  /**
   * Navigates in the app (as a click on the sidebar would) and waits until the screen's chart is drawn;
   * returns the wall time seen by the test and the time the page measured itself.
   */
  async openAndTime(screen: Exclude<AnalyticsScreen, 'users'>): Promise<{ wallMs: number; pageMs: number }> {
    const chart = screen === 'statistics' ? this.statsChart : screen === 'errors' ? this.errorsCard : this.workflowsChart;
    const started = Date.now();
    await this.page.evaluate((hash) => {
      window.location.hash = hash;
    }, `#/analytics/${screen}`);
    await this.shapes(chart).first().waitFor();
    const wallMs = Date.now() - started;
    await chart.and(this.page.locator('[data-render-ms]')).waitFor();
    const pageMs = Number(await chart.getAttribute('data-render-ms'));
    return { wallMs, pageMs };
  }

  /** The range the screen shows, as the contract takes it. */
  async shownRange(): Promise<{ from: string; to: string }> {
    return { from: (await this.range.getAttribute('data-from')) ?? '', to: (await this.range.getAttribute('data-to')) ?? '' };
  }

  /** Picks Custom and types both dates with the keyboard, as a user would (mmddyyyy in an en-US date field). */
  async typeCustomRange(from: string, to: string): Promise<void> {
    await this.page.getByTestId('range-custom').click();
    for (const [field, digits] of [['range-from', from], ['range-to', to]] as const) {
      await this.page.getByTestId(field).focus();
      await this.page.keyboard.type(digits);
    }
  }

  /** The bars one series of a bar chart has drawn (recharts draws each series as its own layer, in order). */
  bars(chart: Locator, series: number): Locator {
    return chart.locator('.recharts-bar').nth(series).locator('.recharts-bar-rectangle path');
  }

  legendCategory(category: string): Locator {
    return this.page.locator(`[data-testid="legend-category"][data-category="${category}"]`);
  }

  async numbers(rows: Locator, attribute: string): Promise<number[]> {
    return rows.evaluateAll((nodes, name) => nodes.map((node) => Number(node.getAttribute(name))), attribute);
  }
}
